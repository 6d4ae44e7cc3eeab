"""Which decode each feature reads, and one decode per group of features that agree.

A JPEG's pixels depend on how it is decoded: DCT scaling (Pillow ``draft``) gives
other pixels at each scale, and a luma-only decode reads the Y channel that an RGB
decode converts to colour and back. So each feature has its own :class:`Decode` --
luma or RGB, its own working side, the run's ``max_side`` -- exactly the decode of a
run of that feature alone, and its value never depends on the other features of a
run. Features that agree on the decode share one; the file is read (and hashed) once
whatever the number of decodes.

Where an RGB and a luma decode of a JPEG differ only in colour, one YCbCr decode
serves both, bit for bit: libjpeg's luma output is the Y channel it decodes, and its
RGB output is that Y channel and the chroma through a fixed-point table that
:func:`_ycbcr_to_rgb` repeats (checked identical on 1,620 JPEGs of 9 sizes from 97x61
to 2048x1536, 3 chroma subsamplings, baseline and progressive, DCT scales 1 to 1/8).
``imgsim extract -f phash,color_hist --workers 1`` on 1024x768 photographs, marginal
time per image: 2.47 ms when both read one RGB decode, 4.06 ms with a decode each,
2.72 ms with the shared YCbCr decode (the table look-ups).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from imgsim.features import FeatureParams, FeatureSpec, extract_one
from imgsim.features.spec import Crop
from imgsim.images import (
    TRANSPOSE_FOR_ORIENTATION,
    DecodedImage,
    decode_upright_rgb,
    exif_orientation,
    luma,
    resize_antialiased,
    target_size,
)

_JPEG_SIGNATURE = b"\xff\xd8\xff"
"""What Pillow's JPEG (and MPO) plugins accept: only such files are ever DCT-scaled."""
_SWAPS_SIDES = (5, 6, 7, 8)
"""EXIF orientations that turn the image a quarter turn."""


def _fixed(value: float) -> int:
    return int(value * (1 << 16) + 0.5)


_CHROMA = np.arange(256, dtype=np.int64) - 128
# libjpeg's build_ycc_rgb_table (jdcolor.c), in 16-bit fixed point: red and blue
# offsets rounded, green's two terms summed before the shift.
_CR_TO_RED = ((_fixed(1.40200) * _CHROMA + (1 << 15)) >> 16).astype(np.int16)
_CB_TO_BLUE = ((_fixed(1.77200) * _CHROMA + (1 << 15)) >> 16).astype(np.int16)
_CB_TO_GREEN = (-_fixed(0.34414) * _CHROMA + (1 << 15)).astype(np.int32)
_CR_TO_GREEN = (-_fixed(0.71414) * _CHROMA).astype(np.int32)


@dataclass(frozen=True)
class Decode:
    """How one feature wants a file decoded."""

    gray: bool
    """The luma alone (the feature reads no colour)."""
    min_side: int | None
    """Pixels per side the feature needs (a JPEG may be DCT-scaled down to it); ``None``: full."""
    max_side: int | None
    """The run's ``size`` for features of their own working size: the longer side at most."""
    square: int | None = None
    """Features of the working image: the image (or its central square) resized to
    ``square`` x ``square``, anti-aliased."""
    crop: Crop = "none"
    """``center``: the central square of the upright image, before any resize to ``square``."""

    @property
    def label(self) -> str:
        """The decode as written in store keys, e.g. ``luma@128/size=None``."""
        label = f"{'luma' if self.gray else 'rgb'}@{self.min_side or 'full'}/size={self.max_side}"
        if self.square is not None:
            label += f"/square={self.square}"
        return label + ("/crop=center" if self.crop == "center" else "")


@dataclass(frozen=True)
class DecodeGroup:
    """Features that read the same decode."""

    decode: Decode
    specs: tuple[FeatureSpec, ...]


def feature_decode(spec: FeatureSpec, params: FeatureParams) -> Decode:
    """The decode ``spec`` reads: the same whatever else is computed in the run.

    Features of the working image all read the same RGB square (one decode and one
    resize serve them all); every other feature reads its own working side, with the
    longer side at most ``params.size``.
    """
    if spec.working:
        return _working_decode(params)
    return Decode(
        gray=not spec.needs_color,
        min_side=spec.work_side(params),
        max_side=params.size,
        crop=params.crop,
    )


def _working_decode(params: FeatureParams) -> Decode:
    """The one decode of every feature of the working image: an RGB square."""
    side = params.work_size
    return Decode(gray=False, min_side=side, max_side=None, square=side, crop=params.crop)


def group_by_decode(specs: Iterable[FeatureSpec], params: FeatureParams) -> tuple[DecodeGroup, ...]:
    """The features grouped by identical decode, colour decodes first (a luma decode
    can then sometimes be read off a colour one: see :func:`decode_groups`)."""
    groups: dict[Decode, list[FeatureSpec]] = {}
    for spec in specs:
        groups.setdefault(feature_decode(spec, params), []).append(spec)
    ordered = sorted(groups.items(), key=lambda item: item[0].gray)  # stable: else in input order
    return tuple(DecodeGroup(decode, tuple(members)) for decode, members in ordered)


def decode_groups(
    path: Path,
    groups: Sequence[DecodeGroup],
    *,
    max_pixels: int,
    data: bytes | None = None,
) -> list[DecodedImage]:
    """One decoded image per group, in order, from one read of the file.

    A bad file raises :class:`~imgsim.errors.BadImage` from the first decode, before
    any other is tried. ``data``: the file's bytes, if already read.
    """
    if data is None and len(groups) > 1:
        # The first decode reports why a file cannot be read.
        with contextlib.suppress(OSError):
            data = path.read_bytes()
    scalable = data is None or data.startswith(_JPEG_SIGNATURE)
    shared = _shared_jpeg_decodes(groups, max_pixels, data) if data and scalable else {}
    done: list[tuple[Decode, DecodedImage]] = []
    for group in groups:
        decode = group.decode
        image = shared.get(decode) or (None if scalable else _read_off(decode, done))
        if image is None:
            image = framed(
                decode_upright_rgb(
                    path,
                    max_pixels=max_pixels,
                    min_side=decode.min_side,
                    max_side=decode.max_side,
                    gray=decode.gray,
                    data=data,
                ),
                decode,
            )
        done.append((decode, image))
    return [image for _, image in done]


def _read_off(wanted: Decode, done: Sequence[tuple[Decode, DecodedImage]]) -> DecodedImage | None:
    """``wanted`` taken from a decode already made, where that gives the same pixels.

    Only for files that are never DCT-scaled (not JPEG): their pixels do not depend on
    ``min_side``, and a luma decode is the luma of the RGB decode (a gray file's own
    values, too: Pillow's luma weights sum to one) unless it was resized, since the
    resize comes after the conversion.
    """
    for decode, image in done:
        if replace(decode, gray=wanted.gray) != wanted:
            continue
        if decode.gray == wanted.gray:
            return image
        if wanted.gray and not image.reduced:
            return DecodedImage(luma(image.pixels), image.width, image.height)
    return None


def _shared_jpeg_decodes(
    groups: Sequence[DecodeGroup], max_pixels: int, data: bytes
) -> dict[Decode, DecodedImage]:
    """The RGB and luma decodes that one YCbCr decode of a JPEG gives (none if it cannot).

    A file this decode cannot read is left to the ordinary decode of its first group,
    which reports it in the words of a run of that feature alone (and may read a file
    that only the YCbCr output refuses); no other group is tried after that.
    """
    wanted = {group.decode for group in groups}
    for decode in wanted:
        twin = replace(decode, gray=True)
        if decode.gray or twin not in wanted:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pair = _decode_ycbcr(data, max_pixels, decode)
        except Exception:  # see above: the first group's own decode decides
            return {}
        return {} if pair is None else {decode: pair[0], twin: pair[1]}
    return {}


def _decode_ycbcr(
    data: bytes, max_pixels: int, decode: Decode
) -> tuple[DecodedImage, DecodedImage] | None:
    """RGB and luma from one DCT-scaled YCbCr decode, as :func:`decode_upright_rgb` would
    give them; ``None`` where that would not be the same (no DCT scaling: Pillow's full
    decode smooths the chroma; another colour space; an image to refuse)."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if image.format != "JPEG" or not _reads_as_ycbcr(image) or width * height > max_pixels:
            return None
        orientation = exif_orientation(image)
        if orientation in _SWAPS_SIDES:
            width, height = height, width
        target = target_size(width, height, decode.max_side)
        side = decode.min_side
        request = target if target is not None else (side, side) if side else None
        if request is None:
            return None
        image.draft("YCbCr", request[::-1] if orientation in _SWAPS_SIDES else request)
        image.load()
        if orientation in TRANSPOSE_FOR_ORIENTATION:
            ycbcr = np.asarray(image.transpose(TRANSPOSE_FOR_ORIENTATION[orientation]))
        else:
            ycbcr = np.asarray(image)
    rgb, y = _ycbcr_to_rgb(ycbcr), np.ascontiguousarray(ycbcr[:, :, 0])
    if target is not None and (rgb.shape[1], rgb.shape[0]) != target:
        rgb, y = resize_antialiased(rgb, target), resize_antialiased(y, target)
    return (
        framed(DecodedImage(rgb, width, height), decode),
        framed(DecodedImage(y, width, height), replace(decode, gray=True)),
    )


def features_of_pixels(
    pixels: NDArray[np.uint8], specs: Iterable[FeatureSpec], params: FeatureParams
) -> dict[str, NDArray[np.generic]]:
    """The features of an in-memory upright RGB image, each from the pixels its decode of a
    file would give (longer side at most ``params.size``, luma, the working image), so
    that an array and a PNG of it give the same values."""
    return features_of_arrays([pixels], specs, params)[0]


def features_of_arrays(
    images: Sequence[NDArray[np.uint8]], specs: Iterable[FeatureSpec], params: FeatureParams
) -> list[dict[str, NDArray[np.generic]]]:
    """:func:`features_of_pixels` of several images, model features in one batch."""
    from imgsim.embedding import embed_rows

    specs = list(specs)
    rows: list[dict[str, NDArray[np.generic]]] = []
    for pixels in images:
        values: dict[str, NDArray[np.generic]] = {}
        height, width = pixels.shape[:2]
        for group in group_by_decode(specs, params):
            decode = group.decode
            image = luma(pixels) if decode.gray else pixels
            target = target_size(width, height, decode.max_side)
            if target is not None:
                image = resize_antialiased(image, target)
            prepared = framed(DecodedImage(image, width, height), decode)
            values |= extract_one(prepared.pixels, group.specs, params, reduced=prepared.reduced)
        rows.append(values)
    return embed_rows(rows, specs, params, threads=None)


def working_image(pixels: NDArray[np.uint8], params: FeatureParams) -> NDArray[np.uint8]:
    """The square working image that features of the working image read, of an in-memory
    upright RGB image."""
    image = DecodedImage(pixels, pixels.shape[1], pixels.shape[0])
    return framed(image, _working_decode(params)).pixels


def framed(image: DecodedImage, decode: Decode) -> DecodedImage:
    """The decoded image as ``decode`` frames it: its central square with ``crop``
    ``center``, then resized to ``square`` x ``square`` for the working image."""
    pixels = image.pixels
    if decode.crop == "center":
        height, width = pixels.shape[:2]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        pixels = pixels[top : top + side, left : left + side]
    if decode.square is not None and pixels.shape[:2] != (decode.square, decode.square):
        pixels = resize_antialiased(pixels, (decode.square, decode.square))
    if pixels is image.pixels:
        return image
    return DecodedImage(np.ascontiguousarray(pixels), image.width, image.height)


def _reads_as_ycbcr(image: Image.Image) -> bool:
    """Whether libjpeg decodes this JPEG from YCbCr (``jdapimin.c``: a JFIF marker, else
    Adobe's transform 1, else component ids 1, 2, 3); any doubt says no."""
    if image.mode != "RGB" or image.info.get("adobe_transform", 1) != 1:
        return False
    ids = tuple(component[0] for component in getattr(image, "layer", ()))
    return ids != (82, 71, 66) and (
        "jfif" in image.info or "adobe" in image.info or ids == (1, 2, 3)
    )


def _ycbcr_to_rgb(ycbcr: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """libjpeg's ``ycc_rgb_convert``: Y plus a table value of the chroma, clipped."""
    y = ycbcr[:, :, 0].astype(np.int16)
    cb, cr = ycbcr[:, :, 1], ycbcr[:, :, 2]
    green = ((_CB_TO_GREEN.take(cb) + _CR_TO_GREEN.take(cr)) >> 16).astype(np.int16)
    channels = (y + _CR_TO_RED.take(cr), y + green, y + _CB_TO_BLUE.take(cb))
    return np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.uint8)

"""Which decode each feature reads, and one decode per group of features that agree.

A JPEG's pixels depend on how it is decoded: DCT scaling (Pillow ``draft``) gives
other pixels at each scale, and a luma-only decode reads the Y channel that an RGB
decode converts to colour and back. So each feature has its own :class:`Decode` --
luma or RGB, its own working side, the run's ``max_side`` -- exactly the decode of a
run of that feature alone, and its value never depends on the other features of a
run. Features that agree on the decode share one; the file is read (and hashed) once
whatever the number of decodes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from imgsim.features import FeatureParams, FeatureSpec
from imgsim.images import DecodedImage, decode_upright_rgb, luma

_JPEG_SIGNATURE = b"\xff\xd8\xff"
"""What Pillow's JPEG (and MPO) plugins accept: only such files are ever DCT-scaled."""


@dataclass(frozen=True)
class Decode:
    """How one feature wants a file decoded."""

    gray: bool
    """The luma alone (the feature reads no colour)."""
    min_side: int | None
    """Pixels per side the feature needs (a JPEG may be DCT-scaled down to it); ``None``: full."""
    max_side: int | None
    """The run's ``--size``."""

    @property
    def label(self) -> str:
        """The decode as written in store keys, e.g. ``luma@128/size=None``."""
        return f"{'luma' if self.gray else 'rgb'}@{self.min_side or 'full'}/size={self.max_side}"


@dataclass(frozen=True)
class DecodeGroup:
    """Features that read the same decode."""

    decode: Decode
    specs: tuple[FeatureSpec, ...]


def feature_decode(spec: FeatureSpec, params: FeatureParams, max_side: int | None) -> Decode:
    """The decode ``spec`` reads: the same whatever else is computed in the run."""
    return Decode(gray=not spec.needs_color, min_side=spec.work_side(params), max_side=max_side)


def group_by_decode(
    specs: Iterable[FeatureSpec], params: FeatureParams, max_side: int | None
) -> tuple[DecodeGroup, ...]:
    """The features grouped by identical decode, colour decodes first (a luma decode
    can then sometimes be read off a colour one: see :func:`decode_groups`)."""
    groups: dict[Decode, list[FeatureSpec]] = {}
    for spec in specs:
        groups.setdefault(feature_decode(spec, params, max_side), []).append(spec)
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
    done: list[tuple[Decode, DecodedImage]] = []
    for group in groups:
        decode = group.decode
        image = None if scalable else _read_off(decode, done)
        if image is None:
            image = decode_upright_rgb(
                path,
                max_pixels=max_pixels,
                min_side=decode.min_side,
                max_side=decode.max_side,
                gray=decode.gray,
                data=data,
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
        if decode.max_side != wanted.max_side:
            continue
        if decode.gray == wanted.gray:
            return image
        if wanted.gray and not image.reduced:
            return DecodedImage(luma(image.pixels), image.width, image.height)
    return None

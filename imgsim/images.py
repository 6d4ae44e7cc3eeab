"""Decode one file to an upright RGB ``uint8`` array (files are found by :mod:`.discovery`).

Every decode goes through :func:`decode_upright_rgb`: EXIF orientation applied,
every Pillow mode converted to 8-bit RGB with its value range scaled (never
clipped or wrapped), alpha composited over white, first frame of animations.
Anything that goes wrong raises :class:`~imgsim.errors.BadImage` with a reason a
person understands.
"""

from __future__ import annotations

import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from imgsim.defaults import DEFAULT_MAX_PIXELS as DEFAULT_MAX_PIXELS
from imgsim.discovery import IMAGE_EXTENSIONS as IMAGE_EXTENSIONS
from imgsim.discovery import UNDECODABLE_EXTENSIONS
from imgsim.discovery import Discovery as Discovery
from imgsim.discovery import discover as discover
from imgsim.discovery import is_image_name as is_image_name
from imgsim.discovery import walk_images as walk_images
from imgsim.errors import Argument, BadImage, Wording

# imgsim enforces its own, configurable limit (``max_pixels``) and must see the
# size of a decompression bomb to report it, so Pillow's built-in check is off.
Image.MAX_IMAGE_PIXELS = None


_ORIENTATION_TAG = 0x0112
TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})

RGBArray = NDArray[np.uint8]


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB image and the size of the original it was decoded from."""

    pixels: NDArray[np.uint8]
    """H x W x 3 ``uint8`` RGB (H x W luma when decoded with ``gray=True``), possibly at
    a reduced working size."""
    width: int
    """Width of the upright original, in pixels."""
    height: int
    """Height of the upright original, in pixels."""

    @property
    def reduced(self) -> bool:
        """Whether the pixels are smaller than the original (DCT-scaled, or ``max_side``)."""
        return self.pixels.shape[:2] != (self.height, self.width)


# --------------------------------------------------------------------------- decoding


def load_image(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> RGBArray:
    """Decode ``path`` at full size to an upright H x W x 3 ``uint8`` RGB array."""
    return decode_upright_rgb(path, max_pixels=max_pixels).pixels


def decode_upright_rgb(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int | None = None,
    max_side: int | None = None,
    gray: bool = False,
    data: bytes | None = None,
) -> DecodedImage:
    """Decode one file to an upright RGB ``uint8`` image (or its luma).

    Parameters
    ----------
    path
        The file. Its content, not its extension, decides the decoder.
    max_pixels
        Images whose header claims more pixels are refused before any pixel data
        is decoded.
    min_side
        The features need at least this many pixels along each side: a JPEG may be
        decoded with DCT scaling (1/2, 1/4, 1/8) down to, but not below, this size.
    max_side
        Resize (anti-aliased) so that the longer side is at most this many pixels.
    gray
        Return the H x W luma (:func:`luma`) instead of RGB. A DCT-scaled JPEG is then
        decoded from its luma channel alone, which skips the colour conversion.
    data
        The file's bytes, already read (they are decoded instead of reading ``path``).
    """
    path = Path(path)
    if data is None and _is_pipe(path):
        # Named on purpose (`imgsim extract <(curl …)`): read as `cat` reads it, once
        # something writes to it. Folders never yield FIFOs (imgsim.discovery).
        data = _read_pipe(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _decode(path, max_pixels, min_side, max_side, gray, data)
    except BadImage:
        raise
    except MemoryError:
        raise BadImage(path, "not enough memory to decode this image") from None
    except Exception as error:  # any decoder failure is a bad file
        raise BadImage(path, _explain_decoder_error(path, error, data)) from None


def _is_pipe(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False  # the decode says why


def _read_pipe(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadImage(path, f"cannot read: {error.strerror or error}") from None


def too_many_pixels(width: int, height: int, max_pixels: int) -> Wording:
    """Why an image of ``width`` x ``height`` is refused: more than ``max_pixels`` pixels
    (``48x40 exceeds max_pixels 100``; the command line names its flag)."""
    return Wording(f"{width}x{height} exceeds {{}} {max_pixels}", Argument("max_pixels"))


def _decode(
    path: Path,
    max_pixels: int,
    min_side: int | None,
    max_side: int | None,
    gray: bool,
    data: bytes | None,
) -> DecodedImage:
    if data is None:
        try:
            status = path.stat()
        except OSError as error:
            raise BadImage(path, f"cannot read: {error.strerror or error}") from None
        if stat.S_ISDIR(status.st_mode):
            raise BadImage(path, "is a folder, not an image file")
        if not stat.S_ISREG(status.st_mode):
            raise BadImage(path, "not a regular file (a socket or device), not an image")
        size = status.st_size
    else:
        size = len(data)
    if size == 0:
        raise BadImage(path, "empty file (0 bytes)")
    try:
        image = Image.open(path if data is None else io.BytesIO(data))
    except UnidentifiedImageError:
        raise BadImage(path, _sniff_non_image(path, data)) from None
    except OSError as error:
        if error.errno is None:  # Pillow's own parse errors, e.g. "Truncated File Read"
            raise
        raise BadImage(path, f"cannot read: {error.strerror or error}") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise BadImage(path, too_many_pixels(width, height, max_pixels))
        orientation = exif_orientation(image)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        target = target_size(width, height, max_side)
        request = target if target is not None else (min_side, min_side) if min_side else None
        if request is not None and image.format == "JPEG":
            if orientation in (5, 6, 7, 8):
                request = (request[1], request[0])
            image.draft("L" if gray else None, request)
        image.load()
        if orientation in TRANSPOSE_FOR_ORIENTATION:
            upright = image.transpose(TRANSPOSE_FOR_ORIENTATION[orientation])
        else:
            upright = image
        if gray and upright.mode == "L" and "transparency" not in upright.info:
            pixels: NDArray[np.uint8] = np.asarray(upright)
        else:
            pixels = _to_rgb_uint8(upright)
            if gray:
                pixels = luma(pixels)
    if target is not None and (pixels.shape[1], pixels.shape[0]) != target:
        pixels = resize_antialiased(pixels, target)
    return DecodedImage(pixels=pixels, width=width, height=height)


def luma(pixels: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """ITU-R BT.601 luma of an RGB ``uint8`` image, rounded as Pillow's ``convert("L")``.

    A 2-D (already gray) array is returned as it is.
    """
    if pixels.ndim == 2:
        return pixels
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).convert("L"))


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation tag (1 to 8; 1, upright as stored, when absent or broken)."""
    if image.format == "PNG":  # its getexif() decodes the pixels: a failure there is no EXIF's
        image.load()
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a broken EXIF block leaves the image as stored
        return 1
    return value if isinstance(value, int) else 1


def target_size(width: int, height: int, max_side: int | None) -> tuple[int, int] | None:
    """The size that fits ``width`` x ``height`` into ``max_side`` (``None``: it fits)."""
    if max_side is None or max(width, height) <= max_side:
        return None
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb_uint8(image: Image.Image) -> RGBArray:
    mode = image.mode
    if mode == "RGB":
        return np.asarray(image)
    if mode in _ALPHA_MODES or "transparency" in image.info:
        return _composite_over_white(np.asarray(image.convert("RGBA")))
    if mode.startswith("I;16"):
        return _gray_to_rgb(_scale_to_uint8(np.asarray(image), 0.0, 65535.0))
    if mode == "I":
        values = np.asarray(image)
        return _gray_to_rgb(_scale_to_uint8(values, *_value_range(values, 65535.0)))
    if mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        return _gray_to_rgb(_scale_to_uint8(values, *_value_range(values, 1.0)))
    if mode == "L":
        return _gray_to_rgb(np.asarray(image))
    return np.asarray(image.convert("RGB"))


def _value_range(values: NDArray[np.generic], nominal_high: float) -> tuple[float, float]:
    """[0, nominal_high] when the values lie there (16-bit or [0, 1] data), else their min..max."""
    low, high = float(values.min()), float(values.max())
    return (0.0, nominal_high) if low >= 0 and high <= nominal_high else (low, high)


def _scale_to_uint8(values: NDArray[np.generic], low: float, high: float) -> NDArray[np.uint8]:
    """Map [low, high] linearly onto [0, 255] with rounding (high-bit-depth and float images)."""
    span = high - low
    if span <= 0:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values.astype(np.float64) - low) * (255.0 / span)
    return np.rint(scaled).astype(np.uint8)


def _gray_to_rgb(gray: NDArray[np.uint8]) -> RGBArray:
    return np.repeat(gray[:, :, np.newaxis], 3, axis=2)


def _composite_over_white(rgba: NDArray[np.uint8]) -> RGBArray:
    rgb = rgba[:, :, :3].astype(np.uint32)
    alpha = rgba[:, :, 3:4].astype(np.uint32)
    blended = (rgb * alpha + 255 * (255 - alpha) + 127) // 255
    return blended.astype(np.uint8)


def resize_antialiased(pixels: NDArray[np.uint8], size: tuple[int, int]) -> NDArray[np.uint8]:
    """Resize to ``size`` (width, height): area averaging when shrinking, Lanczos when enlarging."""
    import cv2

    width, height = size
    shrinking = width <= pixels.shape[1] and height <= pixels.shape[0]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
    resized = cv2.resize(pixels, (width, height), interpolation=interpolation)
    return np.asarray(resized, dtype=np.uint8)


def as_rgb_uint8(array: object, name: str = "image") -> RGBArray:
    """Validate an in-memory image: H x W x 3 (or H x W gray) ``uint8``; gray becomes RGB."""
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{name} must be a numpy array or a path, got {type(array).__name__}")
    if array.dtype != np.uint8:
        raise ValueError(
            f"{name} must have dtype uint8 (convert explicitly, e.g. "
            f"(x * 255).round().astype(np.uint8)), got {array.dtype}"
        )
    if array.ndim == 2:
        return _gray_to_rgb(array)
    if array.ndim != 3 or array.shape[2] != 3 or min(array.shape[:2]) == 0:
        raise ValueError(f"{name} must have shape (H, W, 3) or (H, W), got {array.shape}")
    return array


# --------------------------------------------------------------------------- error reasons


def _sniff_non_image(path: Path, data: bytes | None) -> str:
    """What a file that Pillow does not recognise is (``data``: its bytes, when they
    were read instead of the path: a pipe, or a file shipped from another machine)."""
    try:
        if data is not None:
            head = data[:2048]
        else:
            with path.open("rb") as handle:
                head = handle.read(2048)
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    truncated = _truncated_format(path, data)
    if truncated is not None:
        return f"truncated {truncated}"
    if b"\x00" not in head:
        try:
            text = head.decode("utf-8").lstrip().lower()
        except UnicodeDecodeError:
            text = None
        if text is not None:
            if text.startswith(("<svg", "<?xml")) and "<svg" in text:
                return "not an image Pillow can decode: SVG vector graphics (rasterise it first)"
            return "not an image: looks like text"
    undecodable = _undecodable_format(head, path)
    if undecodable is not None:
        return f"unsupported format: {undecodable} (convert it to PNG or JPEG first)"
    return "not an image: unrecognised file format"


_ISO_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF"}


def _undecodable_format(head: bytes, path: Path) -> str | None:
    """The name of an image format Pillow cannot decode here, from the file's first bytes
    (or, failing that, its extension)."""
    if head[4:8] == b"ftyp":  # ISO base media: HEIC, HEIF, AVIF
        return _ISO_BRANDS.get(head[8:12], "HEIF")
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL ")):
        return "JPEG XL"
    if head.startswith(b"v/1\x01"):
        return "OpenEXR"
    suffix = path.suffix.lower()
    return suffix.lstrip(".").upper() + " image" if suffix in UNDECODABLE_EXTENSIONS else None


def _explain_decoder_error(path: str | Path, error: Exception, data: bytes | None) -> str:
    truncated = _truncated_format(path, data)
    if truncated is not None:
        return f"truncated {truncated}"
    kind = _format_name(path, data)
    message = str(error) or type(error).__name__
    if isinstance(error, EOFError) or "truncated" in message.lower():
        return f"truncated {kind}"
    return f"corrupt {kind}: {message}"


def _format_name(path: str | Path, data: bytes | None) -> str:
    try:
        with Image.open(path if data is None else io.BytesIO(data)) as image:
            return image.format or "image"
    except Exception:  # only used to word an error message
        suffix = Path(path).suffix.lstrip(".").upper()
        return {"JPG": "JPEG", "TIF": "TIFF"}.get(suffix, suffix or "image") if suffix else "image"


_SIGNATURE_AND_END = (
    ("PNG", b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"),
    ("JPEG", b"\xff\xd8\xff", b"\xff\xd9"),
    ("GIF", b"GIF8", b";"),
)


def _truncated_format(path: str | Path, data: bytes | None) -> str | None:
    """The format of a file that starts with its signature but lacks its end marker.

    Only asked once decoding has failed: a cut inside the header makes Pillow fail
    with messages ("cannot identify", "Truncated File Read") that hide the cause.
    """
    if data is not None:
        head, tail = data[:8], data[-8:]
    else:
        try:
            with Path(path).open("rb") as handle:
                head = handle.read(8)
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - 8))
                tail = handle.read(8)
        except OSError:
            return None
    for name, signature, end in _SIGNATURE_AND_END:
        if head.startswith(signature) and not tail.rstrip(b"\x00\r\n ").endswith(end):
            return name
    return None

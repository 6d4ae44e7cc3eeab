"""Thumbnails for the HTML report: each image decoded small, as a base64 JPEG ``data:`` URI.

Decoding goes through :func:`imgsim.images.decode_upright_rgb` (EXIF orientation,
every mode to RGB, a large JPEG DCT-scaled before its anti-aliased resize), so a
thumbnail shows the pixels the metrics saw, and a file it cannot read raises
:class:`~imgsim.errors.BadImage` with the reason, which the report shows in place of
the picture. Pillow's decoders and its JPEG encoder release the GIL, so a few threads
make the thumbnails of a large report in parallel.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from imgsim.defaults import DEFAULT_MAX_PIXELS
from imgsim.errors import BadImage

THUMBNAIL_SIDE = 192
"""The longer side of a thumbnail, in pixels."""
JPEG_QUALITY = 80
"""Enough to judge an image at 192 px: about 8-16 kB of JPEG for a photograph."""
_MAX_THREADS = 4


@dataclass(frozen=True)
class Thumbnail:
    """A decoded thumbnail (``uri`` set) or the reason there is none."""

    uri: str | None
    width: int = 0
    height: int = 0
    reason: str = ""


def thumbnail(path: str, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Thumbnail:
    """The thumbnail of one file, at most :data:`THUMBNAIL_SIDE` pixels on its longer side."""
    from PIL import Image

    from imgsim.images import decode_upright_rgb

    try:
        pixels = decode_upright_rgb(path, max_pixels=max_pixels, max_side=THUMBNAIL_SIDE).pixels
    except BadImage as error:
        return Thumbnail(None, reason=str(error.reason))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    height, width = pixels.shape[:2]
    return Thumbnail(f"data:image/jpeg;base64,{encoded}", width, height)


def thumbnails(
    paths: Iterable[str], *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> dict[str, Thumbnail]:
    """The thumbnail of each distinct path, made on a few threads."""
    distinct = list(dict.fromkeys(paths))
    if not distinct:
        return {}
    threads = max(1, min(_MAX_THREADS, os.cpu_count() or 1, len(distinct)))
    with ThreadPoolExecutor(threads) as pool:
        made = pool.map(lambda path: thumbnail(path, max_pixels=max_pixels), distinct)
        return dict(zip(distinct, made, strict=True))

"""The photographs, hard negatives and edits of the retrieval and invariance reports.

``retrieval.py`` finds edited copies of the photographs among the negatives with
``imgsim rank`` (its docstring describes the set); ``invariance.py`` measures how far
each feature moves under the edits. Each edit takes an H x W x 3 ``uint8`` image and a
random generator (only the crop draws from it) and returns the edited image, as a
user makes it with Pillow or OpenCV.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

# The sample photographs are the tests' list (tests/photos.py); bench/ scripts cannot
# import tests/ as a package, so its folder goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from photos import TEXTURES

Image8 = NDArray[np.uint8]
Box = tuple[int, int, int, int]
"""top, left, height, width."""
Edit = Callable[[Image8, np.random.Generator], Image8]
JPEG_QUALITY = 30

SOURCES: dict[str, tuple[int, int]] = {
    "astronaut": (2, 2),
    "chelsea": (1, 2),
    "coffee": (1, 2),
    "rocket": (1, 2),
    "retina": (2, 2),
    "hubble_deep_field": (2, 2),
    "immunohistochemistry": (1, 2),
    "camera": (1, 2),
    "coins": (1, 2),
    "moon": (1, 2),
    "china.jpg": (1, 2),
    "flower.jpg": (1, 2),
}
"""Source photograph: rows x columns of non-overlapping photographs cut from it (30)."""
OTHER_SOURCES = ("clock", "page", "colorwheel", "text", *TEXTURES)
"""Photographs that only give negatives."""
PHOTOGRAPHS = sum(rows * columns for rows, columns in SOURCES.values())
MAX_SIDE = 400
SAME_SOURCE = 6
OTHER_CROPS = 15
MAX_SHARE = 0.6
SEED = 0
WATERMARK = "© imgsim 2026"


def load_source(name: str) -> Image8:
    """A bundled photograph as H x W x 3 ``uint8`` (gray repeated to RGB)."""
    if name.endswith(".jpg"):
        from sklearn.datasets import load_sample_image

        pixels = np.asarray(load_sample_image(name))
    else:
        from skimage import data

        pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3], dtype=np.uint8)


def crop(image: Image8, box: Box) -> Image8:
    """The pixels inside ``box`` (a view)."""
    top, left, height, width = box
    return image[top : top + height, left : left + width]


def tiles(shape: tuple[int, ...], rows: int, columns: int) -> list[Box]:
    """The non-overlapping rows x columns grid of a photograph of this shape."""
    height, width = shape[0] // rows, shape[1] // columns
    return [(r * height, c * width, height, width) for r in range(rows) for c in range(columns)]


def shrink(image: Image8) -> Image8:
    """At most :data:`MAX_SIDE` px on the longer side (area filter), as a contiguous copy."""
    scale = MAX_SIDE / max(image.shape[:2])
    if scale >= 1:
        return np.ascontiguousarray(image)
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _overlap(a: Box, b: Box) -> int:
    height = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    width = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(height, 0) * max(width, 0)


def straddling_crops(
    shape: tuple[int, ...], photographs: Sequence[Box], count: int, rng: np.random.Generator
) -> list[Box]:
    """Crops of 50-100 % of a photograph's sides, none mostly inside any one photograph."""
    _, _, tile_height, tile_width = photographs[0]
    boxes: list[Box] = []
    while len(boxes) < count:
        height = int(tile_height * rng.uniform(0.5, 1.0))
        width = int(tile_width * rng.uniform(0.5, 1.0))
        box = (
            int(rng.integers(shape[0] - height + 1)),
            int(rng.integers(shape[1] - width + 1)),
            height,
            width,
        )
        if max(_overlap(box, tile) for tile in photographs) <= MAX_SHARE * height * width:
            boxes.append(box)
    return boxes


def random_crops(shape: tuple[int, ...], count: int, rng: np.random.Generator) -> list[Box]:
    """Crops of 40-100 % of each side at random places."""
    boxes: list[Box] = []
    for _ in range(count):
        height = int(shape[0] * rng.uniform(0.4, 1.0))
        width = int(shape[1] * rng.uniform(0.4, 1.0))
        top = int(rng.integers(shape[0] - height + 1))
        boxes.append((top, int(rng.integers(shape[1] - width + 1)), height, width))
    return boxes


def negatives_count(same_source: int = SAME_SOURCE) -> int:
    """Negatives in each gallery, with ``same_source`` crops per photograph of its source."""
    return same_source * PHOTOGRAPHS + OTHER_CROPS * len(OTHER_SOURCES)


def photographs_and_negatives(
    same_source: int = SAME_SOURCE,
) -> tuple[dict[str, Image8], dict[str, Image8]]:
    """The query photographs and the hard negatives, by file stem (negatives sort first)."""
    rng = np.random.default_rng(SEED)
    photographs: dict[str, Image8] = {}
    negatives: dict[str, Image8] = {}
    for source, (rows, columns) in SOURCES.items():
        pixels = load_source(source)
        grid = tiles(pixels.shape, rows, columns)
        stem = source.removesuffix(".jpg")
        for index, box in enumerate(grid):
            photographs[f"{stem}-{index}"] = shrink(crop(pixels, box))
        for index, box in enumerate(
            straddling_crops(pixels.shape, grid, same_source * len(grid), rng)
        ):
            negatives[f"0-{stem}-{index:02d}"] = shrink(crop(pixels, box))
    for source in OTHER_SOURCES:
        pixels = load_source(source)
        for index, box in enumerate(random_crops(pixels.shape, OTHER_CROPS, rng)):
            negatives[f"0-{source}-{index:02d}"] = shrink(crop(pixels, box))
    return photographs, negatives


# --------------------------------------------------------------------------- edits


def jpeg_bytes(image: Image8, quality: int) -> bytes:
    """The JPEG file Pillow writes at this quality (4:2:0 subsampling, its default)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def jpeg(image: Image8, quality: int) -> Image8:
    """The image after a JPEG round trip at this quality (Pillow, 4:2:0)."""
    return np.asarray(Image.open(io.BytesIO(jpeg_bytes(image, quality))).convert("RGB"))


def downscale(image: Image8, _: np.random.Generator | None = None) -> Image8:
    """Half the size on each side, Lanczos (Pillow)."""
    size = (max(1, image.shape[1] // 2), max(1, image.shape[0] // 2))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))


def crop80(image: Image8, rng: np.random.Generator) -> Image8:
    """80 % of each side, at a random offset."""
    height, width = round(0.8 * image.shape[0]), round(0.8 * image.shape[1])
    top = int(rng.integers(image.shape[0] - height + 1))
    left = int(rng.integers(image.shape[1] - width + 1))
    return crop(image, (top, left, height, width))


def brighten(image: Image8, _: np.random.Generator | None = None) -> Image8:
    """+25 % brightness: every value times 1.25, clipped (Pillow ``ImageEnhance``)."""
    return np.asarray(ImageEnhance.Brightness(Image.fromarray(image)).enhance(1.25))


def rotate5(image: Image8, _: np.random.Generator | None = None) -> Image8:
    """5° counter-clockwise about the centre, bicubic, same size, black corners."""
    rotated = Image.fromarray(image).rotate(5, resample=Image.Resampling.BICUBIC)
    return np.asarray(rotated)


def blur(image: Image8, _: np.random.Generator | None = None) -> Image8:
    """Gaussian blur of standard deviation 2 px (OpenCV, reflected border)."""
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigmaX=2.0, sigmaY=2.0), dtype=np.uint8)


def watermark(image: Image8, _: np.random.Generator | None = None) -> Image8:
    """:data:`WATERMARK` across the middle: white at 50 % opacity with a dark outline.

    Pillow's bundled font (Aileron, through FreeType), its size an eighth of the shorter side.
    """
    base = Image.fromarray(image).convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    font = ImageFont.load_default(size=max(10, min(image.shape[:2]) // 8))
    centre = (image.shape[1] / 2, image.shape[0] / 2)
    draw.text(
        centre,
        WATERMARK,
        font=font,
        anchor="mm",
        fill=(255, 255, 255, 128),
        stroke_width=max(1, image.shape[0] // 100),
        stroke_fill=(0, 0, 0, 128),
    )
    return np.asarray(Image.alpha_composite(base, overlay).convert("RGB"))


EDITS: dict[str, Edit] = {
    "downscale 50%": downscale,
    "jpeg q30": lambda image, _: jpeg(image, JPEG_QUALITY),
    "crop 80%": crop80,
    "brightness +25%": brighten,
    "rotate 5°": rotate5,
    "blur σ2": blur,
    "watermark": watermark,
}
"""The edits of the retrieval report, in the order that chained pairs apply them."""


def flip(image: Image8, _: np.random.Generator | None = None) -> Image8:
    """Mirrored left to right."""
    return np.ascontiguousarray(image[:, ::-1])

"""Build the benchmark corpus: real photographs as 1024x768 JPEGs.

The photographs are the freely licensed ones bundled with scikit-image; each
JPEG is a random crop (at least half of each side) of one of them, resized to
1024x768 with Lanczos and saved at quality 90, so the files have the size and
statistics of camera JPEGs. Deterministic for a given seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "stereo_motorcycle",
    "retina",
    "hubble_deep_field",
    "immunohistochemistry",
    "camera",
    "coins",
    "grass",
    "gravel",
    "brick",
)
SIZE = (1024, 768)


def load_photos() -> list[Image.Image]:
    """The bundled photographs as RGB Pillow images."""
    from skimage import data

    photos = []
    for name in PHOTOS:
        pixels = getattr(data, name)()
        if name == "stereo_motorcycle":  # (left, right, disparity)
            photos.extend(Image.fromarray(view) for view in pixels[:2])
        else:
            photos.append(Image.fromarray(np.asarray(pixels)).convert("RGB"))
    return photos


def build(folder: Path, count: int, *, seed: int = 0, size: tuple[int, int] = SIZE) -> list[Path]:
    """``count`` JPEGs in ``folder`` (reused when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"photo_{index:05d}.jpg" for index in range(count)]
    if all(path.exists() for path in paths):
        return paths
    rng = np.random.default_rng(seed)
    photos = load_photos()
    for path in paths:
        photo = photos[rng.integers(len(photos))]
        width, height = photo.size
        crop_w = int(rng.integers(width // 2, width + 1))
        crop_h = int(rng.integers(height // 2, height + 1))
        left = int(rng.integers(0, width - crop_w + 1))
        top = int(rng.integers(0, height - crop_h + 1))
        image = photo.crop((left, top, left + crop_w, top + crop_h))
        if rng.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        image.resize(size, Image.Resampling.LANCZOS).save(path, quality=90)
    return paths

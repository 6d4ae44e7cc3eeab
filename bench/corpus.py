"""Build the benchmark corpus: real photographs as 1024x768 JPEGs.

The photographs are the freely licensed ones bundled with scikit-image; each
JPEG is a random crop (at least half of each side) of one of them, resized to
1024x768 with Lanczos and saved at quality 90, so the files have the size and
statistics of camera JPEGs. Deterministic for a given seed: the first N files of
a larger corpus are the files of the corpus of N.

The corpus lives under ``bench/.data/`` (git-ignored). :func:`folder_of` gives a
folder holding exactly the first N photos (hard links into the corpus), so that
``imgsim extract FOLDER`` runs of different sizes read the same bytes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

# The sample photographs are the tests' list (tests/photos.py); bench/ scripts cannot
# import tests/ as a package, so its folder goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from photos import PHOTOS as SAMPLE_PHOTOS
from photos import TEXTURES

# The stereo pair comes fifth and "cell" is left out: the corpus's files follow this order.
PHOTOS = (*SAMPLE_PHOTOS[:4], "stereo_motorcycle", *SAMPLE_PHOTOS[4:], *TEXTURES[:3])
SIZE = (1024, 768)
DATA = Path(__file__).resolve().parent / ".data"
"""Git-ignored home of the generated files."""


def load_photos() -> list[Image.Image]:
    """The bundled photographs as RGB Pillow images."""
    from skimage import data

    photos: list[Image.Image] = []
    for name in PHOTOS:
        pixels = getattr(data, name)()
        if name == "stereo_motorcycle":  # (left, right, disparity)
            photos.extend(Image.fromarray(view) for view in pixels[:2])
        else:
            photos.append(Image.fromarray(np.asarray(pixels)).convert("RGB"))
    return photos


def build(folder: Path, count: int, *, seed: int = 0, size: tuple[int, int] = SIZE) -> list[Path]:
    """``count`` JPEGs in ``folder``; files already there are reused, missing ones written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"photo_{index:05d}.jpg" for index in range(count)]
    if all(path.exists() for path in paths):
        return paths
    rng = np.random.default_rng(seed)
    photos = load_photos()
    for path in paths:
        # Every file draws its numbers even when it exists, so file i never depends on count.
        photo = photos[rng.integers(len(photos))]
        width, height = photo.size
        crop_w = int(rng.integers(width // 2, width + 1))
        crop_h = int(rng.integers(height // 2, height + 1))
        left = int(rng.integers(0, width - crop_w + 1))
        top = int(rng.integers(0, height - crop_h + 1))
        flip = rng.random() < 0.5
        if path.exists():
            continue
        image = photo.crop((left, top, left + crop_w, top + crop_h))
        if flip:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        partial = path.with_suffix(".tmp")
        image.resize(size, Image.Resampling.LANCZOS).save(partial, format="JPEG", quality=90)
        partial.replace(path)  # an interrupted build never leaves a truncated JPEG behind
    return paths


def folder_of(count: int, *, data: Path = DATA) -> Path:
    """A folder holding exactly the first ``count`` photos of the corpus (built if needed)."""
    photos = build(data / "corpus", count)
    folder = data / f"photos_{count}"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {photo.name for photo in photos}
    for stray in folder.iterdir():
        if stray.name not in wanted:
            stray.unlink()
    for photo in photos:
        link = folder / photo.name
        if not link.exists():
            _link_or_copy(photo, link)
    return folder


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)

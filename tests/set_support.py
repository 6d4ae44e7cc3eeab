"""What the tests of set metrics share: crops of real photographs, the two folders
that ``imgsim compare --set`` and ``imgsim diversity`` read, and reading the one
row that a set command prints.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from cli_support import RGB, save_image
from conftest import load_photo
from photos import PHOTOS

ALL_SET_METRICS = ["fd", "kid", "kid_std", "precision", "recall", "density", "coverage"]


def photo_crops(photos: dict[str, RGB], count: int, side: int, seed: int) -> list[RGB]:
    """``count`` random side x side crops, taken from each photograph in turn."""
    rng = np.random.default_rng(seed)
    pictures = list(photos.values())
    crops = []
    for index in range(count):
        pixels = pictures[index % len(pictures)]
        top = int(rng.integers(0, pixels.shape[0] - side))
        left = int(rng.integers(0, pixels.shape[1] - side))
        crops.append(pixels[top : top + side, left : left + side])
    return crops


def save_crops(folder: Path, crops: Sequence[RGB]) -> None:
    """The crops as ``folder/00.png``, ``01.png``, …"""
    for index, pixels in enumerate(crops):
        save_image(folder / f"{index:02d}.png", pixels)


def build_image_sets(root: Path) -> Path:
    """``root/reference/`` and ``root/generated/``: 48 PNG crops (64 x 64) each of the
    photographs, the generated ones with added noise."""
    photos = {name: load_photo(name) for name in PHOTOS}
    save_crops(root / "reference", photo_crops(photos, 48, side=64, seed=10))
    noise = np.random.default_rng(11).integers(-20, 21, size=(48, 64, 64, 3))
    generated = np.stack(photo_crops(photos, 48, side=64, seed=12)) + noise
    save_crops(root / "generated", list(np.clip(generated, 0, 255).astype(np.uint8)))
    return root


def json_row(stdout: str) -> dict[str, Any]:
    """The metrics of the one row of ``--format json`` (the a and b columns left out)."""
    row: dict[str, Any] = json.loads(stdout)["rows"][0]
    return {key: value for key, value in row.items() if key not in ("a", "b")}

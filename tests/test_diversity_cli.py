"""``imgsim diversity`` through the real command line, against imagehash.

On perceptual hashes the row is the one imagehash's phash gives (mean pairwise
Hamming distance, near-duplicate pairs within 4 bits); the Vendi score is the
library's on the same features.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pytest
from cli_support import RGB
from conftest import CliRunnerFn
from PIL import Image
from set_support import build_image_sets

import imgsim


@pytest.fixture(scope="module")
def image_sets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reference/`` and ``generated/``: 48 PNG crops each (set_support.build_image_sets)."""
    return build_image_sets(tmp_path_factory.mktemp("sets"))


@pytest.fixture
def set_with_copies(tmp_path: Path, photos: dict[str, RGB]) -> Path:
    """Nine different photographs (96 x 96 PNG), the first saved three times and the
    second twice: 3 + 1 pairs of exact copies."""
    folder = tmp_path / "set"
    folder.mkdir()
    for name, pixels in photos.items():
        small = Image.fromarray(pixels).resize((96, 96), Image.Resampling.LANCZOS)
        small.save(folder / f"{name}.png")
    first, second = (folder / f"{name}.png" for name in list(photos)[:2])
    for copy in ("copy1", "copy2"):
        (folder / f"{first.stem}_{copy}.png").write_bytes(first.read_bytes())
    (folder / f"{second.stem}_copy1.png").write_bytes(second.read_bytes())
    return folder


def imagehash_diversity(folder: Path) -> dict[str, Any]:
    """The diversity row of ``folder`` on imagehash's phash: near-duplicates within 4 bits."""
    hashes = [imagehash.phash(Image.open(path)) for path in sorted(folder.iterdir())]
    pairs = [(a - b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    near = sum(distance <= 4 for distance in pairs)
    bits = np.stack([h.hash.reshape(-1) for h in hashes]).astype(np.float64)
    return {
        "path": str(folder),
        "feature": "phash",
        "distance": "hamming",
        "threshold": 4.0,
        "images": len(hashes),
        "mean_distance": sum(pairs) / len(pairs),
        "vendi": imgsim.vendi(bits),
        "near_duplicates": near,
        "near_duplicate_ratio": near / len(pairs),
    }


def test_diversity_counts_exact_copies_as_near_duplicates(
    cli: CliRunnerFn, set_with_copies: Path
) -> None:
    result = cli("diversity", set_with_copies, "-f", "phash", "--format", "json")

    # The nine photographs are at least 20 bits apart: only the copies are within 4.
    assert json.loads(result.stdout)["rows"][0]["near_duplicates"] == 4


def test_diversity_on_phash_is_the_row_imagehash_gives(
    cli: CliRunnerFn, set_with_copies: Path
) -> None:
    expected = imagehash_diversity(set_with_copies)

    result = cli("diversity", set_with_copies, "-f", "phash", "--format", "json")

    assert json.loads(result.stdout)["rows"] == [expected]


def test_diversity_vendi_is_the_library_vendi_of_the_same_features(
    cli: CliRunnerFn, image_sets: Path
) -> None:
    folder = image_sets / "reference"
    expected = imgsim.vendi(imgsim.extract(sorted(folder.iterdir()), "color_hist"))

    result = cli("diversity", folder, "-f", "color_hist", "--format", "json")

    assert json.loads(result.stdout)["rows"][0]["vendi"] == expected

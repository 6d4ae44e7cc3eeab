"""Calibration of the default near-duplicate thresholds (``near_duplicate_threshold``).

For each feature and distance: how many lightly edited copies of a real photograph
fall within the threshold (they should), and how many pairs of different photographs
do (they should not). The numbers in the comment above the distances in
``imgsim/metrics/registry.py`` come from this script.

- Photographs: the 9 of ``tests/photos.py`` PHOTOS; copies: a JPEG re-encode
  at quality 75 and a half-size Lanczos resize of each (18); pairs: the 72 ordered
  pairs of different photographs.
- Tiles: 120 random 128 px tiles (seed 0) of 13 photographs; copies: each re-encoded,
  resized to 102 and 64 px, and cropped to its central 90 % (480); pairs: every pair
  of tiles of different photographs.

    python bench/near_duplicates.py                        # the defaults
    python bench/near_duplicates.py -f thumb --fraction 1/16 --fraction 1/8

With ``--fraction``, each distance is also scored at that fraction of its span, to
choose another. Not a timing benchmark: ``bench/run.py`` only collects ``bench_*.py``.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

import imgsim
from imgsim.features import FeatureParams, get_feature
from imgsim.metrics.distances import DISTANCES, near_duplicate_threshold, pairwise
from imgsim.reference import feature_matrix

# The sample photographs are the tests' list (tests/photos.py); bench/ scripts cannot
# import tests/ as a package, so its folder goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from photos import PHOTOS, TILE_PHOTOS

TILE, TILES = 128, 120
Image8 = NDArray[np.uint8]


def _photo(name: str) -> Image8:
    from skimage import data

    pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3]).astype(np.uint8)


def _jpeg(image: Image8) -> Image8:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=75)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def _resized(image: Image8, width: int, height: int) -> Image8:
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.LANCZOS))


def _half(image: Image8) -> Image8:
    return _resized(image, image.shape[1] // 2, image.shape[0] // 2)


def _crop90(image: Image8) -> Image8:
    height, width = image.shape[:2]
    return image[height // 20 : height - height // 20, width // 20 : width - width // 20]


def _tiles() -> tuple[list[Image8], NDArray[np.str_]]:
    tiles = [
        (name, pixels[y : y + TILE, x : x + TILE])
        for name in TILE_PHOTOS
        for pixels in [_photo(name)]
        for y in range(0, pixels.shape[0] - TILE + 1, TILE)
        for x in range(0, pixels.shape[1] - TILE + 1, TILE)
    ]
    chosen = np.random.default_rng(0).choice(len(tiles), TILES, replace=False)
    return [tiles[i][1] for i in chosen], np.array([tiles[i][0] for i in chosen])


class Case:
    """Originals, their edited copies, and which originals come from the same photograph."""

    def __init__(self, feature: str, originals: list[Image8], owners: NDArray[np.str_]) -> None:
        self.spec = get_feature(feature)
        self.originals = self._vectors(originals)
        self.copies: list[NDArray[np.float64]] = []
        self.different = owners[:, None] != owners[None, :]

    def _vectors(self, images: list[Image8]) -> NDArray[np.float64]:
        return feature_matrix(self.spec, imgsim.extract(images, self.spec.name))

    def add_copies(self, images: list[Image8], edit: Callable[[Image8], Image8]) -> None:
        self.copies.append(self._vectors([edit(image) for image in images]))

    def within(self, name: str, threshold: float) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Copies within the threshold, and pairs of different photographs within it."""
        higher = DISTANCES[name].higher_is_closer

        def near(values: NDArray[np.float64]) -> NDArray[np.bool_]:
            return values >= threshold if higher else values <= threshold

        originals: NDArray[np.generic] = self.originals
        copies: list[NDArray[np.generic]] = list(self.copies)
        if DISTANCES[name].needs_bits:  # hamming counts the bits of packed bytes
            originals = np.packbits(originals.astype(np.uint8), axis=1)
            copies = [np.packbits(c.astype(np.uint8), axis=1) for c in copies]
        copied = [np.diag(pairwise(name, originals, c)) for c in copies]
        pairs = pairwise(name, originals, originals)[self.different]
        return near(np.concatenate(copied)), near(pairs)


def _threshold_at(name: str, feature: str, fraction: Fraction) -> float | None:
    """The threshold at another fraction of the distance's span."""
    spec, params = get_feature(feature), FeatureParams()
    span = DISTANCES[name].span.on(spec.kind, spec.dim(params))
    if span is None:
        return None
    return span * (1 - float(fraction)) if DISTANCES[name].higher_is_closer else span * fraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--feature", action="append", help="default: color_hist, thumb")
    parser.add_argument("--fraction", action="append", type=Fraction, default=[])
    args = parser.parse_args()
    photos = [_photo(name) for name in PHOTOS]
    tiles, owners = _tiles()
    for feature in args.feature or ["color_hist", "thumb"]:
        photo_case = Case(feature, photos, np.array(PHOTOS))
        photo_case.add_copies(photos, _jpeg)
        photo_case.add_copies(photos, _half)
        tile_case = Case(feature, tiles, owners)
        for edit in (_jpeg, lambda t: _resized(t, 102, 102), lambda t: _resized(t, 64, 64)):
            tile_case.add_copies(tiles, edit)
        tile_case.add_copies(tiles, _crop90)
        spec = get_feature(feature)
        print(f"\n{feature}: photographs copies within/18, pairs within/72 | tiles (shares)")
        for name, metric in DISTANCES.items():
            if metric.needs_bits and spec.kind != "hash":
                continue
            default = near_duplicate_threshold(name, spec, FeatureParams())
            candidates = [("default", default)] + [
                (str(f), _threshold_at(name, feature, f)) for f in args.fraction
            ]
            cells = []
            for label, threshold in candidates:
                if threshold is None:
                    cells.append(f"{label}: no threshold")
                    continue
                copies, pairs = photo_case.within(name, threshold)
                tile_copies, tile_pairs = tile_case.within(name, threshold)
                cells.append(
                    f"{label} {threshold:.4g}: {copies.sum()}/18, {pairs.sum()} | "
                    f"{tile_copies.mean():.2f}, {tile_pairs.mean():.3f}"
                )
            print(f"  {name:13s} " + "   ".join(cells))


if __name__ == "__main__":
    main()

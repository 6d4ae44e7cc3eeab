"""The scales of ``hand``'s blocks (``imgsim/features/hand.py``), from fixed photographs.

Each block's scale is the median Euclidean distance between its values on two crops
of different photographs. The calibration set:

- the 13 ``skimage.data`` photographs of tests/photos.py TILE_PHOTOS (freely licensed;
  their licences are in scikit-image's data documentation), gray ones as RGB;
- 30 square crops of each (seed 0: a side of 40-100 % of the shorter side, then a
  place, drawn uniformly), 390 in all;
- every block's feature of each crop's working image (the default size, no crop), as
  ``hand`` computes it;
- for each block, the median over all pairs of crops of different photographs.

    python scripts/calibrate_hand.py           # print the scales
    python scripts/calibrate_hand.py --check   # exit 1 unless hand.py ships them

The computation has no matrix products (no BLAS): the same numbers come out anywhere,
to the last digit printed. Needs the test extras (scikit-image) for the photographs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from imgsim.decoding import working_image
from imgsim.features import FeatureParams
from imgsim.features.hand import BLOCKS

PHOTOGRAPHS = (
    "astronaut", "chelsea", "coffee", "rocket", "retina", "hubble_deep_field",
    "immunohistochemistry", "camera", "coins", "grass", "gravel", "brick", "cell",
)  # fmt: skip
CROPS = 30
SEED = 0
DIGITS = 6
"""Significant digits of the shipped scales."""


def _photograph(name: str) -> NDArray[np.uint8]:
    from skimage import data

    pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3]).astype(np.uint8)


def crops() -> tuple[list[NDArray[np.uint8]], NDArray[np.int64]]:
    """The calibration crops and the photograph each comes from."""
    rng = np.random.default_rng(SEED)
    images: list[NDArray[np.uint8]] = []
    sources: list[int] = []
    for index, name in enumerate(PHOTOGRAPHS):
        photo = _photograph(name)
        short = min(photo.shape[:2])
        for _ in range(CROPS):
            side = int(rng.integers(int(0.4 * short), short + 1))
            top = int(rng.integers(photo.shape[0] - side + 1))
            left = int(rng.integers(photo.shape[1] - side + 1))
            images.append(photo[top : top + side, left : left + side])
            sources.append(index)
    return images, np.array(sources)


def scales() -> dict[str, float]:
    """Each block's median distance between crops of different photographs."""
    images, sources = crops()
    first, second = np.triu_indices(len(images), k=1)
    different = sources[first] != sources[second]
    first, second = first[different], second[different]
    params = FeatureParams()
    working = [working_image(image, params) for image in images]
    found: dict[str, float] = {}
    for block in BLOCKS:
        values = np.stack([block.feature.extract(image, params) for image in working])
        values = values.astype(np.float64)
        distances = np.sqrt(np.square(values[first] - values[second]).sum(axis=1))
        found[block.feature.name] = float(f"{np.median(distances):.{DIGITS}g}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with hand.py's scales")
    args = parser.parse_args(argv)
    found = scales()
    for name, scale in found.items():
        print(f"{name}: {scale!r}")
    if args.check:
        shipped = {block.feature.name: block.scale for block in BLOCKS}
        if shipped != found:
            print(f"hand.py ships {shipped}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``hand``: the default feature, a weighted concatenation of engineered features.

Each block is one registered feature computed from the one working image, divided by
a fixed scale and multiplied by a weight:

    hand = [w₁ · f₁ / s₁, w₂ · f₂ / s₂, …]

The scale ``s`` of a block is the median Euclidean distance between the block's
values on two different photographs of a calibration set of freely licensed
photographs (``scripts/calibrate_hand.py``; the constants below are its output), so
that with weight 1 every block moves a typical pair of different photographs by 1.
The scales ship with the package and never depend on the images being scored: a
vector depends on its own image alone. The weights and the blocks were chosen by
measurement (``bench/choose_default.py``; the README shows the tables): a layout
block (``thumb``) for retrieval, gradients (``hog``) and Gabor texture (``gabor``)
so that fd and kid see blur and swirl, colour moments for the palette.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from imgsim.features import color, gabor, pixels, shape
from imgsim.features.spec import FeatureParams, FeatureSpec


@dataclass(frozen=True)
class Block:
    """One feature inside ``hand``: its weight and its fixed scale."""

    feature: FeatureSpec
    weight: float
    scale: float
    """Median Euclidean distance of the feature between different calibration photographs."""


def _spec(specs: tuple[FeatureSpec, ...], name: str) -> FeatureSpec:
    return next(spec for spec in specs if spec.name == name)


BLOCKS: tuple[Block, ...] = (
    Block(_spec(pixels.SPECS, "thumb"), 1.0, 8.74418),
    Block(_spec(shape.SPECS, "hog"), 1.0, 5.32482),
    Block(_spec(color.SPECS, "color_moments"), 0.5, 0.70295),
    Block(_spec(gabor.SPECS, "gabor"), 0.5, 0.0443454),
)
"""The blocks in vector order. Scales: ``scripts/calibrate_hand.py``."""


def hand_vector(
    image: NDArray[np.uint8], params: FeatureParams, reduced: bool
) -> NDArray[np.float32]:
    """The blocks of one working image, each scaled and weighted, concatenated (float32)."""
    parts = [
        block.feature.extract(image, params, reduced=reduced).astype(np.float64)
        * (block.weight / block.scale)
        for block in BLOCKS
    ]
    return np.concatenate(parts).astype(np.float32)


def _dim(params: FeatureParams) -> int:
    return sum(block.feature.dim(params) for block in BLOCKS)


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="hand",
        kind="vector",
        version=1,
        default_distance="euclidean",
        summary="Weighted concatenation of thumb, hog, color_moments and gabor on the working "
        "image, each block scaled by a fixed constant: layout, gradients, texture and colour.",
        use_when="the default: set metrics (fd, kid, prdc), rank, duplicates and diversity",
        uses=("size", "crop"),
        dim=_dim,
        work_side=lambda p: None,
        needs_color=True,
        compute=hand_vector,
        signed=True,
        working=True,
    ),
)

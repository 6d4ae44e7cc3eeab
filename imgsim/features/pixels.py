"""Raw-pixel features: the baseline that any learned or engineered feature must beat."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from imgsim.features.spec import FeatureSpec
from imgsim.images import luma

THUMB_SIDE = 32
WORK_SIDE = 4 * THUMB_SIDE
"""Pixels per side the thumbnail is reduced from, at least (JPEGs may be DCT-scaled)."""


def gray_thumbnail(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    """32x32 luma thumbnail (ITU-R BT.601 weights, area averaging), values in [0, 1].

    ``image`` is RGB, or its luma as :func:`imgsim.images.luma` computes it.
    """
    import cv2

    # Averaged in float64: float32 area weights leave a white image at 1 ± 4e-7, outside [0, 1].
    gray = luma(image).astype(np.float64)
    small = cv2.resize(gray, (THUMB_SIDE, THUMB_SIDE), interpolation=cv2.INTER_AREA)
    # Enlarging tiny images interpolates; rounding can still step past 1 by an ulp.
    return np.asarray(np.clip(small.reshape(-1) / 255.0, 0.0, 1.0), dtype=np.float32)


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="thumb",
        kind="vector",
        version=2,
        default_distance="cosine",
        summary="32x32 gray thumbnail (area-averaged) scaled to [0, 1]: raw layout.",
        use_when="the 'pixels' baseline that any other feature must beat",
        uses=(),
        dim=lambda p: THUMB_SIDE * THUMB_SIDE,
        work_side=lambda p: WORK_SIDE,
        needs_color=False,
        compute=lambda image, p, reduced: gray_thumbnail(image),
    ),
)

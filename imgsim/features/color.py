"""Colour features."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from imgsim.features.spec import FeatureSpec

WORK_SIDE = 128
"""Pixels per side the colour histogram is computed from, at least (JPEGs may be DCT-scaled)."""


def hsv_histogram(image: NDArray[np.uint8], bins: int) -> NDArray[np.float32]:
    """Joint HSV histogram with ``bins`` bins per channel, L1-normalised.

    OpenCV's 8-bit HSV: hue in [0, 180), saturation and value in [0, 256); bins of
    equal width on each axis. The result has ``bins**3`` values (hue slowest,
    value fastest) that sum to 1.
    """
    import cv2

    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    histogram = cv2.calcHist([hsv], [0, 1, 2], None, [bins] * 3, [0, 180, 0, 256, 0, 256])
    flat = np.asarray(histogram, dtype=np.float32).reshape(-1)
    return flat / np.float32(flat.sum())


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="color_hist",
        kind="histogram",
        version=1,
        default_distance="chi2",
        summary="Joint HSV colour histogram, L1-normalised: palette and colour balance, "
        "blind to layout.",
        use_when="colour: palette and balance, whatever the layout",
        uses=("bins",),
        dim=lambda p: p.bins**3,
        work_side=lambda p: WORK_SIDE,
        needs_color=True,
        compute=lambda image, p, reduced: hsv_histogram(image, p.bins),
    ),
)

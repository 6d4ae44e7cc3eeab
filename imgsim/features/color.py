"""Colour features: joint colour histograms and colour moments.

``color_hist`` counts the joint distribution of the three channels of a colour space
(OpenCV's 8-bit HSV by default, or RGB, or CIE L*a*b*); ``color_moments`` summarises each
HSV channel by its first three moments (Stricker & Orengo 1995), a 9-value description
of the palette that is far cheaper to compare than a histogram.

References
----------
M. J. Swain and D. H. Ballard, "Color indexing", IJCV 7(1), 1991.
M. Stricker and M. Orengo, "Similarity of color images", Proc. SPIE 2420, Storage and
Retrieval for Image and Video Databases III, 1995.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from imgsim.features.spec import ColourSpace, FeatureSpec

WORK_SIDE = 128
"""Pixels per side the colour histogram is computed from, at least (JPEGs may be DCT-scaled)."""

HUE_RANGE = 180
"""OpenCV's 8-bit hue is degrees / 2, in [0, 180)."""
CHANNEL_RANGES: dict[ColourSpace, tuple[int, int, int]] = {
    "hsv": (HUE_RANGE, 256, 256),
    "rgb": (256, 256, 256),
    "lab": (256, 256, 256),
}
"""Upper ends of each channel's 8-bit range (the lower ends are 0): the histogram's
bins divide these ranges into equal widths."""
MOMENTS_DIM = 9
HSV_SCALE = np.array([HUE_RANGE, 255, 255], dtype=np.float64)
"""``color_moments`` divides hue by 180 and saturation and value by 255, so that the
three channels are fractions of their ranges and weigh alike under a distance."""


def space_pixels(image: NDArray[np.uint8], space: ColourSpace) -> NDArray[np.uint8]:
    """The 8-bit channels of an RGB image in ``space``, as OpenCV converts them.

    ``hsv``: hue in [0, 180) (degrees / 2), saturation and value in [0, 255]; ``rgb``: the
    pixels as they are; ``lab``: ``cv2.COLOR_RGB2LAB`` on 8-bit input (sRGB, D65), which
    gives L* x 255 / 100 and a*, b* + 128, each in [0, 255].
    """
    import cv2

    if space == "rgb":
        return image
    code = cv2.COLOR_RGB2HSV if space == "hsv" else cv2.COLOR_RGB2LAB
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(image), code))


def color_histogram(
    image: NDArray[np.uint8], bins: int, space: ColourSpace = "hsv"
) -> NDArray[np.float32]:
    """Joint histogram of the three channels of ``space`` with ``bins`` bins each,
    L1-normalised.

    Bins of equal width over each channel's 8-bit range (:data:`CHANNEL_RANGES`, the
    channels of :func:`space_pixels`). The result has ``bins**3`` values, first channel
    slowest, last fastest (H, S, V; R, G, B; L, a, b), that sum to 1.
    """
    import cv2

    ranges = [bound for top in CHANNEL_RANGES[space] for bound in (0, top)]
    pixels = space_pixels(image, space)
    histogram = cv2.calcHist([pixels], [0, 1, 2], None, [bins] * 3, ranges)
    flat = np.asarray(histogram, dtype=np.float32).reshape(-1)
    return flat / np.float32(flat.sum())


def color_moments(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Mean, standard deviation and cube root of the third central moment of each HSV
    channel (Stricker & Orengo 1995): 9 values, H's three first, then S's, then V's.

    Channels are OpenCV's 8-bit HSV scaled to [0, 1] (:data:`HSV_SCALE`). The standard
    deviation is the population one, ``sqrt(mean((x - mean)**2))``, and the third value
    ``cbrt(mean((x - mean)**3))`` keeps the sign of the skew, as in the paper.

    Hue is treated as a linear quantity, as the paper does: a red that straddles 0°
    (hues near 0 and near 1) has a mean near 0.5 and a large spread, where circular
    statistics would give a mean near 0 and a small one. Linear moments stay comparable
    with the paper's and with ``scipy.stats.moment``; the wrap only matters for images
    dominated by red.
    """
    # An 8-bit channel takes at most 256 values: its moments are those of its histogram,
    # 256 terms weighted by integer counts instead of a sum over every pixel.
    hsv = space_pixels(image, "hsv").reshape(-1, 3)
    levels = np.arange(256, dtype=np.float64)[None, :] / HSV_SCALE[:, None]
    counts = np.stack([np.bincount(hsv[:, c], minlength=256) for c in range(3)])
    weights = counts.astype(np.float64) / hsv.shape[0]
    mean = np.sum(weights * levels, axis=1)
    centred = levels - mean[:, None]
    squared = centred * centred
    std = np.sqrt(np.sum(weights * squared, axis=1))
    skew = np.cbrt(np.sum(weights * squared * centred, axis=1))
    return np.stack([mean, std, skew], axis=1).reshape(-1).astype(np.float32)


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="color_hist",
        kind="histogram",
        version=1,
        default_distance="chi2",
        summary="Joint colour histogram (HSV, or RGB or Lab with space), L1-normalised: "
        "palette and colour balance, blind to layout.",
        use_when="colour: palette and balance, whatever the layout",
        uses=("bins", "space"),
        dim=lambda p: p.bins**3,
        work_side=lambda p: WORK_SIDE,
        needs_color=True,
        compute=lambda image, p, reduced: color_histogram(image, p.bins, p.space),
    ),
    FeatureSpec(
        name="color_moments",
        kind="vector",
        version=1,
        default_distance="euclidean",
        summary="Mean, standard deviation and cube root of the third central moment of each "
        "HSV channel of the working image (Stricker & Orengo 1995): the palette in 9 values.",
        use_when="colour at a glance: overall hue, saturation and brightness and their spread",
        uses=("size", "crop"),
        dim=lambda p: MOMENTS_DIM,
        work_side=lambda p: None,
        needs_color=True,
        compute=lambda image, p, reduced: color_moments(image),
        signed=True,
        working=True,
    ),
)

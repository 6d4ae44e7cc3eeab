"""The registry of metrics that score one image against another.

A metric name on the command line is one of:

- a full-reference pixel metric: ``ssim``, ``ms_ssim``, ``psnr``, ``mse``, ``rmse``, ``mae``;
- ``FEATURE:DISTANCE`` (``color_hist:chi2``), or ``FEATURE`` alone for the
  feature's default distance (``phash`` is ``phash:hamming``);
- ``sift``: the keypoint-match score of the pair.

:func:`parse_pair_metric` turns such a name into a :class:`PairMetric`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError

PixelFunction = Callable[[NDArray[np.uint8], NDArray[np.uint8]], float]
MetricKind = Literal["pixels", "feature", "keypoints"]


@dataclass(frozen=True)
class PixelMetric:
    """A full-reference metric on two equal-size ``uint8`` images."""

    name: str
    higher_is_better: bool
    range: str
    summary: str


PIXEL_METRICS: dict[str, PixelMetric] = {
    m.name: m
    for m in (
        PixelMetric("ssim", True, "[-1, 1]", "Structural similarity (Wang et al. 2004), σ=1.5."),
        PixelMetric("ms_ssim", True, "[0, 1]", "Multi-scale SSIM (Wang et al. 2003), 5 scales."),
        PixelMetric("psnr", True, "[0, inf] dB", "Peak signal-to-noise ratio; inf if identical."),
        PixelMetric("mse", False, "[0, 65025]", "Mean squared error."),
        PixelMetric("rmse", False, "[0, 255]", "Root mean squared error."),
        PixelMetric("mae", False, "[0, 255]", "Mean absolute error."),
    )
}

SIFT_SUMMARY = (
    "SIFT keypoints matched (Lowe ratio 0.75) and verified by a RANSAC homography: "
    "inliers / min(keypoints); robust to crops, rotation and scale."
)

DEFAULT_COMPARE_METRICS = ("ssim", "psnr", "phash", "color_hist")


def pixel_function(name: str) -> PixelFunction:
    """The implementation of a pixel metric (imports OpenCV on first use)."""
    from imgsim.metrics import fullref

    function: PixelFunction = getattr(fullref, name)
    return function


@dataclass(frozen=True)
class PairMetric:
    """A metric as the user named it, resolved."""

    column: str
    """The name exactly as typed: the output column."""
    kind: MetricKind
    name: str
    """Pixel metric name, feature name, or ``sift``."""
    distance: str | None = None
    higher_is_better: bool = True


def parse_pair_metric(text: str) -> PairMetric:
    """Resolve a metric name; an unknown one lists the valid names."""
    from imgsim.features import FEATURES, get_feature

    name, _, distance_name = text.partition(":")
    if name in PIXEL_METRICS and not distance_name:
        metric = PIXEL_METRICS[name]
        return PairMetric(text, "pixels", name, higher_is_better=metric.higher_is_better)
    if name == "sift" and not distance_name:
        return PairMetric(text, "keypoints", "sift", higher_is_better=True)
    if name in FEATURES:
        from imgsim.metrics.distances import get_distance

        spec = get_feature(name)
        distance = get_distance(distance_name or spec.default_distance)
        if distance.needs_bits and spec.kind != "hash":
            raise UsageError(f"metric {text!r}: {distance.name} needs a hash feature")
        return PairMetric(text, "feature", name, distance.name, distance.higher_is_closer)
    valid = [*PIXEL_METRICS, "sift", *(f"{f}[:DISTANCE]" for f in FEATURES)]
    raise UsageError(f"unknown metric {text!r}; valid metrics: {', '.join(valid)}")


def parse_pair_metrics(texts: Iterable[str]) -> list[PairMetric]:
    """Resolve several metric names, keeping the order and dropping repeats."""
    metrics: list[PairMetric] = []
    for text in texts:
        metric = parse_pair_metric(text)
        if metric.column not in (m.column for m in metrics):
            metrics.append(metric)
    return metrics

"""The metrics that score one image against another, as the command line names them.

A metric name on the command line is one of:

- a full-reference pixel metric: ``ssim``, ``psnr``, ``gmsd``, ``fsim``, ... (the
  ``pixels`` entries of :mod:`imgsim.metrics.pixel_entries`);
- ``FEATURE:DISTANCE`` (``color_hist:chi2``), or ``FEATURE`` alone for the
  feature's default distance (``phash`` is ``phash:hamming``);
- ``sift``: the keypoint-match score of the pair;
- a no-reference metric (``sharpness``, ``brightness``, ...): its values for each image of
  the pair, as ``a:NAME`` and ``b:NAME`` columns.

:func:`parse_pair_metric` turns such a name into a :class:`PairMetric`; the records are
entries of :mod:`imgsim.metrics.registry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from imgsim.errors import UsageError
from imgsim.metrics.records import Metric
from imgsim.metrics.registry import (
    DEFAULT_COMPARE_METRICS,
    KEYPOINT_METRICS,
    NO_REFERENCE_METRICS,
    PIXEL_METRICS,
    REGISTRY,
)

MetricKind = Literal["pixels", "feature", "keypoints", "no-reference"]

PixelMetric = Metric
"""The record of a full-reference pixel metric (see :mod:`imgsim.metrics.registry`)."""

SIFT_SUMMARY = REGISTRY["sift"].summary


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

    @property
    def columns(self) -> tuple[str, ...]:
        """The output columns: the name as typed; ``a:NAME`` and ``b:NAME`` for each value
        of a no-reference metric (``brightness``, ``brightness_p5``, …)."""
        if self.kind != "no-reference":
            return (self.column,)
        outputs = NO_REFERENCE_METRICS[self.name].outputs
        return tuple(f"{side}:{output}" for output in outputs for side in ("a", "b"))


def parse_pair_metric(text: str) -> PairMetric:
    """Resolve a metric name; an unknown one lists the valid names."""
    from imgsim.features import FEATURES, MODEL_FEATURE, get_feature, is_model_feature

    name, distance_name = _feature_and_distance(text)
    if name in PIXEL_METRICS and not distance_name:
        metric = PIXEL_METRICS[name]
        return PairMetric(text, "pixels", name, higher_is_better=metric.higher_is_better)
    if name in NO_REFERENCE_METRICS and not distance_name:
        metric = NO_REFERENCE_METRICS[name]
        return PairMetric(text, "no-reference", name, higher_is_better=metric.higher_is_better)
    if name in KEYPOINT_METRICS and not distance_name:
        metric = KEYPOINT_METRICS[name]
        return PairMetric(text, "keypoints", name, higher_is_better=metric.higher_is_better)
    if name in FEATURES or is_model_feature(name):
        from imgsim.metrics.registry import get_distance

        spec = get_feature(name)
        distance = get_distance(distance_name or spec.default_distance)
        if distance.needs_bits and spec.kind != "hash":
            raise UsageError(f"metric {text!r}: {distance.name} needs a hash feature")
        if distance.feature is not None and spec.name != distance.feature:
            raise UsageError(f"metric {text!r}: {distance.name} works on {distance.feature} only")
        refusal = distance.signed_refusal(spec)
        if refusal:
            raise UsageError(f"metric {text!r}: {refusal}")
        return PairMetric(text, "feature", name, distance.name, distance.higher_is_closer)
    valid = [
        *PIXEL_METRICS, *NO_REFERENCE_METRICS, *KEYPOINT_METRICS,
        *(f"{f}[:DISTANCE]" for f in (*FEATURES, MODEL_FEATURE)),
    ]  # fmt: skip
    raise UsageError(f"unknown metric {text!r}; valid metrics: {', '.join(valid)}")


def _feature_and_distance(text: str) -> tuple[str, str]:
    """``NAME[:DISTANCE]`` split; a model feature's name has colons of its own
    (``onnx:clip.onnx:cosine``), so only a known distance after its last one splits."""
    from imgsim.features import is_model_feature
    from imgsim.metrics.registry import DISTANCES

    if is_model_feature(text):
        head, _, tail = text.rpartition(":")
        return (head, tail) if tail in DISTANCES and head != "onnx" else (text, "")
    name, _, distance_name = text.partition(":")
    return name, distance_name


def parse_pair_metrics(texts: Iterable[str]) -> list[PairMetric]:
    """Resolve several metric names, keeping the order and dropping repeats."""
    metrics: list[PairMetric] = []
    for text in texts:
        metric = parse_pair_metric(text)
        if metric.column not in (m.column for m in metrics):
            metrics.append(metric)
    return metrics


__all__ = [
    "DEFAULT_COMPARE_METRICS",
    "PIXEL_METRICS",
    "SIFT_SUMMARY",
    "PairMetric",
    "PixelMetric",
    "parse_pair_metric",
    "parse_pair_metrics",
]

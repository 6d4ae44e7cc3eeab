"""Score one pair of decoded images: the pixel and keypoint metrics, the feature
distances, and the no-reference metrics of each image.

:func:`score_images` is the in-memory form (``imgsim.compare`` on arrays);
:mod:`imgsim.pairs` scores pairs of files with :func:`pixel_scores` and
:func:`feature_values`, taking the features from the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError, Wording
from imgsim.features import FeatureParams, get_feature
from imgsim.images import resize_antialiased
from imgsim.metrics import PIXEL_METRICS, PairMetric
from imgsim.metrics.noref_specs import measurement_values, stored_outputs
from imgsim.metrics.registry import NO_REFERENCE_METRICS, option_readers

Value = float | int | None


class SizeMismatch(Exception):
    """Pixel metrics were asked of images of different sizes."""

    advice = Wording(
        "pixel metrics need equal sizes (use {} to resize B to A's size)", Argument("resize", True)
    )

    def __init__(self, size_a: str, size_b: str) -> None:
        super().__init__(f"sizes differ: {size_a} and {size_b}")
        self.size_a = size_a
        self.size_b = size_b


class ImagesTooSmall(ValueError):
    """A pixel metric's window does not fit in the images (ssim: 11 px a side)."""


PixelProblem = SizeMismatch | ImagesTooSmall
"""Why a pixel metric of a readable pair cannot be computed."""


def score_images(
    image_a: NDArray[np.uint8],
    image_b: NDArray[np.uint8],
    metrics: Sequence[PairMetric],
    params: FeatureParams,
    resize: bool,
    crop_border: int = 0,
) -> tuple[dict[str, Value], list[str]]:
    """Every metric of one pair of decoded images, and notes about values that are 0 by default.

    Feature metrics are computed from these pixels (the in-memory API); files are
    scored by :func:`score_pair`, whose features are those ``extract`` computes.
    A pixel metric that cannot be computed raises :class:`SizeMismatch` or
    :class:`ImagesTooSmall`. The caller checks ``crop_border`` against the metrics first
    (:func:`check_crop_border`), as ``imgsim.compare`` does before it decodes anything.
    """
    if image_a.shape != image_b.shape and not resize and any(m.kind == "pixels" for m in metrics):
        raise SizeMismatch(_size_text(image_a), _size_text(image_b))
    values, notes, missing = pixel_scores(image_a, image_b, metrics, resize, crop_border)
    if missing:
        raise next(iter(missing.values()))
    for metric in metrics:
        if metric.kind == "no-reference":
            entry = NO_REFERENCE_METRICS[metric.name]
            measured_a, measured_b = (
                np.asarray(measurement_values(entry, image), dtype=np.float32)
                for image in (image_a, image_b)
            )
            values.update(_one_image_values(metric, measured_a, measured_b))
    names = {m.name for m in metrics if m.kind == "feature"}
    if names:
        from imgsim.decoding import features_of_pixels

        specs = [get_feature(name) for name in names]
        computed_a = features_of_pixels(image_a, specs, params or FeatureParams())
        computed_b = features_of_pixels(image_b, specs, params or FeatureParams())
        values.update(feature_values(computed_a, computed_b, metrics))
    return values, notes


def pixel_scores(
    image_a: NDArray[np.uint8],
    image_b: NDArray[np.uint8],
    metrics: Sequence[PairMetric],
    resize: bool,
    crop_border: int = 0,
) -> tuple[dict[str, Value], list[str], dict[str, PixelProblem]]:
    """The pixel and keypoint metrics of one pair, notes about values that are 0 by
    default, and the pixel metrics that cannot be computed, each with its reason (a
    metric that uses fewer scales warns :class:`FewerScales`)."""
    values: dict[str, Value] = {}
    notes: list[str] = []
    missing: dict[str, PixelProblem] = {}
    pixel_b = image_b
    mismatch: SizeMismatch | None = None
    if image_a.shape != image_b.shape and any(m.kind == "pixels" for m in metrics):
        if resize:
            pixel_b = resize_antialiased(image_b, (image_a.shape[1], image_a.shape[0]))
        else:
            mismatch = SizeMismatch(_size_text(image_a), _size_text(image_b))
    for metric in metrics:
        if metric.kind == "pixels":
            if mismatch is not None:
                missing[metric.column] = mismatch
                continue
            try:
                values[metric.column] = _pixel_value(metric, image_a, pixel_b, crop_border)
            except ValueError as error:  # decoded images are valid: only their size can be wrong
                missing[metric.column] = ImagesTooSmall(str(error))
        elif metric.kind == "keypoints":
            from imgsim.features.keypoints import sift_match

            match = sift_match(image_a, image_b)
            values[metric.column] = match.score
            if match.note:
                notes.append(f"{metric.column} = 0: {match.note}")
    return values, notes, missing


def _pixel_value(
    metric: PairMetric, image_a: NDArray[np.uint8], image_b: NDArray[np.uint8], crop_border: int
) -> float:
    entry = PIXEL_METRICS[metric.name]
    keywords = {"crop_border": crop_border} if "crop_border" in entry.options else {}
    return float(entry.function(image_a, image_b, **keywords))


def check_crop_border(crop_border: int, metrics: Sequence[PairMetric]) -> None:
    """Refuse a ``crop_border`` that is negative, or given without a metric that reads it."""
    if crop_border < 0:
        raise ArgumentError(
            f"{{}} must be 0 or more, got {crop_border}", Argument("crop_border", crop_border)
        )
    readers = option_readers("crop_border")
    if crop_border and not any(m.kind == "pixels" and m.name in readers for m in metrics):
        raise ArgumentError(
            f"{{}} applies to {', '.join(readers)} only; add one of them to the metrics",
            Argument("crop_border", crop_border),
        )


def feature_values(
    features_a: Mapping[str, NDArray[np.generic]],
    features_b: Mapping[str, NDArray[np.generic]],
    metrics: Sequence[PairMetric],
) -> dict[str, Value]:
    """The feature-distance metrics of one pair, from the two images' features, and the
    values of the no-reference metrics of each (``a:NAME``, ``b:NAME``)."""
    from imgsim.metrics.distances import pairwise

    values: dict[str, Value] = {}
    for metric in metrics:
        if metric.kind == "no-reference":
            values.update(
                _one_image_values(metric, features_a[metric.name], features_b[metric.name])
            )
        if metric.kind != "feature":
            continue
        spec = get_feature(metric.name)
        u, v = features_a[metric.name], features_b[metric.name]
        if spec.kind == "hash" and metric.distance != "hamming":
            u, v = spec.vectors(u[None, :])[0], spec.vectors(v[None, :])[0]
        score = float(pairwise(str(metric.distance), u, v)[0, 0])
        values[metric.column] = int(score) if metric.distance == "hamming" else score
    return values


def _one_image_values(
    metric: PairMetric, values_a: NDArray[np.generic], values_b: NDArray[np.generic]
) -> dict[str, Value]:
    """A no-reference metric's float32 values of both images, by ``a:NAME``/``b:NAME``
    column (in the order of :attr:`PairMetric.columns`)."""
    entry = NO_REFERENCE_METRICS[metric.name]
    a, b = stored_outputs(entry, values_a), stored_outputs(entry, values_b)
    return {
        f"{side}:{name}": values[name]
        for name in entry.outputs
        for side, values in (("a", a), ("b", b))
    }


def _size_text(image: NDArray[np.uint8]) -> str:
    return f"{image.shape[1]}x{image.shape[0]}"

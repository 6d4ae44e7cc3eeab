"""The no-reference metrics as the engine computes them: one feature-like spec each, so
that ``imgsim quality`` and ``compare``'s ``a:``/``b:`` columns read files through the
same decode, store, workers and memory bounds as every feature.

A spec's values are the metric's outputs (:attr:`~imgsim.metrics.records.Metric.outputs`)
as float32, computed from the full-resolution RGB decode. They are not features: no
command but these reads them, and ``imgsim extract -f`` does not take their names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UnfitImage
from imgsim.features import FeatureParams, FeatureSpec
from imgsim.metrics.noref_entries import READ_COLOUR
from imgsim.metrics.pair_inputs import checked_image, gray8
from imgsim.metrics.records import Metric
from imgsim.metrics.registry import NO_REFERENCE_METRICS

MEASUREMENT_VERSION = 1
"""Part of every stored value's key: bumped when a no-reference metric's values change."""


def measurement_values(metric: Metric, image: NDArray[np.uint8]) -> tuple[float, ...]:
    """The outputs of ``metric`` on one image, in the order of its :attr:`Metric.outputs`."""
    value = metric.function(image)
    return tuple(float(v) for v in value) if isinstance(value, tuple) else (float(value),)


def stored_outputs(metric: Metric, stored: NDArray[np.generic]) -> dict[str, float]:
    """A metric's stored float32 values by output name, each written with the shortest
    decimal that gives it back."""
    return {
        output: float(str(np.float32(stored[index]))) for index, output in enumerate(metric.outputs)
    }


FromLevels = Callable[[NDArray[np.int64]], tuple[float, ...] | float]


@functools.cache
def from_levels() -> dict[str, FromLevels]:
    """The metrics that read the gray image's 256-level histogram alone: the engine counts
    the levels of each image once for all of them. (Imported on first use, as OpenCV
    with them: importing a command's job leaves OpenCV unimported, so that its workers
    can be forked.)"""
    from imgsim.metrics.noref_levels import (
        brightness_of_levels,
        contrast_of_levels,
        entropy_of_levels,
    )

    return {
        "brightness": brightness_of_levels,
        "contrast": contrast_of_levels,
        "entropy": entropy_of_levels,
    }


class _LastGray:
    """MATLAB ``rgb2gray`` of the last image the engine measured, and its histogram, so
    that the metrics of one image share one conversion and one count (each computes
    them from an RGB image otherwise). The engine's decoded images are not changed once
    decoded; the image itself is kept, and compared by identity, so that an id cannot
    be reused."""

    image: NDArray[np.uint8] | None = None
    gray: NDArray[np.uint8] | None = None
    counts: NDArray[np.int64] | None = None

    @classmethod
    def of(cls, image: NDArray[np.uint8]) -> NDArray[np.uint8]:
        if cls.image is not image or cls.gray is None:
            cls.image, cls.gray = image, gray8(checked_image(image, "image"))
            cls.counts = None
        return cls.gray

    @classmethod
    def levels_of(cls, image: NDArray[np.uint8]) -> NDArray[np.int64]:
        gray = cls.of(image)
        if cls.counts is None:
            from imgsim.metrics.noref_levels import gray_histogram

            cls.counts = gray_histogram(gray)
        return cls.counts


def _spec(metric: Metric) -> FeatureSpec:
    reads_colour = metric.name in READ_COLOUR

    def compute(
        image: NDArray[np.uint8], params: FeatureParams, reduced: bool
    ) -> NDArray[np.float32]:
        levels = from_levels().get(metric.name)
        if levels is not None:
            value = levels(_LastGray.levels_of(image))
            values = value if isinstance(value, tuple) else (value,)
            return np.asarray(values, dtype=np.float32)
        source = image if reads_colour else _LastGray.of(image)
        try:
            values = measurement_values(metric, source)
        except ValueError as error:  # a decoded image is valid: only its size can be wrong
            raise UnfitImage(str(error)) from None
        return np.asarray(values, dtype=np.float32)

    return FeatureSpec(
        name=metric.name,
        kind="vector",
        version=MEASUREMENT_VERSION,
        default_distance="euclidean",
        summary=metric.summary,
        use_when=metric.use_when,
        uses=(),
        dim=lambda params: len(metric.outputs),
        work_side=lambda params: None,
        needs_color=True,
        compute=compute,
    )


@functools.cache
def measurement_specs() -> dict[str, FeatureSpec]:
    """Every no-reference metric's spec, by name."""
    return {name: _spec(metric) for name, metric in NO_REFERENCE_METRICS.items()}

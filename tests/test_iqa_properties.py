"""Properties every full-reference pixel metric of the registry must have (Hypothesis).

For each entry of ``PIXEL_METRICS``: identical images score the best value; every value
lies within the declared range; the metric is symmetric exactly when the registry says
so; and on real photographs more noise scores worse. The images are smooth random
fields with texture, gray or RGB, large enough for every metric (iw_ssim's five scales).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from distortions import noise
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from imgsim.metrics.records import Metric
from imgsim.metrics.registry import PIXEL_METRICS

Image = NDArray[np.uint8]
METRICS = list(PIXEL_METRICS)
SYMMETRIC = [name for name in METRICS if PIXEL_METRICS[name].symmetric]
ASYMMETRIC = [name for name in METRICS if not PIXEL_METRICS[name].symmetric]
IDENTICAL = {"vifp": 1.0}
"""Metrics whose value for identical images is not a bound of their range: vifp is 1
(all the information kept) and exceeds 1 only for contrast enhancement."""
OWN_BEST = ("psnr_b",)
"""Metrics whose best value depends on the judged image: psnr_b adds the judged image's
own blocking, so an image against itself scores finite, and better than against any
other reference."""
NOISE_LEVELS = (4.0, 12.0, 36.0)
PROPERTY_SETTINGS = settings(max_examples=8, deadline=None, derandomize=True)
"""Derandomized: the same examples on every run, so that CI's verdict does not vary."""


def _field(seed: int, height: int, width: int, colour: bool) -> Image:
    """A smooth random field with fine texture on top: structure at several scales."""
    rng = np.random.default_rng(seed)
    shape = (height, width, 3) if colour else (height, width)
    coarse = cv2.GaussianBlur(rng.normal(0.0, 1.0, shape), (0, 0), 6.0)
    coarse = 128 + 90 * coarse / max(float(np.abs(coarse).max()), 1e-9)
    fine = rng.normal(0.0, 12.0, shape)
    return np.clip(coarse + fine, 0, 255).round().astype(np.uint8)


@st.composite
def images(draw: st.DrawFn) -> Image:
    height = draw(st.integers(192, 232))
    width = draw(st.integers(192, 232))
    return _field(draw(st.integers(0, 2**32 - 1)), height, width, draw(st.booleans()))


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Image, Image]:
    """An image and either a noisy copy of it or an unrelated image of its shape."""
    image = draw(images())
    seed = draw(st.integers(0, 2**32 - 1))
    if draw(st.booleans()):
        return noise(draw(st.floats(1.0, 60.0)), seed)(image), image
    colour = image.ndim == 3
    return _field(seed, image.shape[0], image.shape[1], colour), image


def _score(name: str, judged: Image, reference: Image) -> float:
    return float(PIXEL_METRICS[name].function(judged, reference))


def _best(metric: Metric) -> float:
    if metric.name in IDENTICAL:
        return IDENTICAL[metric.name]
    return metric.high if metric.higher_is_better else metric.low


@pytest.mark.parametrize("name", [name for name in METRICS if name not in OWN_BEST])
@PROPERTY_SETTINGS
@given(image=images())
def test_identical_images_score_the_best_value(name: str, image: Image) -> None:
    best = _best(PIXEL_METRICS[name])

    value = _score(name, image, image.copy())

    assert value == pytest.approx(best, abs=1e-9) if math.isfinite(best) else value == best


@pytest.mark.parametrize("name", OWN_BEST)
@PROPERTY_SETTINGS
@given(pair=pairs())
def test_an_image_against_itself_scores_better_than_against_another_reference(
    name: str, pair: tuple[Image, Image]
) -> None:
    judged, reference = pair

    itself = _score(name, judged, judged.copy())

    assert itself >= _score(name, judged, reference)


@pytest.mark.parametrize("name", METRICS)
@PROPERTY_SETTINGS
@given(pair=pairs())
def test_values_lie_in_the_declared_range(name: str, pair: tuple[Image, Image]) -> None:
    metric = PIXEL_METRICS[name]

    value = _score(name, *pair)

    assert metric.low <= value <= metric.high


@pytest.mark.parametrize("name", SYMMETRIC)
@PROPERTY_SETTINGS
@given(pair=pairs())
def test_symmetric_metrics_score_both_orders_alike(name: str, pair: tuple[Image, Image]) -> None:
    judged, reference = pair

    swapped = _score(name, reference, judged)

    assert swapped == pytest.approx(_score(name, judged, reference), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", ASYMMETRIC)
def test_asymmetric_metrics_depend_on_which_image_is_the_reference(
    name: str, photos: dict[str, Image]
) -> None:
    reference = np.ascontiguousarray(photos["astronaut"][:256, :256])
    judged = cv2.GaussianBlur(reference, (0, 0), 2.0)

    swapped = _score(name, reference, judged)

    assert swapped != pytest.approx(_score(name, judged, reference), rel=1e-6)


@pytest.mark.parametrize("photo", ["astronaut", "coffee", "camera"])
@pytest.mark.parametrize("name", METRICS)
def test_more_noise_scores_worse_on_photographs(
    name: str, photo: str, photos: dict[str, Image]
) -> None:
    reference = np.ascontiguousarray(photos[photo][:256, :320])
    values = [_score(name, noise(sigma)(reference), reference) for sigma in NOISE_LEVELS]

    ordered = values if PIXEL_METRICS[name].higher_is_better else [-v for v in values]

    assert ordered[0] > ordered[1] > ordered[2]

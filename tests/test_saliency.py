"""VSI and SR-SIM against line-by-line transcriptions of the authors' MATLAB code.

``vsi`` is held to ``VSI.m`` with its SDSP saliency (tests/authors_code/vsi.py) and
``sr_sim`` to ``SR_SIM.m`` (tests/authors_code/sr_sim.py), both built on a plain
transcription of MATLAB's ``imresize`` (tests/authors_code/imresize.py), on real
photographs with each distortion of tests/distortions.py, in colour and in gray, at a
size where the authors downsample (384 x 417: F = round(384 / 256) = 2) and an odd one
where they do not (257 x 311), and on random data. No torch-free published implementation of either
exists (scikit-image and sewar have neither), so the transcriptions are the
references. Conventions: VSI.m takes RGB, so a gray image is given to it copied to
three channels; SR_SIM.m converts RGB to unrounded BT.601 luma itself and takes gray
as it is.
"""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.sr_sim import SR_SIM
from authors_code.vsi import VSI
from distortions import DISTORTIONS, gray, random_pair
from numpy.typing import NDArray

from imgsim.metrics.saliency import sdsp_saliency, sr_sim, vsi

Image = NDArray[np.uint8]

SIZES = {"384x417": (384, 417), "257x311": (257, 311)}
RELATIVE = 1e-4


def _three_channels(image: Image) -> Image:
    return image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)


def _vsi_m(distorted: Image, reference: Image) -> float:
    return VSI(_three_channels(distorted), _three_channels(reference))


@pytest.fixture(params=list(SIZES))
def photo(request: pytest.FixtureRequest, photos: dict[str, Image]) -> Image:
    """A crop of astronaut that is downsampled (F = 2), or an odd crop of chelsea (F = 1)."""
    rows, cols = SIZES[request.param]
    name = "astronaut" if request.param == "384x417" else "chelsea"
    return np.ascontiguousarray(photos[name][:rows, :cols])


@pytest.fixture(params=["colour", "gray"])
def reference(request: pytest.FixtureRequest, photo: Image) -> Image:
    return photo if request.param == "colour" else gray(photo)


@pytest.fixture(params=list(DISTORTIONS))
def distorted(request: pytest.FixtureRequest, reference: Image) -> Image:
    return DISTORTIONS[request.param](reference)


def test_vsi_equals_the_authors_code_on_photographs(distorted: Image, reference: Image) -> None:
    assert vsi(distorted, reference) == pytest.approx(_vsi_m(distorted, reference), rel=RELATIVE)


def test_sr_sim_equals_the_authors_code_on_photographs(distorted: Image, reference: Image) -> None:
    expected = SR_SIM(distorted, reference)
    assert sr_sim(distorted, reference) == pytest.approx(expected, rel=RELATIVE)


RANDOM_SHAPES = [(37, 53, 3), (64, 64), (100, 81, 3), (390, 410, 3)]
"""The last one is downsampled (F = 2)."""


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_vsi_equals_the_authors_code_on_random_data(shape: tuple[int, ...]) -> None:
    first, second = random_pair(shape, 1)
    assert vsi(first, second) == pytest.approx(_vsi_m(first, second), rel=RELATIVE)


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_sr_sim_equals_the_authors_code_on_random_data(shape: tuple[int, ...]) -> None:
    first, second = random_pair(shape, 2)
    assert sr_sim(first, second) == pytest.approx(SR_SIM(first, second), rel=RELATIVE)


METRICS = {"vsi": vsi, "sr_sim": sr_sim}


@pytest.mark.parametrize("name", list(METRICS))
@pytest.mark.parametrize("photo_name", ["coffee", "camera", "hubble_deep_field"])
def test_identical_photographs_score_one(
    photos: dict[str, Image], name: str, photo_name: str
) -> None:
    image = photos[photo_name]
    assert METRICS[name](image, image.copy()) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", list(METRICS))
def test_metric_is_symmetric(photos: dict[str, Image], name: str) -> None:
    reference = photos["coffee"][:300, :300]
    distorted = DISTORTIONS["jpeg q=10"](reference)
    forward = METRICS[name](distorted, reference)
    assert METRICS[name](reference, distorted) == pytest.approx(forward, rel=1e-12)


@pytest.mark.parametrize("name", list(METRICS))
def test_more_noise_scores_lower(photos: dict[str, Image], name: str) -> None:
    reference = photos["rocket"][:300, :300]
    light = METRICS[name](DISTORTIONS["noise σ=8"](reference), reference)
    assert METRICS[name](DISTORTIONS["noise σ=30"](reference), reference) < light


@pytest.mark.parametrize(("name", "too_small"), [("vsi", 2), ("sr_sim", 36)])
def test_images_under_the_minimum_size_are_refused(name: str, too_small: int) -> None:
    image = np.zeros((too_small, 50, 3), dtype=np.uint8)
    minimum = too_small + 1
    with pytest.raises(ValueError, match=f"{name} needs images of at least {minimum}x{minimum}"):
        METRICS[name](image, image)


@pytest.mark.parametrize(("name", "smallest"), [("vsi", 3), ("sr_sim", 37)])
def test_the_minimum_size_is_scored_as_the_authors_code_does(name: str, smallest: int) -> None:
    first, second = random_pair((smallest, smallest, 3), 5)
    authors = {"vsi": _vsi_m, "sr_sim": SR_SIM}[name]
    assert METRICS[name](first, second) == pytest.approx(authors(first, second), rel=RELATIVE)


@pytest.mark.parametrize("name", list(METRICS))
def test_two_identical_flat_images_score_one(name: str) -> None:
    flat = np.full((64, 64, 3), (200, 30, 90), dtype=np.uint8)
    assert METRICS[name](flat, flat.copy()) == 1.0


@pytest.mark.parametrize("name", list(METRICS))
def test_a_flat_image_against_a_photograph_scores_below_one(
    photos: dict[str, Image], name: str
) -> None:
    reference = photos["astronaut"][:128, :128]
    assert METRICS[name](np.zeros_like(reference), reference) < 0.9


def test_sr_sim_scores_images_with_zero_fourier_coefficients() -> None:
    ramp = np.tile((np.arange(64) * 3).astype(np.uint8), (64, 1))
    assert sr_sim(ramp, np.flipud(ramp)) == 1.0


def test_sr_sim_of_a_ramp_against_a_photograph_is_finite(photos: dict[str, Image]) -> None:
    reference = np.ascontiguousarray(photos["camera"][:64, :64, 0])
    ramp = np.tile((np.arange(64) * 3).astype(np.uint8), (64, 1))
    assert np.isfinite(sr_sim(ramp, reference))


def test_sdsp_saliency_is_at_least_zero(photos: dict[str, Image]) -> None:
    assert sdsp_saliency(photos["chelsea"].astype(np.float64)).min() == 0.0


def test_sdsp_saliency_is_at_most_one(photos: dict[str, Image]) -> None:
    assert sdsp_saliency(photos["chelsea"].astype(np.float64)).max() == 1.0

"""memorization and mifid against the published MiFID code, transcribed in
``authors_code/mifid.py``: the Kaggle competition's scoring code (the default direction)
and torchmetrics' (``direction="reference"``). Inputs are colour histograms of crops of
real photographs, and random vectors."""

from __future__ import annotations

import numpy as np
import pytest
from authors_code.mifid import (
    competition_memorization,
    competition_mifid,
    cosine_distance,
    torchmetrics_cosine_distance,
    torchmetrics_mifid,
)
from cli_support import RGB
from numpy.typing import NDArray
from set_support import photo_crops

import imgsim
from imgsim.errors import ArgumentError
from imgsim.metrics.memorization import memorization, mifid, nearest_cosine_distances

Matrix = NDArray[np.float64]


@pytest.fixture(scope="module")
def histograms(photos: dict[str, RGB]) -> tuple[Matrix, Matrix]:
    """Colour histograms (27 bins) of 300 reference and 300 generated crops of the photographs."""
    crops = photo_crops(photos, 600, side=48, seed=3)
    params = imgsim.FeatureParams(bins=3)
    vectors = imgsim.extract(crops, "color_hist", params=params).astype(np.float64)
    return vectors[::2], vectors[1::2]


def near_copies(reference: Matrix, count: int, noise: float, seed: int) -> Matrix:
    """``count`` reference rows with a little Gaussian noise: close to memorised."""
    rng = np.random.default_rng(seed)
    picked = reference[rng.choice(len(reference), count, replace=False)]
    return np.asarray(picked + noise * rng.standard_normal(picked.shape) * picked.std())


# --------------------------------------------------------------------------- memorization


def test_the_raw_distance_is_the_competitions_cosine_distance_on_photographs(
    histograms: tuple[Matrix, Matrix],
) -> None:
    reference, generated = histograms

    value = memorization(reference, generated, epsilon=None)

    assert value == pytest.approx(cosine_distance(generated, reference), rel=1e-9)


def test_the_raw_distance_of_the_reference_direction_is_torchmetrics_on_photographs(
    histograms: tuple[Matrix, Matrix],
) -> None:
    reference, generated = histograms
    unthresholded = torchmetrics_cosine_distance(reference, generated, cosine_distance_eps=1.0)

    value = memorization(reference, generated, epsilon=None, direction="reference")

    assert value == pytest.approx(unthresholded, rel=1e-9)


def test_the_two_directions_differ_when_the_sets_differ_in_size() -> None:
    # 20 generated vectors near 20 of 200 reference ones: each generated vector has a
    # close training vector, but most training vectors have no close generated one.
    reference = np.random.default_rng(0).normal(size=(200, 32))
    generated = near_copies(reference, 20, noise=0.05, seed=1)

    by_generated = memorization(reference, generated, epsilon=None)
    by_reference = memorization(reference, generated, epsilon=None, direction="reference")

    assert by_generated < by_reference / 10


@pytest.mark.parametrize("noise", [0.05, 0.3, 1.0])
def test_the_thresholded_distance_is_the_competitions(noise: float) -> None:
    reference = np.abs(np.random.default_rng(2).normal(size=(150, 24)))
    generated = np.abs(near_copies(reference, 100, noise=noise, seed=3))

    value = memorization(reference, generated)

    assert value == pytest.approx(competition_memorization(generated, reference), rel=1e-9)


@pytest.mark.parametrize("noise", [0.05, 1.0])
def test_the_thresholded_reference_direction_is_torchmetrics(noise: float) -> None:
    reference = np.abs(np.random.default_rng(4).normal(size=(120, 24)))
    generated = np.abs(near_copies(reference, 90, noise=noise, seed=5))

    value = memorization(reference, generated, direction="reference")

    assert value == pytest.approx(torchmetrics_cosine_distance(reference, generated), rel=1e-9)


def test_an_average_of_at_least_epsilon_counts_as_1() -> None:
    rng = np.random.default_rng(6)
    reference, generated = rng.normal(size=(100, 64)), rng.normal(size=(100, 64))

    assert memorization(reference, generated) == 1.0


def test_copies_of_training_vectors_are_at_distance_0() -> None:
    reference = np.random.default_rng(7).normal(size=(80, 16))

    assert memorization(reference, reference[10:50], epsilon=None) < 1e-12


def test_rescaled_and_negated_copies_are_at_distance_0() -> None:
    # 1 − |cos|: the distance ignores length and sign, as the competition's.
    reference = np.random.default_rng(8).normal(size=(60, 16))

    assert memorization(reference, -3.0 * reference[:30], epsilon=None) < 1e-12


def test_all_zero_rows_are_left_out() -> None:
    rng = np.random.default_rng(9)
    reference, generated = rng.normal(size=(50, 8)), rng.normal(size=(40, 8))
    padded = np.concatenate([generated, np.zeros((5, 8))])

    value = memorization(np.concatenate([np.zeros((3, 8)), reference]), padded, epsilon=None)

    assert value == pytest.approx(memorization(reference, generated, epsilon=None), rel=1e-12)


@pytest.mark.parametrize(
    ("query_sign", "gallery_sign"),
    [(None, None), (1.0, 1.0), (-1.0, -1.0), (1.0, None), (None, -1.0)],
    ids=["signed", "non-negative", "non-positive", "non-negative-queries", "mixed"],
)
def test_nearest_cosine_distances_equal_the_full_matrix_minimum(
    query_sign: float | None, gallery_sign: float | None
) -> None:
    # Sets of one sign have no negative cosines (one search); any other needs both.
    rng = np.random.default_rng(10)
    queries, gallery = rng.normal(size=(70, 12)), rng.normal(size=(90, 12))
    if query_sign is not None:
        queries = query_sign * np.abs(queries)
    if gallery_sign is not None:
        gallery = gallery_sign * np.abs(gallery)
    unit_q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    unit_g = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
    expected = (1.0 - np.abs(unit_q @ unit_g.T)).min(axis=1)

    distances = nearest_cosine_distances(queries, gallery)

    np.testing.assert_allclose(distances, expected, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- mifid


def test_mifid_equals_the_competitions_formula_on_photographs(
    histograms: tuple[Matrix, Matrix],
) -> None:
    reference, generated = histograms

    value = mifid(reference, generated)

    assert value == pytest.approx(competition_mifid(generated, reference), rel=1e-6)


@pytest.mark.parametrize("noise", [0.02, 0.1])
def test_mifid_of_near_copies_equals_the_competitions_formula(noise: float) -> None:
    # The distance falls below ε: FD is divided by it.
    reference = np.abs(np.random.default_rng(11).normal(size=(400, 10)))
    generated = np.abs(near_copies(reference, 300, noise=noise, seed=12))

    value = mifid(reference, generated)

    assert value == pytest.approx(competition_mifid(generated, reference), rel=1e-6)


@pytest.mark.parametrize("noise", [0.02, 1.0])
def test_mifid_of_the_reference_direction_equals_torchmetrics(noise: float) -> None:
    reference = np.abs(np.random.default_rng(13).normal(size=(400, 10)))
    generated = np.abs(near_copies(reference, 300, noise=noise, seed=14))

    value = mifid(reference, generated, direction="reference")

    assert value == pytest.approx(torchmetrics_mifid(reference, generated), rel=1e-6)


def test_mifid_is_fd_when_nothing_is_memorised() -> None:
    rng = np.random.default_rng(15)
    reference, generated = rng.normal(size=(500, 32)), rng.normal(0.2, 1.0, size=(500, 32))

    assert mifid(reference, generated) == pytest.approx(imgsim.fd(reference, generated))


def test_copying_training_images_makes_mifid_large() -> None:
    rng = np.random.default_rng(16)
    reference = rng.normal(size=(600, 16))
    honest = mifid(reference, rng.normal(size=(300, 16)))

    copied = mifid(reference, reference[:300])

    assert copied > 1e6 * honest


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("epsilon", [0.0, -0.1, 1.5])
def test_an_epsilon_outside_0_1_is_refused_by_name(epsilon: float) -> None:
    vectors = np.ones((4, 3))

    with pytest.raises(ArgumentError, match=r"^epsilon must be in"):
        memorization(vectors, vectors, epsilon=epsilon)


def test_an_unknown_direction_is_refused_by_name() -> None:
    vectors = np.ones((4, 3))

    with pytest.raises(ArgumentError, match=r"^direction must be 'generated' or 'reference'"):
        memorization(vectors, vectors, direction="both")  # type: ignore[arg-type]


def test_a_set_of_zero_vectors_is_refused_by_name() -> None:
    with pytest.raises(ArgumentError, match=r"^generated has no non-zero vector"):
        memorization(np.ones((4, 3)), np.zeros((4, 3)))


def test_sets_of_different_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="different dimensions: 3 and 4"):
        memorization(np.ones((4, 3)), np.ones((4, 4)))

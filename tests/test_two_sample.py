"""nn_accuracy against scikit-learn's leave-one-out 1-NN classifier, and swd against a
direct NumPy computation with the same directions; ideal and worst values on draws of
one distribution and on disjoint sets. Inputs are colour histograms of crops of real
photographs, and random vectors."""

from __future__ import annotations

import numpy as np
import pytest
from cli_support import RGB
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from set_support import photo_crops
from sklearn.model_selection import LeaveOneOut, cross_val_predict  # type: ignore[import-untyped]
from sklearn.neighbors import KNeighborsClassifier  # type: ignore[import-untyped]

import imgsim
from imgsim.errors import ArgumentError
from imgsim.metrics.two_sample import (
    NNAccuracy,
    nearest_others,
    nn_accuracy,
    random_directions,
    swd,
)

Matrix = NDArray[np.float64]
FIELDS = ("overall", "reference", "generated")


# --------------------------------------------------------------------------- references


def sklearn_leave_one_out(reference: Matrix, generated: Matrix) -> dict[str, float]:
    """Accuracy of KNeighborsClassifier(n_neighbors=1), fitted on all vectors but one and
    asked for the one left out, over every vector; and within each set."""
    pool = np.concatenate([reference, generated])
    labels = np.r_[np.zeros(len(reference)), np.ones(len(generated))]
    predicted = cross_val_predict(
        KNeighborsClassifier(n_neighbors=1), pool, labels, cv=LeaveOneOut()
    )
    correct = predicted == labels
    return {
        "overall": float(correct.mean()),
        "reference": float(correct[: len(reference)].mean()),
        "generated": float(correct[len(reference) :].mean()),
    }


def sorted_projection_swd(reference: Matrix, generated: Matrix, directions: Matrix) -> float:
    """For sets of equal size: √(mean over directions of mean((sorted Rθ − sorted Gθ)²))."""
    squared = [
        np.mean((np.sort(reference @ theta) - np.sort(generated @ theta)) ** 2)
        for theta in directions
    ]
    return float(np.sqrt(np.mean(squared)))


def repeated_projection_swd(reference: Matrix, generated: Matrix, directions: Matrix) -> float:
    """For any sizes n and m: each reference projection repeated m times and each
    generated one n times is the same pair of distributions with n·m points each."""
    n, m = len(reference), len(generated)
    squared = [
        np.mean(
            (np.repeat(np.sort(reference @ theta), m) - np.repeat(np.sort(generated @ theta), n))
            ** 2
        )
        for theta in directions
    ]
    return float(np.sqrt(np.mean(squared)))


@pytest.fixture(scope="module")
def histograms(photos: dict[str, RGB]) -> tuple[Matrix, Matrix]:
    """Colour histograms (27 bins) of 150 crops of the photographs, and of 150 other crops
    with noise added (a generated set that is close, but not the same)."""
    params = imgsim.FeatureParams(bins=3)
    clean = photo_crops(photos, 150, side=48, seed=20)
    rng = np.random.default_rng(21)
    noisy = [
        np.clip(crop + rng.integers(-40, 41, crop.shape), 0, 255).astype(np.uint8)
        for crop in photo_crops(photos, 150, side=48, seed=22)
    ]
    reference = imgsim.extract(clean, "color_hist", params=params).astype(np.float64)
    generated = imgsim.extract(noisy, "color_hist", params=params).astype(np.float64)
    return reference, generated


# --------------------------------------------------------------------------- nn_accuracy


@pytest.fixture(scope="module")
def photo_accuracies(histograms: tuple[Matrix, Matrix]) -> tuple[NNAccuracy, dict[str, float]]:
    """nn_accuracy and scikit-learn's leave-one-out accuracies of the photographs' sets."""
    return nn_accuracy(*histograms), sklearn_leave_one_out(*histograms)


@pytest.fixture(scope="module")
def gaussian_accuracies() -> tuple[NNAccuracy, dict[str, float]]:
    """The same for overlapping Gaussians of different sizes, means and spreads."""
    rng = np.random.default_rng(23)
    reference, generated = rng.normal(size=(150, 6)), rng.normal(0.3, 1.2, size=(110, 6))
    return nn_accuracy(reference, generated), sklearn_leave_one_out(reference, generated)


@pytest.mark.parametrize("field", FIELDS)
def test_nn_accuracy_equals_sklearn_leave_one_out_on_photographs(
    photo_accuracies: tuple[NNAccuracy, dict[str, float]], field: str
) -> None:
    result, expected = photo_accuracies

    assert getattr(result, field) == expected[field]


@pytest.mark.parametrize("field", FIELDS)
def test_nn_accuracy_equals_sklearn_leave_one_out_on_overlapping_gaussians(
    gaussian_accuracies: tuple[NNAccuracy, dict[str, float]], field: str
) -> None:
    result, expected = gaussian_accuracies

    assert getattr(result, field) == expected[field]


def test_two_draws_of_one_distribution_are_near_one_half() -> None:
    rng = np.random.default_rng(24)
    reference, generated = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))

    assert nn_accuracy(reference, generated).overall == pytest.approx(0.5, abs=0.03)


def test_disjoint_sets_are_told_apart_every_time() -> None:
    rng = np.random.default_rng(25)
    reference, generated = rng.normal(size=(300, 8)), rng.normal(10.0, 1.0, size=(300, 8))

    assert nn_accuracy(reference, generated).overall == 1.0


def test_copies_of_reference_vectors_are_always_misclassified() -> None:
    # Each copy and its original are each other's nearest: memorisation scores 0.
    reference = np.random.default_rng(26).normal(size=(200, 8))

    assert nn_accuracy(reference, reference.copy()).overall == 0.0


def test_nearest_others_settles_exact_ties_by_the_earliest_vector() -> None:
    # Five copies of one vector (rows 0, 2, 3, 5, 6): more than the first candidates.
    point, other = [1.0, 2.0, 3.0], [9.0, 9.0, 9.0]
    points = np.array([point, other, point, point, [9.0, 9.0, 9.5], point, point])

    nearest = nearest_others(points)

    np.testing.assert_array_equal(nearest, [2, 4, 0, 0, 1, 0, 0])


def test_a_copy_within_the_reference_set_keeps_its_reference_neighbour() -> None:
    # Reference rows 0 and 1 are equal and generated row 0 (pool row 40) copies them: the
    # reference copies see each other (the earliest other), the generated copy sees row 0.
    rng = np.random.default_rng(27)
    reference = rng.normal(size=(40, 4))
    reference[1] = reference[0]
    generated = np.concatenate([reference[:1], rng.normal(size=(39, 4))])

    nearest = nearest_others(np.concatenate([reference, generated]))

    np.testing.assert_array_equal(nearest[[0, 1, 40]], [1, 0, 0])


def test_swapping_the_sets_swaps_the_per_set_accuracies() -> None:
    rng = np.random.default_rng(28)
    reference, generated = rng.normal(size=(90, 5)), rng.normal(0.5, 1.0, size=(70, 5))

    swapped = nn_accuracy(generated, reference)

    assert swapped.generated == nn_accuracy(reference, generated).reference


def test_an_empty_set_is_refused_by_name() -> None:
    with pytest.raises(ArgumentError, match=r"^generated needs at least one vector"):
        nn_accuracy(np.ones((3, 2)), np.ones((0, 2)))


def test_values_that_are_not_finite_are_refused_by_name() -> None:
    with pytest.raises(ArgumentError, match=r"^reference holds values that are not finite"):
        nn_accuracy(np.array([[0.0, np.nan], [1.0, 1.0]]), np.ones((3, 2)))


# --------------------------------------------------------------------------- swd


def test_swd_equals_sorted_projections_on_photographs(histograms: tuple[Matrix, Matrix]) -> None:
    reference, generated = histograms
    directions = random_directions(reference.shape[1], 64, seed=3)

    value = swd(reference, generated, projections=64, seed=3)

    assert value == pytest.approx(sorted_projection_swd(reference, generated, directions), rel=1e-9)


@pytest.mark.parametrize(("n", "m"), [(30, 45), (17, 5), (1, 12), (64, 64)])
def test_swd_of_sets_of_any_sizes_equals_the_repeated_projections(n: int, m: int) -> None:
    rng = np.random.default_rng(n * 100 + m)
    reference, generated = rng.normal(size=(n, 7)), rng.normal(0.4, 2.0, size=(m, 7))
    directions = random_directions(7, 40, seed=0)

    value = swd(reference, generated, projections=40, seed=0)

    assert value == pytest.approx(repeated_projection_swd(reference, generated, directions))


def test_swd_of_one_dimension_is_the_wasserstein_2_distance() -> None:
    # In 1-D every direction is ±1 and W2 needs no projections: √mean((sorted x − sorted y)²).
    rng = np.random.default_rng(29)
    x, y = rng.normal(size=500), rng.exponential(size=500)
    expected = np.sqrt(np.mean((np.sort(x) - np.sort(y)) ** 2))

    assert swd(x[:, None], y[:, None], projections=5) == pytest.approx(expected, rel=1e-12)


def test_swd_of_a_set_and_itself_is_0(histograms: tuple[Matrix, Matrix]) -> None:
    reference, _ = histograms

    assert swd(reference, reference[::-1]) == 0.0


@pytest.mark.parametrize("shift", [0.5, 2.0])
def test_swd_of_shifted_isotropic_gaussians_is_the_shift_per_coordinate(shift: float) -> None:
    # Shift s in each of d coordinates: |δ| = s√d, and W2² along θ is (θ·δ)² (the same
    # spread), which averages |δ|²/d = s² over directions; sampling adds a little.
    rng = np.random.default_rng(30)
    reference, generated = rng.normal(size=(4000, 16)), rng.normal(shift, 1.0, size=(4000, 16))

    assert swd(reference, generated, projections=512) == pytest.approx(shift, rel=0.1)


def test_swd_grows_with_the_shift() -> None:
    rng = np.random.default_rng(31)
    reference, noise = rng.normal(size=(500, 8)), rng.normal(size=(500, 8))

    values = [swd(reference, noise + shift) for shift in (0.0, 0.5, 1.0, 2.0)]

    assert values == sorted(values)


def test_the_same_seed_gives_the_same_value() -> None:
    rng = np.random.default_rng(32)
    reference, generated = rng.normal(size=(50, 6)), rng.normal(size=(60, 6))

    assert swd(reference, generated, seed=7) == swd(reference, generated, seed=7)


def test_random_directions_are_unit_vectors() -> None:
    directions = random_directions(33, 100, seed=1)

    np.testing.assert_allclose(np.linalg.norm(directions, axis=1), 1.0, rtol=1e-12)


def test_no_projections_is_refused_by_name() -> None:
    with pytest.raises(ArgumentError, match=r"^projections must be at least 1, got 0"):
        swd(np.ones((3, 2)), np.ones((3, 2)), projections=0)


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 12), st.just(3)), elements=st.floats(-1e3, 1e3)),
    arrays(np.float64, st.tuples(st.integers(1, 12), st.just(3)), elements=st.floats(-1e3, 1e3)),
)
def test_swd_is_symmetric(reference: Matrix, generated: Matrix) -> None:
    forward = swd(reference, generated, projections=8)

    assert swd(generated, reference, projections=8) == pytest.approx(forward, rel=1e-9, abs=1e-9)

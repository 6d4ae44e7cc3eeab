"""α-precision, β-recall and authenticity against the authors' published code.

The reference is ``tests/authors_code/alpha_beta.py``: synthcity's
``AlphaPrecision.metrics`` (naive variant: centred on the reference mean) and the
authenticity of the authors' ``compute_alpha_precision``, transcribed line by line with
a brute-force float64 neighbour search in place of scikit-learn's. Min-max scaling is
scikit-learn's ``MinMaxScaler``. Inputs are random Gaussians and features of crops of
real photographs; the expected values of ideal and broken generators come from the
definitions (Alaa et al. 2022).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from authors_code.alpha_beta import authors_authenticity, synthcity_metrics
from cli_support import RGB
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from set_support import photo_crops
from sklearn.preprocessing import MinMaxScaler  # type: ignore[import-untyped]

import imgsim
from imgsim.errors import ArgumentError
from imgsim.metrics import alpha_beta, search
from imgsim.metrics.alpha_beta import alpha_precision, authenticity, beta_recall

Matrix = NDArray[np.float64]
Metric = Callable[..., float]

RELATIVE = 1e-9


# --------------------------------------------------------------------------- references


def reference_precision(x: Matrix, y: Matrix) -> float:
    """synthcity's ``Delta_precision_alpha``."""
    return synthcity_metrics(x, y, require_same_length=False)[3]


def reference_recall(x: Matrix, y: Matrix) -> float:
    """synthcity's ``Delta_coverage_beta``."""
    return synthcity_metrics(x, y, require_same_length=False)[4]


REFERENCES: dict[str, tuple[Metric, Callable[[Matrix, Matrix], float]]] = {
    "alpha_precision": (alpha_precision, reference_precision),
    "beta_recall": (beta_recall, reference_recall),
    "authenticity": (authenticity, authors_authenticity),
}
NAMES = list(REFERENCES)


def gaussians(
    n: int, m: int, d: int, *, shift: float, spread: float, seed: int
) -> tuple[Matrix, Matrix]:
    """A standard Gaussian reference and a generated set shifted by ``shift`` along every
    axis and scaled by ``spread``."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), shift + spread * rng.normal(size=(m, d))


def minmax(x: Matrix, y: Matrix) -> tuple[Matrix, Matrix]:
    """synthcity's ``_normalize_covariates``: ``MinMaxScaler`` fitted on the reference."""
    scaler = MinMaxScaler().fit(x)
    return scaler.transform(x), scaler.transform(y)


@pytest.fixture(scope="module")
def photo_features(photos: dict[str, RGB]) -> dict[str, tuple[Matrix, Matrix]]:
    """Reference and generated features (300 crops each, different seeds) of the
    photographs, by feature name."""
    reference = photo_crops(photos, 300, side=64, seed=0)
    generated = photo_crops(photos, 300, side=64, seed=1)
    return {
        feature: (
            imgsim.extract(reference, feature).astype(np.float64),
            imgsim.extract(generated, feature).astype(np.float64),
        )
        for feature in ("color_moments", "thumb")
    }


# --------------------------------------------------------------------------- the published code

GAUSSIAN_CASES = {
    "same-distribution": {"shift": 0.0, "spread": 1.0},
    "shifted": {"shift": 0.5, "spread": 1.0},
    "narrower": {"shift": 0.0, "spread": 0.5},
    "wider": {"shift": 0.2, "spread": 1.8},
}


@pytest.mark.parametrize("case", list(GAUSSIAN_CASES))
@pytest.mark.parametrize("name", NAMES)
def test_equals_the_published_code_on_random_gaussians(name: str, case: str) -> None:
    function, reference = REFERENCES[name]
    x, y = gaussians(400, 400, 8, seed=len(case), **GAUSSIAN_CASES[case])

    assert function(x, y) == pytest.approx(reference(x, y), rel=RELATIVE)


@pytest.mark.parametrize("feature", ["color_moments", "thumb"])
@pytest.mark.parametrize("name", NAMES)
def test_equals_the_published_code_on_photograph_features(
    photo_features: dict[str, tuple[Matrix, Matrix]], name: str, feature: str
) -> None:
    function, reference = REFERENCES[name]
    x, y = photo_features[feature]

    assert function(x, y) == pytest.approx(reference(x, y), rel=RELATIVE)


@pytest.mark.parametrize("name", NAMES)
def test_minmax_equals_the_published_code_on_scaled_photograph_features(
    photo_features: dict[str, tuple[Matrix, Matrix]], name: str
) -> None:
    function, reference = REFERENCES[name]
    x, y = photo_features["color_moments"]

    assert function(x, y, minmax=True) == pytest.approx(reference(*minmax(x, y)), rel=RELATIVE)


@pytest.mark.parametrize("name", NAMES)
def test_sets_of_different_sizes_equal_the_published_code(name: str) -> None:
    function, reference = REFERENCES[name]
    x, y = gaussians(500, 200, 6, shift=0.3, spread=1.2, seed=7)

    assert function(x, y) == pytest.approx(reference(x, y), rel=RELATIVE)


@pytest.mark.parametrize("name", NAMES)
def test_duplicated_rows_equal_the_published_code(name: str) -> None:
    # Exact ties: repeated reference rows (nearest other at distance 0) and generated rows.
    function, reference = REFERENCES[name]
    x, y = gaussians(150, 150, 4, shift=0.1, spread=1.0, seed=3)
    x, y = np.concatenate([x, x[:50]]), np.concatenate([y, y[:50], x[100:150]])

    assert function(x, y) == pytest.approx(reference(x, y), rel=RELATIVE)


@pytest.mark.parametrize("name", NAMES)
def test_features_far_from_the_origin_equal_the_published_code(name: str) -> None:
    # Squared norms of 1e8 would swamp neighbour distances of 1 in float32 if the search
    # ran on the features as they are.
    function, reference = REFERENCES[name]
    x, y = gaussians(300, 300, 8, shift=0.2, spread=1.0, seed=5)
    x, y = x + 1e4, y + 1e4

    assert function(x, y) == pytest.approx(reference(x, y), rel=RELATIVE)


def test_precision_curve_equals_the_published_code() -> None:
    x, y = gaussians(300, 300, 5, shift=0.4, spread=0.8, seed=11)

    curves = alpha_beta.alpha_beta_curves(x, y)

    np.testing.assert_allclose(curves.alpha_precision, synthcity_metrics(x, y)[1], rtol=RELATIVE)


def test_recall_curve_equals_the_published_code() -> None:
    x, y = gaussians(300, 300, 5, shift=0.4, spread=0.8, seed=11)

    curves = alpha_beta.alpha_beta_curves(x, y)

    np.testing.assert_allclose(curves.beta_recall, synthcity_metrics(x, y)[2], rtol=RELATIVE)


def test_alpha_grid_is_the_published_one() -> None:
    np.testing.assert_array_equal(
        alpha_beta.ALPHAS, synthcity_metrics(*gaussians(5, 5, 2, shift=0, spread=1, seed=0))[0]
    )


@pytest.mark.parametrize("name", NAMES)
def test_alpha_beta_computes_each_score_as_its_function(name: str) -> None:
    function, _ = REFERENCES[name]
    x, y = gaussians(300, 250, 6, shift=0.3, spread=1.1, seed=13)

    assert getattr(alpha_beta.alpha_beta(x, y), name) == function(x, y)


@pytest.mark.parametrize("name", NAMES)
def test_small_blocks_give_the_same_score(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    function, _ = REFERENCES[name]
    x, y = gaussians(300, 300, 6, shift=0.3, spread=1.1, seed=17)
    expected = function(x, y)
    monkeypatch.setattr(alpha_beta, "BLOCK_VALUES", 100)
    monkeypatch.setattr(search, "BLOCK_VALUES", 100)
    monkeypatch.setattr(search, "FAISS_GALLERY_BYTES", 4000)

    assert function(x, y) == expected


# --------------------------------------------------------------------------- ideal and worst


def test_two_draws_of_one_distribution_have_alpha_precision_near_1() -> None:
    x, y = gaussians(2000, 2000, 16, shift=0.0, spread=1.0, seed=19)

    assert alpha_precision(x, y) > 0.95


def test_two_draws_of_one_distribution_have_beta_recall_near_a_half() -> None:
    # A fresh sample beats a reference sample's nearest reference neighbour about half
    # the time, so the published estimator's ideal generator scores about 0.5.
    x, y = gaussians(2000, 2000, 16, shift=0.0, spread=1.0, seed=19)

    assert beta_recall(x, y) == pytest.approx(0.5, abs=0.05)


def test_two_draws_of_photograph_features_have_alpha_precision_near_1(
    photo_features: dict[str, tuple[Matrix, Matrix]],
) -> None:
    x, y = photo_features["color_moments"]

    assert alpha_precision(x, y) > 0.9


def test_a_generated_set_far_from_the_reference_has_alpha_precision_0() -> None:
    x, y = gaussians(300, 300, 8, shift=50.0, spread=1.0, seed=23)

    assert alpha_precision(x, y) == 0.0


def test_a_generated_set_far_from_the_reference_has_beta_recall_0() -> None:
    x, y = gaussians(300, 300, 8, shift=50.0, spread=1.0, seed=23)

    assert beta_recall(x, y) == 0.0


def test_a_generated_set_far_from_the_reference_is_authentic() -> None:
    x, y = gaussians(300, 300, 8, shift=50.0, spread=1.0, seed=23)

    assert authenticity(x, y) == 1.0


def test_a_generated_set_collapsed_onto_the_reference_mean_has_alpha_precision_0() -> None:
    x, _ = gaussians(300, 1, 8, shift=0.0, spread=1.0, seed=29)

    collapsed = np.repeat(x.mean(axis=0)[None], 100, axis=0)

    assert alpha_precision(x, collapsed) == pytest.approx(0.0, abs=1e-12)


def test_a_copy_of_the_reference_has_authenticity_0() -> None:
    x, _ = gaussians(400, 1, 8, shift=0.0, spread=1.0, seed=31)

    assert authenticity(x, x[np.random.default_rng(0).permutation(len(x))]) == 0.0


def test_a_copy_of_photograph_features_has_authenticity_0(
    photo_features: dict[str, tuple[Matrix, Matrix]],
) -> None:
    x, _ = photo_features["thumb"]

    assert authenticity(x, x[::-1].copy()) == 0.0


def test_half_copied_generated_set_has_authenticity_near_half_a_fresh_draw() -> None:
    x, y = gaussians(1000, 1000, 16, shift=0.0, spread=1.0, seed=37)
    fresh = authenticity(x, y)
    half_copied = np.concatenate([y[:500], x[:500]])

    assert authenticity(x, half_copied) == pytest.approx(fresh / 2, abs=0.05)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(2, 12), st.just(3)), elements=st.floats(-5, 5)),
    arrays(np.float64, st.tuples(st.integers(1, 12), st.just(3)), elements=st.floats(-5, 5)),
)
def test_every_score_is_between_0_and_1(x: Matrix, y: Matrix) -> None:
    scores = alpha_beta.alpha_beta(x, y)

    assert all(0.0 <= score <= 1.0 for score in scores)


# --------------------------------------------------------------------------- validation


def test_a_reference_of_one_vector_is_refused_naming_reference() -> None:
    with pytest.raises(ArgumentError, match=r"^reference needs at least 2 vectors"):
        alpha_beta.alpha_beta(np.zeros((1, 3)), np.zeros((4, 3)))


def test_an_empty_generated_set_is_refused_naming_generated() -> None:
    with pytest.raises(ArgumentError, match=r"^generated needs at least 1 vector"):
        alpha_beta.alpha_beta(np.zeros((4, 3)), np.zeros((0, 3)))


def test_sets_of_different_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="different dimensions: 3 and 4"):
        alpha_beta.alpha_beta(np.zeros((4, 3)), np.zeros((4, 4)))


def test_a_vector_instead_of_a_matrix_is_refused_naming_generated() -> None:
    with pytest.raises(ValueError, match=r"^generated must be a 2-D matrix"):
        alpha_beta.alpha_beta(np.zeros((4, 3)), np.zeros(3))


def test_nan_in_the_generated_set_is_refused_naming_generated() -> None:
    generated = np.zeros((4, 3))
    generated[2, 1] = np.nan

    with pytest.raises(ArgumentError, match=r"^generated holds NaN or infinite values"):
        alpha_beta.alpha_beta(np.ones((4, 3)), generated)

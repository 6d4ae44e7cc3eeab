"""Set metrics of the library against independent references.

References: the Fréchet distance as pytorch-fid computes it (``scipy.linalg.sqrtm``
of Σ1Σ2) and its closed form for Gaussians with known parameters; KID's unbiased
estimator (Bińkowski et al. 2018) written out with scikit-learn's polynomial
kernel; the ``prdc`` package's ``compute_prdc`` (Naeem et al. 2020); and the Vendi
score (Friedman & Dieng 2023) from the eigenvalues of SciPy's cosine similarity
matrix. Inputs are random Gaussians and features of real photographs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from cli_support import RGB
from numpy.typing import NDArray
from scipy.spatial.distance import cdist
from scipy.stats import ortho_group
from set_support import photo_crops
from sklearn.metrics.pairwise import polynomial_kernel  # type: ignore[import-untyped]

import imgsim
from imgsim.metrics import search, sets

Matrix = NDArray[np.float64]


# --------------------------------------------------------------------------- references


def pytorch_fid(x: Matrix, y: Matrix) -> float:
    """pytorch-fid's ``calculate_frechet_distance`` on the sample statistics, without its eps
    retry (the inputs here have finite square roots)."""
    mu1, mu2 = x.mean(axis=0), y.mean(axis=0)
    sigma1, sigma2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = np.real(scipy.linalg.sqrtm(sigma1 @ sigma2))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def unbiased_mmd2(x: Matrix, y: Matrix) -> float:
    """MMD² of equal-sized samples with k(a, b) = (a·b/d + 1)³: within-set means over the
    m(m-1) pairs i ≠ j, cross mean over all m² pairs."""
    m, d = x.shape
    kernel = {"degree": 3, "gamma": 1.0 / d, "coef0": 1.0}
    off_diagonal = ~np.eye(m, dtype=bool)
    within_x = polynomial_kernel(x, x, **kernel)[off_diagonal].mean()
    within_y = polynomial_kernel(y, y, **kernel)[off_diagonal].mean()
    across = polynomial_kernel(x, y, **kernel).mean()
    return float(within_x + within_y - 2 * across)


def vendi_by_eigenvalues(x: Matrix) -> float:
    """exp(-Σ λ log λ) over the eigenvalues λ of K/n, K the n x n cosine similarity matrix."""
    similarity = 1.0 - cdist(x, x, "cosine")
    eigenvalues = np.linalg.eigvalsh(similarity / len(x))
    positive = eigenvalues[eigenvalues > 0]
    return float(np.exp(-(positive * np.log(positive)).sum()))


def correlated_gaussians(seed: int, n: int, d: int) -> tuple[Matrix, Matrix]:
    """Two samples of correlated Gaussians with different means and scales."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d))
    return rng.normal(size=(n, d)) @ mixing, rng.normal(0.5, 1.2, size=(n, d)) @ mixing


# --------------------------------------------------------------------------- fd


@pytest.mark.parametrize(("seed", "n", "d"), [(0, 2000, 12), (1, 500, 3), (2, 3000, 40)])
def test_fd_equals_the_pytorch_fid_formula_on_random_gaussians(seed: int, n: int, d: int) -> None:
    x, y = correlated_gaussians(seed, n, d)

    value = imgsim.fd(x, y)

    assert value == pytest.approx(pytorch_fid(x, y), rel=1e-6)


@pytest.mark.parametrize(
    ("feature", "params", "columns"),
    [
        ("color_hist", imgsim.FeatureParams(bins=2), slice(None)),
        ("color_hist", imgsim.FeatureParams(bins=3), slice(None)),
        # Every 33rd pixel of the 32x32 thumbnail: 32 real features, far fewer than images.
        ("thumb", imgsim.FeatureParams(), slice(None, None, 33)),
    ],
    ids=["color_hist-bins-2", "color_hist-bins-3", "thumb"],
)
def test_fd_equals_the_pytorch_fid_formula_on_real_features(
    photos: dict[str, RGB], feature: str, params: imgsim.FeatureParams, columns: slice
) -> None:
    crops = photo_crops(photos, 1200, side=64, seed=0)
    vectors = imgsim.extract(crops, feature, params=params)[:, columns].astype(np.float64)
    real, fake = vectors[::2], vectors[1::2]

    value = imgsim.fd(real, fake)

    assert value == pytest.approx(pytorch_fid(real, fake), rel=1e-6)


def test_fd_of_isotropic_gaussians_is_the_closed_form() -> None:
    # FD(N(μ1, s1² I), N(μ2, s2² I)) = |μ1 - μ2|² + d (s1 - s2)²
    d, s1, s2 = 7, 2.0, 3.0
    mu1, mu2 = np.zeros(d), np.arange(d) / 4
    real = sets.Gaussian(mu1, s1**2 * np.eye(d), count=10_000)
    fake = sets.Gaussian(mu2, s2**2 * np.eye(d), count=10_000)
    expected = float((mu1 - mu2) @ (mu1 - mu2)) + d * (s1 - s2) ** 2

    result = sets.frechet_distance(real, fake)

    assert result.value == pytest.approx(expected, rel=1e-12)


def test_fd_of_gaussians_with_commuting_covariances_is_the_closed_form() -> None:
    # Σ1 = Q diag(a) Qᵀ and Σ2 = Q diag(b) Qᵀ commute: Tr((Σ1Σ2)^½) = Σ √(a b), so
    # FD = |μ1 - μ2|² + Σ (√a - √b)².
    d = 9
    rotation = ortho_group.rvs(d, random_state=0)
    a, b = np.linspace(0.5, 4.0, d), np.linspace(3.0, 0.1, d)
    mu1, mu2 = np.ones(d), np.linspace(-1.0, 1.0, d)
    real = sets.Gaussian(mu1, rotation @ np.diag(a) @ rotation.T, count=10_000)
    fake = sets.Gaussian(mu2, rotation @ np.diag(b) @ rotation.T, count=10_000)
    expected = float((mu1 - mu2) @ (mu1 - mu2) + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum())

    result = sets.frechet_distance(real, fake)

    assert result.value == pytest.approx(expected, rel=1e-10)


def test_fd_with_fewer_vectors_than_dimensions_is_finite_and_non_negative() -> None:
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(10, 50)), rng.normal(size=(12, 50))

    result = sets.frechet_distance(sets.Gaussian.fit(real), sets.Gaussian.fit(fake))

    assert 0.0 <= result.value < math.inf


@pytest.mark.parametrize("count", [10, 50])
def test_fd_with_no_more_vectors_than_dimensions_recommends_kid(count: int) -> None:
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(count, 50)), rng.normal(size=(200, 50))

    result = sets.frechet_distance(sets.Gaussian.fit(real), sets.Gaussian.fit(fake))

    assert result.notes == (
        f"the reference set has {count} vectors for 50 dimensions: its covariance is "
        "rank-deficient and fd is biased; kid is unbiased at any size",
    )


def test_fd_of_duplicated_rows_is_finite_and_non_negative() -> None:
    # 5 distinct rows, each 6 times: a covariance of rank 4 in 10 dimensions.
    rng = np.random.default_rng(2)
    real = np.repeat(rng.normal(size=(5, 10)), 6, axis=0)
    fake = np.repeat(rng.normal(size=(4, 10)), 8, axis=0)

    value = imgsim.fd(real, fake)

    assert 0.0 <= value < math.inf


def test_fd_of_a_singular_set_with_itself_is_zero() -> None:
    # scipy's sqrtm of a singular Σ·Σ is inaccurate (pytorch-fid adds eps to the diagonal
    # then); the exact answer is 0.
    features = np.repeat(np.random.default_rng(3).normal(size=(5, 10)), 6, axis=0)

    value = imgsim.fd(features, features)

    assert value == pytest.approx(0.0, abs=1e-9)


# --------------------------------------------------------------------------- kid


@pytest.mark.parametrize(("seed", "n", "d"), [(3, 300, 10), (4, 50, 64), (5, 120, 2)])
def test_kid_with_one_subset_of_every_vector_is_the_unbiased_estimator(
    seed: int, n: int, d: int
) -> None:
    real, fake = correlated_gaussians(seed, n, d)

    mean, _ = imgsim.kid(real, fake, subsets=1, subset_size=n)

    assert mean == pytest.approx(unbiased_mmd2(real, fake), rel=1e-10)


def test_kid_is_reproducible_with_a_seed() -> None:
    real, fake = correlated_gaussians(6, n=400, d=8)

    first = imgsim.kid(real, fake, subsets=10, subset_size=100, seed=5)
    again = imgsim.kid(real, fake, subsets=10, subset_size=100, seed=5)

    assert first == again


def test_kid_changes_with_the_seed() -> None:
    real, fake = correlated_gaussians(7, n=400, d=8)

    first = imgsim.kid(real, fake, subsets=10, subset_size=100, seed=5)
    other = imgsim.kid(real, fake, subsets=10, subset_size=100, seed=6)

    assert first != other


def test_kid_of_two_draws_of_one_distribution_is_near_zero_next_to_two_distributions() -> None:
    rng = np.random.default_rng(8)
    real, fake = rng.normal(size=(1000, 8)), rng.normal(0.5, 1.2, size=(1000, 8))

    same, _ = imgsim.kid(real[:500], real[500:], subsets=20, subset_size=200)
    different, _ = imgsim.kid(real, fake, subsets=20, subset_size=200)

    assert abs(same) < different / 20


# --------------------------------------------------------------------------- prdc


def compute_prdc(real: Matrix, fake: Matrix, k: int) -> dict[str, float]:
    from prdc import compute_prdc as reference  # type: ignore[import-untyped]

    return {name: float(value) for name, value in reference(real, fake, nearest_k=k).items()}


PRDC_SHAPES = [(300, 250, 8, 5), (120, 200, 3, 3), (60, 400, 16, 10), (200, 90, 2, 1)]


@pytest.mark.parametrize("block_values", [search.BLOCK_VALUES, 997, 61])
@pytest.mark.parametrize(("n_real", "n_fake", "d", "k"), PRDC_SHAPES)
def test_prdc_equals_the_prdc_package(
    n_real: int,
    n_fake: int,
    d: int,
    k: int,
    block_values: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search, "BLOCK_VALUES", block_values)
    rng = np.random.default_rng(n_real + d)
    real, fake = rng.normal(size=(n_real, d)), rng.normal(0.3, 1.1, size=(n_fake, d))
    expected = compute_prdc(real, fake, k)

    values = imgsim.prdc(real, fake, k=k)

    # Counts agree exactly; density = mean/k here, (1/k)·mean in prdc: an ulp apart.
    assert values == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.parametrize("block_values", [search.BLOCK_VALUES, 61])
def test_prdc_on_integer_features_with_equal_distances_equals_the_prdc_package(
    block_values: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small integers: every distance is exact, many are equal, and a point exactly on a
    # ball's boundary is outside it in both implementations (strict <).
    monkeypatch.setattr(search, "BLOCK_VALUES", block_values)
    rng = np.random.default_rng(9)
    real = rng.integers(0, 4, size=(150, 4)).astype(np.float64)
    fake = rng.integers(0, 4, size=(130, 4)).astype(np.float64)
    expected = compute_prdc(real, fake, 4)

    values = imgsim.prdc(real, fake, k=4)

    assert values == pytest.approx(expected, rel=1e-12, abs=0)


# --------------------------------------------------------------------------- vendi


@pytest.mark.parametrize(("n", "d"), [(30, 64), (200, 16), (40, 40)])
def test_vendi_equals_the_entropy_of_the_similarity_eigenvalues(n: int, d: int) -> None:
    features = np.random.default_rng(n).normal(size=(n, d))

    value = imgsim.vendi(features)

    assert value == pytest.approx(vendi_by_eigenvalues(features), rel=1e-9)


def test_vendi_of_real_colour_histograms_equals_the_entropy_of_the_eigenvalues(
    photos: dict[str, RGB],
) -> None:
    features = imgsim.extract(photo_crops(photos, 300, side=48, seed=1), "color_hist")

    value = imgsim.vendi(features)

    assert value == pytest.approx(vendi_by_eigenvalues(features.astype(np.float64)), rel=1e-9)


def test_vendi_of_identical_vectors_is_1() -> None:
    features = np.tile([0.3, -1.0, 2.0, 0.5, 0.0], (12, 1))

    assert imgsim.vendi(features) == pytest.approx(1.0)


@pytest.mark.parametrize(("n", "d"), [(9, 9), (6, 20)])
def test_vendi_of_orthogonal_vectors_is_their_number(n: int, d: int) -> None:
    features = 3.0 * ortho_group.rvs(d, random_state=n)[:n]

    assert imgsim.vendi(features) == pytest.approx(float(n))

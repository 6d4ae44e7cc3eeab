"""Set metrics against independent references, and the same numbers on every path.

References: the Fréchet distance as pytorch-fid computes it (``scipy.linalg.sqrtm``
of Σ1Σ2) and its closed form for Gaussians with known parameters; KID's unbiased
estimator (Bińkowski et al. 2018) written out with scikit-learn's polynomial
kernel; the ``prdc`` package's ``compute_prdc`` (Naeem et al. 2020); the Vendi
score (Friedman & Dieng 2023) from the eigenvalues of SciPy's cosine similarity
matrix; and imagehash for ``imgsim diversity`` on perceptual hashes. The command
line, a statistics file and ``SetScorer`` are then checked to agree exactly.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pytest
import scipy.linalg
from conftest import CliResult, CliRunnerFn, load_photo
from numpy.typing import NDArray
from PIL import Image
from scipy.spatial.distance import cdist
from scipy.stats import ortho_group
from sklearn.metrics.pairwise import polynomial_kernel  # type: ignore[import-untyped]

import imgsim
from imgsim.metrics import search, sets
from imgsim.reference import ReferenceStats, SetOptions, SetScorer, score_sets

Matrix = NDArray[np.float64]
RGB = NDArray[np.uint8]

ALL_SET_METRICS = ["fd", "kid", "kid_std", "precision", "recall", "density", "coverage"]


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


def photo_crops(photos: dict[str, RGB], count: int, side: int, seed: int) -> list[RGB]:
    """``count`` random side x side crops, taken from each photograph in turn."""
    rng = np.random.default_rng(seed)
    pictures = list(photos.values())
    crops = []
    for index in range(count):
        pixels = pictures[index % len(pictures)]
        top = int(rng.integers(0, pixels.shape[0] - side))
        left = int(rng.integers(0, pixels.shape[1] - side))
        crops.append(pixels[top : top + side, left : left + side])
    return crops


# --------------------------------------------------------------------------- fd


@pytest.mark.parametrize(("seed", "n", "d"), [(0, 2000, 12), (1, 500, 3), (2, 3000, 40)])
def test_fd_equals_the_pytorch_fid_formula_on_random_gaussians(seed: int, n: int, d: int) -> None:
    x, y = correlated_gaussians(seed, n, d)

    value = imgsim.fd(x, y)

    assert value == pytest.approx(pytorch_fid(x, y), rel=1e-6)


@pytest.mark.parametrize(
    ("feature", "options", "columns"),
    [
        ("color_hist", {"bins": 2}, slice(None)),
        ("color_hist", {"bins": 3}, slice(None)),
        # Every 33rd pixel of the 32x32 thumbnail: 32 real features, far fewer than images.
        ("thumb", {}, slice(None, None, 33)),
    ],
)
def test_fd_equals_the_pytorch_fid_formula_on_real_features(
    photos: dict[str, RGB], feature: str, options: dict[str, int], columns: slice
) -> None:
    crops = photo_crops(photos, 1200, side=64, seed=0)
    params = imgsim.FeatureParams(**options)
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


# --------------------------------------------------------------------------- same numbers


def save_crops(folder: Path, crops: Sequence[RGB]) -> None:
    folder.mkdir()
    for index, pixels in enumerate(crops):
        Image.fromarray(pixels).save(folder / f"{index:02d}.png")


@pytest.fixture(scope="module")
def image_sets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reference/`` and ``generated/``: 48 PNG crops (64 x 64) each of the photographs,
    the generated ones with added noise."""
    from photos import PHOTOS

    photos = {name: load_photo(name) for name in PHOTOS}
    root = tmp_path_factory.mktemp("sets")
    save_crops(root / "reference", photo_crops(photos, 48, side=64, seed=10))
    noise = np.random.default_rng(11).integers(-20, 21, size=(48, 64, 64, 3))
    generated = np.stack(photo_crops(photos, 48, side=64, seed=12)) + noise
    save_crops(root / "generated", list(np.clip(generated, 0, 255).astype(np.uint8)))
    return root


def json_row(stdout: str) -> dict[str, Any]:
    """The metrics of the one row of ``--format json`` (the a and b columns left out)."""
    row: dict[str, Any] = json.loads(stdout)["rows"][0]
    return {key: value for key, value in row.items() if key not in ("a", "b")}


def decoded_batches(folder: Path, batch_size: int) -> list[RGB]:
    """The PNGs of ``folder`` in sorted order, as (B, H, W, 3) batches."""
    images = [np.asarray(Image.open(path).convert("RGB")) for path in sorted(folder.iterdir())]
    return [np.stack(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]


SET_OPTIONS = ["-k", "3", "--subsets", "20", "--subset-size", "30", "--seed", "4"]
FEATURE_OPTIONS = {
    "default feature": [],
    "color_hist --bins 4": ["-f", "color_hist", "--bins", "4"],
    "phash": ["-f", "phash"],
}


@pytest.mark.parametrize(
    "feature_options", list(FEATURE_OPTIONS.values()), ids=list(FEATURE_OPTIONS)
)
def test_folder_stats_file_and_set_scorer_give_the_same_numbers(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path, feature_options: list[str]
) -> None:
    reference, generated = image_sets / "reference", image_sets / "generated"
    metrics = ["-m", ",".join(ALL_SET_METRICS)]
    options = [*metrics, *feature_options, *SET_OPTIONS, "--format", "json"]
    stats = tmp_path / "reference.npz"

    from_folder = json_row(cli("compare", generated, reference, "--set", *options).stdout)
    cli("stats", reference, *feature_options, "--out", stats)
    from_stats = json_row(cli("compare", generated, stats, "--set", *options).stdout)
    from_scorer = []
    for batch_size in (1, 3, 48):
        scorer = SetScorer(
            ReferenceStats.load(stats),
            metrics=ALL_SET_METRICS,
            options=SetOptions(k=3, subsets=20, subset_size=30, seed=4),
        )
        for batch in decoded_batches(generated, batch_size):
            scorer.update(batch)
        from_scorer.append(scorer.compute())

    assert [from_stats, *from_scorer] == [from_folder] * 4


def test_set_metrics_of_a_folder_are_the_library_functions_on_its_features(
    cli: CliRunnerFn, image_sets: Path
) -> None:
    reference, generated = image_sets / "reference", image_sets / "generated"
    real = imgsim.extract(sorted(reference.iterdir()), "color_hist").astype(np.float64)
    fake = imgsim.extract(sorted(generated.iterdir()), "color_hist").astype(np.float64)
    kid_mean, kid_std = imgsim.kid(real, fake, subsets=20, subset_size=30, seed=4)
    expected = {"fd": imgsim.fd(real, fake), "kid": kid_mean, "kid_std": kid_std}
    expected.update(imgsim.prdc(real, fake, k=3))

    result = cli(
        "compare", generated, reference, "--set", "-m", ",".join(ALL_SET_METRICS),
        "-f", "color_hist", *SET_OPTIONS, "--format", "json",
    )  # fmt: skip

    assert json_row(result.stdout) == expected


# --------------------------------------------------------------------------- command line


def _failing_fd_gate(cli: CliRunnerFn, image_sets: Path) -> CliResult:
    return cli(
        "compare", image_sets / "generated", image_sets / "reference", "--set", "-m", "fd",
        "--gate", "fd<=0", "--format", "csv",
    )  # fmt: skip


def test_a_failing_set_gate_exits_1(cli: CliRunnerFn, image_sets: Path) -> None:
    assert _failing_fd_gate(cli, image_sets).exit_code == 1


def test_a_failing_set_gate_names_the_gate(cli: CliRunnerFn, image_sets: Path) -> None:
    result = _failing_fd_gate(cli, image_sets)

    gate_lines = [line for line in result.stderr.splitlines() if line.startswith("imgsim: gate")]
    assert gate_lines == ["imgsim: gate FAILED: fd<=0 on 1 row"]


def test_a_failing_set_gate_still_prints_the_row(cli: CliRunnerFn, image_sets: Path) -> None:
    generated, reference = image_sets / "generated", image_sets / "reference"

    result = cli(
        "compare", generated, reference, "--set", "-m", "kid", "--gate", "kid<=-1",
        "--format", "csv", "--subsets", "3", "--subset-size", "10",
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["a"], row["b"]) for row in rows] == [(str(generated), str(reference))]


def test_a_holding_set_gate_exits_0(cli: CliRunnerFn, image_sets: Path) -> None:
    result = cli(
        "compare", image_sets / "generated", image_sets / "reference", "--set", "-m", "fd",
        "--gate", "fd>=0", "--format", "csv",
    )  # fmt: skip

    assert result.exit_code == 0


def _against_stats_of(cli: CliRunnerFn, image_sets: Path, stats: Path, *feature: str) -> CliResult:
    """``imgsim compare --set -f color_hist`` against statistics made with ``feature``."""
    cli("stats", image_sets / "reference", *feature, "--out", stats)
    return cli("compare", image_sets / "generated", stats, "--set", "-f", "color_hist")


def test_a_stats_file_of_another_feature_is_a_usage_error(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    result = _against_stats_of(cli, image_sets, tmp_path / "reference.npz", "-f", "thumb")

    assert result.exit_code == 2


def test_a_stats_file_of_another_feature_is_refused_saying_how_to_rebuild_it(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    thumb, color_hist = imgsim.FEATURES["thumb"], imgsim.FEATURES["color_hist"]

    result = _against_stats_of(cli, image_sets, tmp_path / "reference.npz", "-f", "thumb")

    assert result.stderr == (
        f"imgsim: the reference statistics were made with thumb version {thumb.version}, "
        f"not color_hist (--bins 8) version {color_hist.version}; rebuild them with "
        "`imgsim stats REF -f color_hist --bins 8 --out FILE.npz`\n"
    )


def test_a_stats_file_with_other_bins_is_a_usage_error(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "reference.npz"

    result = _against_stats_of(cli, image_sets, stats, "-f", "color_hist", "--bins", "4")

    assert result.exit_code == 2


def test_a_stats_file_with_other_bins_is_refused_saying_how_to_rebuild_it(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "reference.npz"
    version = imgsim.FEATURES["color_hist"].version

    result = _against_stats_of(cli, image_sets, stats, "-f", "color_hist", "--bins", "4")

    assert result.stderr == (
        f"imgsim: the reference statistics were made with color_hist (--bins 4) version "
        f"{version}, not color_hist (--bins 8) version {version}; rebuild them with "
        "`imgsim stats REF -f color_hist --bins 8 --out FILE.npz`\n"
    )


def _unknown_set_metric(cli: CliRunnerFn, image_sets: Path) -> CliResult:
    return cli("compare", image_sets / "generated", image_sets / "reference", "--set", "-m", "fid")


def test_an_unknown_set_metric_exits_2(cli: CliRunnerFn, image_sets: Path) -> None:
    assert _unknown_set_metric(cli, image_sets).exit_code == 2


def test_an_unknown_set_metric_lists_the_set_metrics(cli: CliRunnerFn, image_sets: Path) -> None:
    assert _unknown_set_metric(cli, image_sets).stderr == (
        "imgsim: unknown set metric 'fid'; valid set metrics: "
        "fd, kid, kid_std, precision, recall, density, coverage\n"
    )


def test_stats_to_an_output_that_is_not_npz_is_a_usage_error(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    result = cli("stats", image_sets / "reference", "--out", tmp_path / "stats.csv")

    assert result.exit_code == 2


def test_stats_refuses_an_output_that_is_not_npz_naming_it(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stats.csv"

    result = cli("stats", image_sets / "reference", "--out", out)

    assert result.stderr == f"imgsim: --out must name an .npz file, got {out}\n"


def test_stats_refusing_an_output_writes_no_file(
    cli: CliRunnerFn, image_sets: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stats.csv"

    cli("stats", image_sets / "reference", "--out", out)

    assert not out.exists()


@pytest.fixture
def set_with_copies(tmp_path: Path, photos: dict[str, RGB]) -> Path:
    """Nine different photographs (96 x 96 PNG), the first saved three times and the
    second twice: 3 + 1 pairs of exact copies."""
    folder = tmp_path / "set"
    folder.mkdir()
    for name, pixels in photos.items():
        small = Image.fromarray(pixels).resize((96, 96), Image.Resampling.LANCZOS)
        small.save(folder / f"{name}.png")
    first, second = (folder / f"{name}.png" for name in list(photos)[:2])
    for copy in ("copy1", "copy2"):
        (folder / f"{first.stem}_{copy}.png").write_bytes(first.read_bytes())
    (folder / f"{second.stem}_copy1.png").write_bytes(second.read_bytes())
    return folder


def imagehash_diversity(folder: Path) -> dict[str, Any]:
    """The diversity row of ``folder`` on imagehash's phash: near-duplicates within 4 bits."""
    hashes = [imagehash.phash(Image.open(path)) for path in sorted(folder.iterdir())]
    pairs = [(a - b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    near = sum(distance <= 4 for distance in pairs)
    bits = np.stack([h.hash.reshape(-1) for h in hashes]).astype(np.float64)
    return {
        "path": str(folder),
        "feature": "phash",
        "distance": "hamming",
        "threshold": 4.0,
        "images": len(hashes),
        "mean_distance": sum(pairs) / len(pairs),
        "vendi": imgsim.vendi(bits),
        "near_duplicates": near,
        "near_duplicate_ratio": near / len(pairs),
    }


def test_diversity_counts_exact_copies_as_near_duplicates(
    cli: CliRunnerFn, set_with_copies: Path
) -> None:
    result = cli("diversity", set_with_copies, "-f", "phash", "--format", "json")

    # The nine photographs are at least 20 bits apart: only the copies are within 4.
    assert json.loads(result.stdout)["rows"][0]["near_duplicates"] == 4


def test_diversity_on_phash_is_the_row_imagehash_gives(
    cli: CliRunnerFn, set_with_copies: Path
) -> None:
    expected = imagehash_diversity(set_with_copies)

    result = cli("diversity", set_with_copies, "-f", "phash", "--format", "json")

    assert json.loads(result.stdout)["rows"] == [expected]


def test_diversity_vendi_is_the_library_vendi_of_the_same_features(
    cli: CliRunnerFn, image_sets: Path
) -> None:
    folder = image_sets / "reference"
    expected = imgsim.vendi(imgsim.extract(sorted(folder.iterdir()), "color_hist"))

    result = cli("diversity", folder, "--format", "json")

    assert json.loads(result.stdout)["rows"][0]["vendi"] == expected


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of ``sets.<name>``; the list grows by one per call."""
    calls: list[int] = []
    original = getattr(sets, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(sets, name, counted)
    return calls


def test_kid_and_kid_std_come_from_one_kid_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    reference = ReferenceStats.from_features(rng.random((40, 4)).astype(np.float32))
    calls = _counting(monkeypatch, "kid")

    score_sets(reference, rng.random((30, 4)), ["kid", "fd", "kid_std"])

    assert len(calls) == 1


def test_precision_recall_density_coverage_come_from_one_prdc_computation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(0)
    reference = ReferenceStats.from_features(rng.random((40, 4)).astype(np.float32))
    calls = _counting(monkeypatch, "prdc")

    score_sets(reference, rng.random((30, 4)), ["precision", "recall", "density", "coverage"])

    assert len(calls) == 1


def test_set_scores_follow_the_order_asked_for() -> None:
    rng = np.random.default_rng(0)
    reference = ReferenceStats.from_features(rng.random((40, 4)).astype(np.float32))

    scores = score_sets(reference, rng.random((30, 4)), ["coverage", "kid_std", "fd"])

    assert list(scores.values) == ["coverage", "kid_std", "fd"]

"""Set metrics against their published references, and the same numbers on every path.

References: the Fréchet distance as pytorch-fid computes it (``scipy.linalg.sqrtm``
of Σ1Σ2), KID's unbiased estimator written out from Bińkowski et al. 2018, the
``prdc`` package's ``compute_prdc`` (Naeem et al. 2020), and the Vendi score as
the exponential of the entropy of the eigenvalues of K/n (Friedman & Dieng 2023).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from numpy.typing import NDArray
from PIL import Image

import imgsim
from imgsim.metrics import search, sets
from imgsim.reference import ReferenceStats, SetOptions, SetScorer, feature_matrix
from tests.conftest import CliRunnerFn

Matrix = NDArray[np.float64]


def pytorch_fid(x: Matrix, y: Matrix) -> float:
    mu1, mu2 = x.mean(axis=0), y.mean(axis=0)
    sigma1, sigma2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def kid_direct(x: Matrix, y: Matrix) -> float:
    m, d = x.shape
    k_xx = (x @ x.T / d + 1) ** 3
    k_yy = (y @ y.T / d + 1) ** 3
    k_xy = (x @ y.T / d + 1) ** 3
    within = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1)) + (k_yy.sum() - np.trace(k_yy)) / (
        m * (m - 1)
    )
    return float(within - 2 * k_xy.mean())


def vendi_direct(x: Matrix) -> float:
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    eigenvalues = np.linalg.eigvalsh(unit @ unit.T / len(x))
    eigenvalues = eigenvalues[eigenvalues > 1e-12]
    return float(np.exp(-(eigenvalues * np.log(eigenvalues)).sum()))


def _gaussians(seed: int, n: int = 2000, d: int = 12) -> tuple[Matrix, Matrix]:
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d))
    x = rng.normal(size=(n, d)) @ mixing
    y = rng.normal(0.5, 1.2, size=(n, d)) @ mixing
    return x, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fd_equals_the_pytorch_fid_formula_on_random_gaussians(seed: int) -> None:
    x, y = _gaussians(seed)
    assert sets.fd(x, y) == pytest.approx(pytorch_fid(x, y), rel=1e-6)


def test_fd_equals_the_pytorch_fid_formula_on_real_features(
    photos: dict[str, NDArray[np.uint8]],
) -> None:
    rng = np.random.default_rng(0)
    crops = []
    for pixels in photos.values():
        for _ in range(40):
            top = int(rng.integers(0, pixels.shape[0] - 64))
            left = int(rng.integers(0, pixels.shape[1] - 64))
            crops.append(pixels[top : top + 64, left : left + 64])
    vectors = imgsim.extract(crops, "color_hist", params=imgsim.FeatureParams(bins=3))
    x, y = vectors[::2].astype(np.float64), vectors[1::2].astype(np.float64)
    assert sets.fd(x, y) == pytest.approx(pytorch_fid(x, y), rel=1e-6)


def test_fd_of_isotropic_gaussians_is_the_closed_form() -> None:
    d = 7
    real = sets.Gaussian(np.zeros(d), 4.0 * np.eye(d), 10_000)
    fake = sets.Gaussian(np.full(d, 0.5), 9.0 * np.eye(d), 10_000)
    # |mu1 - mu2|^2 + d (s1 - s2)^2 with s1 = 2, s2 = 3
    expected = d * 0.25 + d * (2.0 - 3.0) ** 2
    assert sets.frechet_distance(real, fake).value == pytest.approx(expected, rel=1e-12)


def test_fd_with_fewer_vectors_than_dimensions_is_finite_and_says_so() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 50)), rng.normal(size=(10, 50))
    result = sets.frechet_distance(sets.Gaussian.fit(x), sets.Gaussian.fit(y))
    assert (np.isfinite(result.value), result.value >= 0, "kid" in " ".join(result.notes)) == (
        True,
        True,
        True,
    )


def test_kid_with_one_full_subset_is_the_unbiased_estimator() -> None:
    x, y = _gaussians(3, n=300, d=10)
    mean, std = sets.kid(x, y, subsets=1, subset_size=300)
    assert (mean, std) == (pytest.approx(kid_direct(x, y), rel=1e-10), 0.0)


def test_kid_is_reproducible_with_a_seed() -> None:
    x, y = _gaussians(4, n=400, d=8)
    first = sets.kid(x, y, subsets=10, subset_size=100, seed=5)
    again = sets.kid(x, y, subsets=10, subset_size=100, seed=5)
    other = sets.kid(x, y, subsets=10, subset_size=100, seed=6)
    assert (first == again, first == other) == (True, False)


def test_kid_of_one_distribution_is_near_zero_next_to_two() -> None:
    x, y = _gaussians(5, n=1000, d=8)
    same = sets.kid(x[:500], x[500:], subsets=20, subset_size=200)[0]
    different = sets.kid(x, y, subsets=20, subset_size=200)[0]
    assert abs(same) < different / 50


@pytest.mark.parametrize(
    ("n_real", "n_fake", "d", "k"), [(300, 250, 8, 5), (120, 200, 3, 3), (400, 400, 16, 10)]
)
@pytest.mark.parametrize("block_values", [search.BLOCK_VALUES, 997])
def test_prdc_equals_the_prdc_package(
    n_real: int, n_fake: int, d: int, k: int, block_values: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prdc import compute_prdc

    monkeypatch.setattr(search, "BLOCK_VALUES", block_values)
    rng = np.random.default_rng(n_real + d)
    real, fake = rng.normal(size=(n_real, d)), rng.normal(0.3, 1.1, size=(n_fake, d))
    expected = {key: float(v) for key, v in compute_prdc(real, fake, nearest_k=k).items()}
    assert sets.prdc(real, fake, k=k) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("n", "d"), [(30, 64), (200, 16)])
def test_vendi_equals_the_eigenvalue_entropy(n: int, d: int) -> None:
    x = np.random.default_rng(n).normal(size=(n, d))
    assert sets.vendi(x) == pytest.approx(vendi_direct(x), rel=1e-9)


def test_vendi_counts_identical_and_orthogonal_vectors() -> None:
    assert (sets.vendi(np.ones((12, 5))), sets.vendi(np.eye(9))) == (
        pytest.approx(1.0),
        pytest.approx(9.0),
    )


# --------------------------------------------------------------------------- same numbers


@pytest.fixture(scope="module")
def sets_on_disk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reference/`` and ``generated/``: 40 PNG crops each of the photographs."""
    from tests.conftest import load_photo

    root = tmp_path_factory.mktemp("sets")
    rng = np.random.default_rng(1)
    photos = [load_photo(name) for name in ("astronaut", "coffee", "chelsea", "rocket")]
    for name, noise in (("reference", 0), ("generated", 25)):
        folder = root / name
        folder.mkdir()
        for index in range(40):
            pixels = photos[index % len(photos)]
            top = int(rng.integers(0, pixels.shape[0] - 96))
            left = int(rng.integers(0, pixels.shape[1] - 96))
            crop = pixels[top : top + 96, left : left + 96].astype(np.int16)
            crop += rng.integers(-noise, noise + 1, crop.shape).astype(np.int16)
            Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).save(
                folder / f"{index:02d}.png"
            )
    return root


def _set_row(stdout: str) -> dict[str, float]:
    row = json.loads(stdout)["rows"][0]
    return {key: value for key, value in row.items() if key not in ("a", "b")}


@pytest.mark.parametrize("feature", ["color_hist", "thumb"])
def test_cli_stats_file_and_set_scorer_give_the_same_numbers(
    cli: CliRunnerFn, sets_on_disk: Path, tmp_path: Path, feature: str
) -> None:
    reference, generated = sets_on_disk / "reference", sets_on_disk / "generated"
    metrics = "fd,kid,kid_std,precision,recall,density,coverage"
    options = ("-f", feature, "-m", metrics, "-k", "3", "--subsets", "20", "--subset-size", "30")
    from_folder = _set_row(
        cli("compare", generated, reference, "--set", *options, "--format", "json").stdout
    )
    stats = tmp_path / "reference.npz"
    cli("stats", reference, "-f", feature, "--out", stats)
    from_stats = _set_row(
        cli("compare", generated, stats, "--set", *options, "--format", "json").stdout
    )
    images = [np.asarray(Image.open(p).convert("RGB")) for p in sorted(generated.iterdir())]
    scorers = []
    for batch_size in (1, 3, len(images)):
        scorer = SetScorer(
            ReferenceStats.load(stats),
            metrics=metrics.split(","),
            options=SetOptions(k=3, subsets=20, subset_size=30),
        )
        for start in range(0, len(images), batch_size):
            scorer.update(np.stack(images[start : start + batch_size]))
        scorers.append(scorer.compute())
    assert [from_stats, *scorers] == [from_folder] * 4


def test_a_stats_file_of_another_feature_is_refused(
    cli: CliRunnerFn, sets_on_disk: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "reference.npz"
    cli("stats", sets_on_disk / "reference", "-f", "thumb", "--out", stats)
    result = cli("compare", sets_on_disk / "generated", stats, "--set", "-f", "color_hist")
    assert (result.exit_code, "made with thumb" in result.stderr) == (2, True)


def test_a_stats_file_with_other_options_is_refused(
    cli: CliRunnerFn, sets_on_disk: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "reference.npz"
    cli("stats", sets_on_disk / "reference", "-f", "color_hist", "--bins", "4", "--out", stats)
    result = cli("compare", sets_on_disk / "generated", stats, "--set", "-f", "color_hist")
    assert (result.exit_code, "--bins 4" in result.stderr, "--bins 8" in result.stderr) == (
        2,
        True,
        True,
    )


def test_a_set_gate_fails_the_run(cli: CliRunnerFn, sets_on_disk: Path) -> None:
    result = cli(
        "compare", sets_on_disk / "generated", sets_on_disk / "reference", "--set", "-m", "fd",
        "--gate", "fd<=0", "--format", "csv",
    )  # fmt: skip
    assert (result.exit_code, "gate FAILED: fd<=0" in result.stderr) == (1, True)


def test_an_unknown_set_metric_lists_the_valid_ones(cli: CliRunnerFn, sets_on_disk: Path) -> None:
    result = cli(
        "compare", sets_on_disk / "generated", sets_on_disk / "reference", "--set", "-m", "fid"
    )
    assert (result.exit_code, "valid set metrics: fd, kid" in result.stderr) == (2, True)


def test_stats_needs_an_npz(cli: CliRunnerFn, sets_on_disk: Path, tmp_path: Path) -> None:
    result = cli("stats", sets_on_disk / "reference", "--out", tmp_path / "stats.csv")
    assert (result.exit_code, "--out must name an .npz file" in result.stderr) == (2, True)


def test_diversity_counts_exact_copies_and_its_vendi_is_the_library_one(
    cli: CliRunnerFn, sets_on_disk: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    sources = sorted((sets_on_disk / "reference").iterdir())[:6]
    for source in sources:
        (folder / source.name).write_bytes(source.read_bytes())
    (folder / "copy.png").write_bytes(sources[0].read_bytes())
    result = cli("diversity", folder, "-f", "phash", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    hashes = imgsim.extract(sorted(folder.iterdir()), "phash")
    expected_vendi = sets.vendi(feature_matrix(imgsim.FEATURES["phash"], hashes))
    assert (result.exit_code, int(row["near_duplicates"]) >= 1) == (0, True)
    assert float(row["vendi"]) == pytest.approx(expected_vendi, rel=1e-12)

"""``onnx:`` features in every command that reads features: ``compare --set`` (against
folders and ``stats`` files), ``rank``, ``duplicates``, pairs under ``-m
onnx:MODEL:cosine``, and :class:`imgsim.SetScorer`.

The set metrics are checked against the reference formulas on the NumPy twin's
features of the same Pillow-decoded images: pytorch-fid's ``calculate_frechet_distance``
(``scipy.linalg.sqrtm``) and clean-fid's ``kernel_distance``, both transcribed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from cli_support import RGB, csv_rows, pillow_rgb
from conftest import SAMPLES, CliResult, CliRunnerFn
from numpy.typing import NDArray
from onnx_support import ConvNet, reference_input
from scipy import linalg
from scipy.spatial.distance import cosine
from set_support import build_image_sets, json_row

import imgsim

NET = ConvNet.random(seed=3)
"""Seed 3: no ReLU map of the crops is all zero, so the covariance of the pooled output
is well conditioned (condition number about 200) and the Frechet distance is exact."""
OTHER_NET = ConvNet.random(seed=5)
SIZE = (32, 32)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``reference/`` and ``generated/`` (48 crops of 64 x 64 each), the model with two
    outputs, and a model of the same shape with other weights."""
    base = build_image_sets(tmp_path_factory.mktemp("sets"))
    NET.save(base / "model.onnx", ["N", 3, *SIZE], two_outputs=True)
    OTHER_NET.save(base / "other.onnx", ["N", 3, *SIZE], two_outputs=True)
    return base


def pooled(root: Path, model: str = "model.onnx") -> str:
    return f"onnx:{root / model}#pooled"


def decoded(folder: Path) -> list[RGB]:
    return [pillow_rgb(path) for path in sorted(folder.glob("*.*")) if path.suffix != ".md"]


def twin_pooled(folder: Path) -> NDArray[np.float64]:
    """The twin's second output on the images of ``folder``."""
    return NET.pooled(reference_input(decoded(folder), SIZE))


def frechet_distance(real: NDArray[np.float64], fake: NDArray[np.float64]) -> float:
    """pytorch-fid's ``calculate_frechet_distance`` (fid_score.py) on two feature sets."""
    mu1, mu2 = real.mean(axis=0), fake.mean(axis=0)
    sigma1, sigma2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    covmean = np.real(covmean)
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def kernel_distance(real: NDArray[np.float64], fake: NDArray[np.float64]) -> float:
    """clean-fid's ``kernel_distance`` (fid.py) with one subset holding both whole sets:
    what every subset is when the sets are smaller than the subset size (the unbiased
    MMD² does not depend on the order of the vectors)."""
    n = real.shape[1]
    m = min(len(real), len(fake))
    x, y = real[:m], fake[:m]
    a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
    b = (x @ y.T / n + 1) ** 3
    t = (a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m
    return float(t / m)


def set_scores(result: CliResult) -> dict[str, float]:
    assert result.exit_code == 0, result.stderr
    return {name: float(value) for name, value in json_row(result.stdout).items()}


def compare_sets(cli_once: CliRunnerFn, root: Path, reference: Path, *options: str) -> CliResult:
    return cli_once(
        "compare", root / "generated", reference, "--set", "-f", pooled(root), "-m", "fd,kid",
        "--format", "json", *options,
    )  # fmt: skip


@pytest.fixture(scope="module")
def stats_file(root: Path, cli_once: CliRunnerFn) -> Path:
    out = root / "reference.npz"
    result = cli_once("stats", root / "reference", "-f", pooled(root), "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


# --- compare --set and stats -------------------------------------------------------------


def test_fd_of_two_folders_is_pytorch_fids_on_the_twins_features(
    cli_once: CliRunnerFn, root: Path
) -> None:
    scores = set_scores(compare_sets(cli_once, root, root / "reference"))
    expected = frechet_distance(twin_pooled(root / "reference"), twin_pooled(root / "generated"))
    assert scores["fd"] == pytest.approx(expected, rel=1e-5)


def test_kid_of_two_folders_is_clean_fids_on_the_twins_features(
    cli_once: CliRunnerFn, root: Path
) -> None:
    scores = set_scores(compare_sets(cli_once, root, root / "reference"))
    expected = kernel_distance(twin_pooled(root / "reference"), twin_pooled(root / "generated"))
    assert scores["kid"] == pytest.approx(expected, rel=1e-5)


def test_a_stats_file_gives_the_numbers_of_its_folder(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    against_file = set_scores(compare_sets(cli_once, root, stats_file))
    against_folder = set_scores(compare_sets(cli_once, root, root / "reference"))
    assert against_file == pytest.approx(against_folder, rel=1e-9)


def test_stats_of_another_model_are_refused(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    result = cli_once(
        "compare", root / "generated", stats_file, "--set", "-f", pooled(root, "other.onnx"),
    )  # fmt: skip
    assert result.exit_code == 2


def test_stats_of_another_model_are_refused_with_a_message(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    result = cli_once(
        "compare", root / "generated", stats_file, "--set", "-f", pooled(root, "other.onnx"),
    )  # fmt: skip
    assert "the reference statistics were made with" in result.stderr


def test_stats_of_other_options_are_refused(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    result = compare_sets(cli_once, root, stats_file, "--onnx-range", "0,255")
    assert result.exit_code == 2


def test_stats_of_other_options_are_refused_naming_the_option(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    result = compare_sets(cli_once, root, stats_file, "--onnx-range", "0,255")
    assert "--onnx-range 0.0,255.0" in result.stderr


def test_stats_are_accepted_for_the_same_model_in_another_place(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    """The statistics record the model by its digest: a copy of the file elsewhere (as
    on another machine) is the same model."""
    copy = shutil.copy(root / "model.onnx", root / "elsewhere.onnx")
    result = cli_once(
        "compare", root / "generated", stats_file, "--set", "-f", f"onnx:{copy}#pooled",
        "-m", "fd", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


# --- SetScorer ---------------------------------------------------------------------------


def test_set_scorer_on_a_stats_file_gives_the_clis_numbers(
    cli_once: CliRunnerFn, root: Path, stats_file: Path
) -> None:
    scorer = imgsim.SetScorer(
        imgsim.ReferenceStats.load(stats_file), feature=pooled(root), metrics=["fd", "kid"]
    )
    generated = decoded(root / "generated")
    scorer.update(np.stack(generated[:20]))
    scorer.update(generated[20:])
    cli_scores = set_scores(compare_sets(cli_once, root, stats_file))
    assert scorer.compute() == pytest.approx(cli_scores, rel=1e-6)


def test_set_scorer_on_the_twins_features_gives_the_clis_numbers(
    cli_once: CliRunnerFn, root: Path
) -> None:
    reference = imgsim.ReferenceStats.from_features(
        twin_pooled(root / "reference"), feature=pooled(root)
    )
    scorer = imgsim.SetScorer(reference, feature=pooled(root), metrics=["fd", "kid"])
    scorer.update(decoded(root / "generated"))
    cli_scores = set_scores(compare_sets(cli_once, root, root / "reference"))
    assert scorer.compute() == pytest.approx(cli_scores, rel=1e-5)


# --- rank, duplicates, pairs -------------------------------------------------------------


def test_rank_finds_each_generated_images_own_reference_first(cli: CliRunnerFn, root: Path) -> None:
    """sample_images/generated holds a graded copy of each reference (noise, blur, hue,
    JPEG, …); the model's first output, 1024 values, tells them apart."""
    model = f"onnx:{root / 'model.onnx'}"
    result = cli(
        "rank", SAMPLES / "generated", SAMPLES / "reference", "-f", model, "-k", "1",
        "--format", "csv",
    )  # fmt: skip
    pairs = [(Path(row["query"]).stem, Path(row["match"]).stem) for row in csv_rows(result.stdout)]
    assert pairs == [(stem, stem) for stem, _ in pairs]


def test_duplicates_finds_a_planted_copy(cli: CliRunnerFn, root: Path, tmp_path: Path) -> None:
    folder = shutil.copytree(SAMPLES / "reference", tmp_path / "set")
    shutil.copy(folder / "chelsea.png", folder / "planted.png")
    result = cli(
        "duplicates", folder, "-f", f"onnx:{root / 'model.onnx'}", "--threshold", "0.999",
        "--format", "csv",
    )  # fmt: skip
    assert [Path(row["path"]).name for row in csv_rows(result.stdout)] == [
        "chelsea.png",
        "planted.png",
    ]


def test_pairs_under_the_cosine_of_a_model_output(cli: CliRunnerFn, root: Path) -> None:
    result = cli(
        "compare", SAMPLES / "generated", SAMPLES / "reference", "-m",
        f"{pooled(root)}:cosine", "--format", "json",
    )  # fmt: skip
    rows = json.loads(result.stdout)["rows"]
    actual = [row[f"{pooled(root)}:cosine"] for row in rows]
    generated = NET.pooled(reference_input(decoded(SAMPLES / "generated"), SIZE))
    reference = NET.pooled(reference_input(decoded(SAMPLES / "reference"), SIZE))
    expected = [1 - cosine(a, b) for a, b in zip(generated, reference, strict=True)]
    np.testing.assert_allclose(actual, expected, atol=1e-5)

"""Sets too small or features too wide for a set metric, through the real command line.

Each metric's minimum is checked before anything is computed (fd and kid: 2 images
in each set; precision, recall, density and coverage: more than k), and named in one
line with exit 2. Features wider than the covariance limit (``color_hist --bins 64``:
262,144 dimensions, a 512 GiB covariance) get statistics without a covariance: kid
and precision still work, fd is refused.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def run_imgsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``imgsim ARGS…`` in a subprocess, run once per distinct command (tests of the exit
    code and of the message share the run)."""
    return _run(tuple(map(str, args)))


@functools.cache
def _run(args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imgsim", *args, "-j", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six small PNGs of random colours in ``set/``, and ``one/`` holding one of them."""
    root = tmp_path_factory.mktemp("limits")
    (root / "set").mkdir()
    (root / "one").mkdir()
    rng = np.random.default_rng(13)
    for index in range(6):
        pixels = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / "set" / f"image_{index}.png")
    (root / "one" / "a.png").write_bytes((root / "set" / "image_0.png").read_bytes())
    (root / "one" / "b.png").write_bytes((root / "set" / "image_1.png").read_bytes())
    return root


@pytest.fixture(scope="module")
def wide_stats(images: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """``imgsim stats set/ --bins 64``: the run, and the file it wrote."""
    out = images / "wide.npz"
    return run_imgsim("stats", images / "set", "--bins", "64", "--out", out), out


def test_stats_of_one_image_exits_2(images: Path) -> None:
    result = run_imgsim("stats", images / "one" / "a.png", "--out", images / "one.npz")
    assert result.returncode == 2


def test_stats_of_one_image_names_the_limit_of_2(images: Path) -> None:
    result = run_imgsim("stats", images / "one" / "a.png", "--out", images / "one.npz")
    assert (
        "imgsim: statistics need at least 2 images, got 1: fd and kid need 2 in each set, "
        "precision, recall, density and coverage more than k"
    ) in result.stderr.splitlines()


def test_compare_set_of_two_single_images_exits_2(images: Path) -> None:
    one = images / "one"
    assert run_imgsim("compare", one / "a.png", one / "b.png", "--set").returncode == 2


def test_compare_set_of_two_single_images_names_fd_and_its_limit(images: Path) -> None:
    one = images / "one"
    result = run_imgsim("compare", one / "a.png", one / "b.png", "--set")
    assert (
        "imgsim: fd needs at least 2 images in each set (for a covariance); the reference set has 1"
    ) in result.stderr.splitlines()


def test_kid_of_a_single_generated_image_names_the_generated_set(images: Path) -> None:
    result = run_imgsim("compare", images / "one" / "a.png", images / "set", "--set", "-m", "kid")
    assert (
        "imgsim: kid needs at least 2 images in each set; the generated set has 1"
    ) in result.stderr.splitlines()


def test_precision_with_k_as_large_as_the_set_names_k(images: Path) -> None:
    result = run_imgsim(
        "compare", images / "set", images / "set", "--set", "-m", "precision", "-k", "6"
    )
    assert (
        "imgsim: precision needs more than k=6 images in each set (k neighbours of each); "
        "the reference set has 6 images: use a smaller k or more images"
    ) in result.stderr.splitlines()


def test_stats_of_features_too_wide_for_a_covariance_succeeds(
    wide_stats: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = wide_stats
    assert result.returncode == 0


def test_kid_and_precision_work_against_wide_statistics(
    images: Path, wide_stats: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    _, stats = wide_stats
    result = run_imgsim(
        "compare", images / "set", stats, "--set", "--bins", "64",
        "-m", "kid,precision", "-k", "2", "--format", "csv",
    )  # fmt: skip
    assert result.returncode == 0


def test_fd_against_wide_statistics_names_the_dimension_and_the_limit(
    images: Path, wide_stats: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    _, stats = wide_stats
    result = run_imgsim("compare", images / "set", stats, "--set", "--bins", "64", "-m", "fd")
    assert (
        "imgsim: fd needs the covariance of each set, and color_hist (bins 64) has 262,144 "
        "dimensions, more than the 4,096 imgsim computes a covariance for (128 MiB); use "
        "fewer bins, or kid, precision, recall, density or coverage, which need no covariance"
    ) in result.stderr.splitlines()


def test_fd_of_two_wide_folders_exits_2(images: Path) -> None:
    result = run_imgsim(
        "compare", images / "set", images / "set", "--set", "--bins", "64", "-m", "fd"
    )
    assert result.returncode == 2

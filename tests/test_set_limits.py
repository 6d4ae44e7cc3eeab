"""Sets too small or features too wide for a set metric, through the real command line.

Each metric's minimum is checked before anything is computed (fd and kid: 2 images
in each set; precision, recall, density and coverage: more than k), and named in one
line with exit 2. Features wider than the covariance limit (``color_hist --bins 64``:
262,144 dimensions, a 512 GiB covariance) get statistics without a covariance: kid
and precision still work, fd is refused.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_support import run_imgsim
from PIL import Image

ImgsimOnce = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def imgsim_once(tmp_path_factory: pytest.TempPathFactory) -> ImgsimOnce:
    """``python -m imgsim ARGS… -j 1``, run once per distinct command (tests of the exit
    code and of the message share the run), each run with a store of its own: a
    module-scoped fixture runs before the per-test store of tests/conftest.py is set."""
    runs: dict[tuple[str, ...], subprocess.CompletedProcess[str]] = {}

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        key = tuple(map(str, args))
        if key not in runs:
            store = tmp_path_factory.mktemp("store") / "features.sqlite"
            runs[key] = run_imgsim(*key, "-j", "1", cache=store)
        return runs[key]

    return run


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


WideStats = tuple[subprocess.CompletedProcess[str], Path]


@pytest.fixture(scope="module")
def wide_stats(images: Path, imgsim_once: ImgsimOnce) -> WideStats:
    """``imgsim stats set/ -f color_hist --bins 64``: the run, and the file it wrote."""
    out = images / "wide.npz"
    wide = ("-f", "color_hist", "--bins", "64")
    return imgsim_once("stats", images / "set", *wide, "--out", out), out


def _stats_of_one_image(imgsim_once: ImgsimOnce, images: Path) -> subprocess.CompletedProcess[str]:
    return imgsim_once("stats", images / "one" / "a.png", "--out", images / "one.npz")


def test_stats_of_one_image_exits_2(imgsim_once: ImgsimOnce, images: Path) -> None:
    assert _stats_of_one_image(imgsim_once, images).returncode == 2


def test_stats_of_one_image_names_the_limit_of_2(imgsim_once: ImgsimOnce, images: Path) -> None:
    expected = (
        "imgsim: statistics need at least 2 images, got 1: fd and kid need 2 in each set, "
        "precision, recall, density and coverage more than k"
    )

    result = _stats_of_one_image(imgsim_once, images)

    assert expected in result.stderr.splitlines()


def _compare_two_single_images(
    imgsim_once: ImgsimOnce, images: Path
) -> subprocess.CompletedProcess[str]:
    one = images / "one"
    return imgsim_once("compare", one / "a.png", one / "b.png", "--set")


def test_compare_set_of_two_single_images_exits_2(imgsim_once: ImgsimOnce, images: Path) -> None:
    assert _compare_two_single_images(imgsim_once, images).returncode == 2


def test_compare_set_of_two_single_images_names_fd_and_its_limit(
    imgsim_once: ImgsimOnce, images: Path
) -> None:
    expected = (
        "imgsim: fd needs at least 2 images in each set (for a covariance); the reference set has 1"
    )

    result = _compare_two_single_images(imgsim_once, images)

    assert expected in result.stderr.splitlines()


def _kid_of_one_generated_image(
    imgsim_once: ImgsimOnce, images: Path
) -> subprocess.CompletedProcess[str]:
    return imgsim_once("compare", images / "one" / "a.png", images / "set", "--set", "-m", "kid")


def test_kid_of_a_single_generated_image_exits_2(imgsim_once: ImgsimOnce, images: Path) -> None:
    assert _kid_of_one_generated_image(imgsim_once, images).returncode == 2


def test_kid_of_a_single_generated_image_names_the_generated_set(
    imgsim_once: ImgsimOnce, images: Path
) -> None:
    expected = "imgsim: kid needs at least 2 images in each set; the generated set has 1"

    result = _kid_of_one_generated_image(imgsim_once, images)

    assert expected in result.stderr.splitlines()


def _precision_with_k_of_6(
    imgsim_once: ImgsimOnce, images: Path
) -> subprocess.CompletedProcess[str]:
    return imgsim_once(
        "compare", images / "set", images / "set", "--set", "-m", "precision", "-k", "6"
    )


def test_precision_with_k_as_large_as_the_set_exits_2(
    imgsim_once: ImgsimOnce, images: Path
) -> None:
    assert _precision_with_k_of_6(imgsim_once, images).returncode == 2


def test_precision_with_k_as_large_as_the_set_names_k(
    imgsim_once: ImgsimOnce, images: Path
) -> None:
    expected = (
        "imgsim: precision needs more than k=6 images in each set (k neighbours of each); "
        "the reference set has 6 images: use a smaller k or more images"
    )

    result = _precision_with_k_of_6(imgsim_once, images)

    assert expected in result.stderr.splitlines()


def test_stats_of_features_too_wide_for_a_covariance_succeeds(wide_stats: WideStats) -> None:
    result, _ = wide_stats

    assert result.returncode == 0


def test_kid_and_precision_work_against_wide_statistics(
    imgsim_once: ImgsimOnce, images: Path, wide_stats: WideStats
) -> None:
    _, stats = wide_stats

    result = imgsim_once(
        "compare", images / "set", stats, "--set", "-f", "color_hist", "--bins", "64",
        "-m", "kid,precision", "-k", "2", "--format", "csv",
    )  # fmt: skip

    assert result.returncode == 0


def _fd_against_wide_statistics(
    imgsim_once: ImgsimOnce, images: Path, stats: Path
) -> subprocess.CompletedProcess[str]:
    return imgsim_once(
        "compare", images / "set", stats, "--set", "-f", "color_hist", "--bins", "64", "-m", "fd"
    )


def test_fd_against_wide_statistics_exits_2(
    imgsim_once: ImgsimOnce, images: Path, wide_stats: WideStats
) -> None:
    _, stats = wide_stats

    assert _fd_against_wide_statistics(imgsim_once, images, stats).returncode == 2


def test_fd_against_wide_statistics_names_the_dimension_and_the_limit(
    imgsim_once: ImgsimOnce, images: Path, wide_stats: WideStats
) -> None:
    _, stats = wide_stats
    expected = (
        "imgsim: fd needs the covariance of each set, and color_hist (bins 64, space hsv) has "
        "262,144 dimensions, more than the 4,096 imgsim computes a covariance for (128 MiB); use "
        "fewer bins, or kid, precision, recall, density or coverage, which need no covariance"
    )

    result = _fd_against_wide_statistics(imgsim_once, images, stats)

    assert expected in result.stderr.splitlines()


def test_fd_of_two_wide_folders_exits_2(imgsim_once: ImgsimOnce, images: Path) -> None:
    result = imgsim_once(
        "compare", images / "set", images / "set", "--set",
        "-f", "color_hist", "--bins", "64", "-m", "fd",
    )  # fmt: skip

    assert result.returncode == 2

"""What a first user trips on, through the real program: the version, help that says
what is required, counts in good English, JSON of one shape, and inputs that are
passed over only with a word about them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import run_imgsim
from conftest import SAMPLES

import imgsim

IMGSIM = [sys.executable, "-m", "imgsim"]
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)


def test_version_prints_the_version() -> None:
    assert run_imgsim("--version").stdout == f"imgsim {imgsim.__version__}\n"


def test_extract_help_says_that_a_feature_is_required() -> None:
    assert "required" in run_imgsim("extract", "--help").stdout


def test_one_image_is_counted_as_one_image() -> None:
    result = run_imgsim("extract", SAMPLES / "reference" / "camera.png", "-f", "ahash")
    assert result.stderr.splitlines()[-1] == (
        "imgsim: 1 image: 1 computed, 0 from the store, 0 unreadable"
    )


def test_extract_json_has_rows_summary_and_gates() -> None:
    result = run_imgsim("extract", SAMPLES / "reference", "-f", "ahash", "--format", "json")
    assert list(json.loads(result.stdout)) == ["rows", "summary", "gates"]


def test_list_json_has_rows_summary_and_gates() -> None:
    assert list(json.loads(run_imgsim("list", "--format", "json").stdout)) == [
        "rows",
        "summary",
        "gates",
    ]


@pytest.fixture
def with_heic(tmp_path: Path) -> Path:
    """Two sample images and a HEIC photograph, which Pillow cannot decode."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("camera.png", "clock.png"):
        shutil.copy(SAMPLES / "reference" / name, folder / name)
    (folder / "holiday.heic").write_bytes(HEIC_HEAD)
    return folder


def test_a_heic_file_in_a_folder_is_named_with_its_format(with_heic: Path) -> None:
    result = run_imgsim("extract", with_heic, "-f", "ahash")
    assert f"{with_heic / 'holiday.heic'}: unsupported format: HEIC" in result.stderr


def test_a_heic_file_in_a_folder_is_counted_as_unreadable(with_heic: Path) -> None:
    result = run_imgsim("extract", with_heic, "-f", "ahash")
    assert result.stderr.splitlines()[-1].endswith("2 computed, 0 from the store, 1 unreadable")


def test_a_heic_file_in_a_folder_sets_exit_status_3(with_heic: Path) -> None:
    assert run_imgsim("extract", with_heic, "-f", "ahash").returncode == 3


@pytest.fixture
def locked_folder() -> Iterator[Path]:
    """A folder with a readable image and a subfolder its user may not list."""
    root = Path(tempfile.mkdtemp(prefix="imgsim-locked-"))
    root.chmod(0o755)
    shutil.copy(SAMPLES / "reference" / "camera.png", root / "camera.png")
    (root / "private").mkdir()
    shutil.copy(SAMPLES / "reference" / "clock.png", root / "private" / "clock.png")
    (root / "private").chmod(0o000)
    yield root
    (root / "private").chmod(0o755)
    shutil.rmtree(root)


def _without_root_powers() -> None:
    """Drop the capabilities that let root list any folder, for the program about to start."""
    import ctypes

    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (cap_dac_override, cap_dac_read_search):
        libc.prctl(pr_capbset_drop, capability, 0, 0, 0)


def _run_as_nobody(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m imgsim ARGS…`` without the powers that let root list any folder."""
    return subprocess.run(
        [*IMGSIM, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_without_root_powers if os.geteuid() == 0 else None,
    )


def test_a_folder_that_cannot_be_listed_is_named(locked_folder: Path) -> None:
    result = _run_as_nobody("extract", locked_folder, "-f", "ahash", "--no-cache")
    assert f"{locked_folder / 'private'}: cannot read folder: Permission denied" in result.stderr


def test_a_folder_that_cannot_be_listed_sets_exit_status_3(locked_folder: Path) -> None:
    result = _run_as_nobody("extract", locked_folder, "-f", "ahash", "--no-cache")
    assert result.returncode == 3


def test_skip_bad_accepts_a_folder_that_cannot_be_listed(locked_folder: Path) -> None:
    result = _run_as_nobody("extract", locked_folder, "-f", "ahash", "--no-cache", "--skip-bad")
    assert result.returncode == 0


def test_compare_names_a_folder_that_cannot_be_listed(locked_folder: Path) -> None:
    result = _run_as_nobody("compare", locked_folder, locked_folder, "-m", "mse", "--no-cache")
    assert f"{locked_folder / 'private'}: cannot read folder: Permission denied" in result.stderr


def test_compare_of_a_folder_that_cannot_be_listed_sets_exit_status_3(
    locked_folder: Path,
) -> None:
    result = _run_as_nobody("compare", locked_folder, locked_folder, "-m", "mse", "--no-cache")
    assert result.returncode == 3


def test_the_summary_counts_a_folder_that_cannot_be_listed(locked_folder: Path) -> None:
    result = _run_as_nobody("extract", locked_folder, "-f", "ahash", "--no-cache")
    assert result.stderr.splitlines()[-1].endswith("0 unreadable, 1 folder unreadable")


def test_the_compare_summary_counts_a_folder_that_cannot_be_listed(locked_folder: Path) -> None:
    result = _run_as_nobody("compare", locked_folder, locked_folder, "-m", "mse", "--no-cache")
    assert result.stderr.splitlines()[-1].endswith("without a partner, 1 folder unreadable")

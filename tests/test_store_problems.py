"""Stores that cannot be used (corrupt, malformed, unwritable): the run goes on
without the store, prints every row and warns once naming the store."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import CliRunnerFn
from store_support import (
    FEATURES,
    checkpoint,
    count_images,
    expected_summary,
    imgsim,
    nine_photos,
    summary,
    warning_lines,
)


@pytest.fixture
def images(tmp_path: Path, photos: dict[str, np.ndarray]) -> Path:
    """Nine small real photographs: PNGs at the top, JPEGs in a subfolder."""
    return nine_photos(tmp_path / "images", photos)


# --------------------------------------------------------------------------- broken stores


@pytest.fixture
def corrupt_store(tmp_path: Path, images: Path) -> Path:
    """A store that SQLite cannot use: a real store cut in half, its header intact.

    (A file of random bytes is no store at all: tests/test_cache_safety.py.)
    """
    store = tmp_path / "broken" / "features.sqlite"
    store.parent.mkdir()
    built = imgsim("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)
    assert built.returncode == 0, built.stderr
    checkpoint(store)
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])
    return store


def test_extract_over_a_corrupt_store_prints_every_row(
    cli: CliRunnerFn, images: Path, corrupt_store: Path
) -> None:
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", corrupt_store)

    assert result.exit_code == 0
    assert result.stdout == fresh.stdout


def test_extract_over_a_corrupt_store_warns_once_naming_it_and_the_cure(
    cli: CliRunnerFn, images: Path, corrupt_store: Path
) -> None:
    result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", corrupt_store)

    warnings = warning_lines(result.stderr)
    assert len(warnings) == 1
    assert str(corrupt_store) in warnings[0]
    assert "imgsim cache clear" in warnings[0]


def test_cache_info_on_a_corrupt_store_exits_2_naming_it(
    cli: CliRunnerFn, corrupt_store: Path
) -> None:
    result = cli("cache", "info", "--cache", corrupt_store)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"imgsim: feature store {corrupt_store} cannot be used (")
    assert "`imgsim cache clear` deletes it" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_cache_clear_replaces_a_corrupt_store_with_a_working_one(
    cli: CliRunnerFn, images: Path, corrupt_store: Path
) -> None:
    count = count_images(images)
    args = ("extract", images, "-f", FEATURES, "--format", "csv", "--cache", corrupt_store)

    cleared = cli("cache", "clear", "--cache", corrupt_store)
    first, second = cli(*args), cli(*args)

    assert cleared.exit_code == 0
    assert first.stderr == expected_summary(count, count, 0) + "\n"
    assert summary(second.stderr) == expected_summary(count, 0, count)


def test_a_store_with_a_malformed_vector_is_reported_and_the_run_goes_on(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    cli("extract", images, "-f", "phash", "--format", "csv")
    connection = sqlite3.connect(isolated_store)
    with connection:
        connection.execute("UPDATE features SET value = substr(value, 1, 3)")
    connection.close()
    fresh = cli("extract", images, "-f", "phash", "--format", "csv", "--no-cache")

    result = cli("extract", images, "-f", "phash", "--format", "csv")

    assert result.exit_code == 0
    assert len(warning_lines(result.stderr)) == 1
    assert result.stdout == fresh.stdout


# --------------------------------------------------------------------------- unwritable stores


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """Nothing can be created in ``folder`` or deleted from it while inside.

    chmod does that for an ordinary user. Root ignores permissions, so as root the
    folder is made immutable (``chattr +i``), and the test is skipped where that does
    not work (no chattr, a file system without attributes, no CAP_LINUX_IMMUTABLE).
    """
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root, which ignores chmod, and chattr is not installed")
    locked = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if locked.returncode != 0:
        pytest.skip(f"running as root, which ignores chmod, and chattr +i fails: {locked.stderr}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_store_where_no_file_can_be_created_is_skipped_with_one_warning(
    cli: CliRunnerFn, images: Path
) -> None:
    store = Path("/proc/imgsim-test/features.sqlite")  # /proc refuses new entries, even to root
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)

    warnings = warning_lines(result.stderr)
    assert result.exit_code == 0
    assert result.stdout == fresh.stdout
    assert len(warnings) == 1
    assert str(store) in warnings[0]


def test_a_new_store_in_a_read_only_folder_is_skipped_with_one_warning(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    store = folder / "features.sqlite"
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    with _read_only(folder):
        result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)

    warnings = warning_lines(result.stderr)
    assert result.exit_code == 0
    assert result.stdout == fresh.stdout
    assert len(warnings) == 1
    assert str(store) in warnings[0]


def test_an_existing_store_in_a_read_only_folder_is_skipped_with_one_warning(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    """SQLite needs to create -wal and -shm next to a WAL store even to read it."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    store = folder / "features.sqlite"
    built = imgsim("extract", images, "-f", "phash", "--format", "csv", "--cache", store)
    checkpoint(store)
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    with _read_only(folder):
        result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)

    warnings = warning_lines(result.stderr)
    assert built.returncode == 0
    assert result.exit_code == 0
    assert result.stdout == fresh.stdout
    assert len(warnings) == 1
    assert str(store) in warnings[0]

"""The feature store under stress: killed runs, concurrent writers, broken stores.

Runs ``python -m imgsim extract`` as real processes over real JPEGs (crops of the
scikit-image photographs, built as ``bench/`` builds its corpus) and checks the
store with its own SQLite connection.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

COUNT = 300
SUMMARY = re.compile(r"(\d+) images: (\d+) computed, (\d+) from the store, (\d+) unreadable")


@pytest.fixture(scope="module")
def photos_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``COUNT`` 512x384 JPEGs of real photographs."""
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load bench/corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    folder = tmp_path_factory.mktemp("photos")
    corpus.build(folder, COUNT, seed=3, size=(512, 384))
    return folder


def _command(folder: Path, store: Path | None, *extra: str) -> list[str]:
    cache = ["--cache", str(store)] if store is not None else ["--no-cache"]
    features = ["-f", "phash,color_hist", "--format", "csv"]
    return [sys.executable, "-m", "imgsim", "extract", str(folder), *features, *cache, *extra]


def _environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "IMGSIM_CACHE"}
    environment["PYTHONPATH"] = str(REPO)
    return environment


def _run(folder: Path, store: Path | None, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(folder, store, *extra),
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=300,
        check=False,
    )


def _summary(stderr: str) -> tuple[int, int, int, int]:
    found = SUMMARY.findall(stderr)
    if not found:
        raise AssertionError(f"no summary line in: {stderr!r}")
    total, computed, stored, unreadable = (int(value) for value in found[-1])
    return total, computed, stored, unreadable


def _committed_images(store: Path) -> int:
    connection = sqlite3.connect(store, timeout=60)
    try:
        row = connection.execute("SELECT count(DISTINCT digest) FROM features").fetchone()
        return int(row[0])
    finally:
        connection.close()


def _integrity(store: Path) -> str:
    connection = sqlite3.connect(store, timeout=60)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture(scope="module")
def expected_csv(photos_folder: Path) -> str:
    """What extract prints without any store."""
    completed = _run(photos_folder, None, "--workers", "1")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _kill_after(folder: Path, store: Path, committed_at_least: int, workers: str) -> None:
    """Start an extract and SIGKILL it once the store holds some committed images."""
    process = subprocess.Popen(
        _command(folder, store, "--workers", workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_environment(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if store.exists() and _committed_images_quietly(store) >= committed_at_least:
                break
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the main process and its workers
        process.wait(timeout=60)


def _committed_images_quietly(store: Path) -> int:
    try:
        return _committed_images(store)
    except sqlite3.Error:  # the schema may not exist yet
        return 0


@pytest.mark.parametrize(("kill_after", "workers"), [(1, "1"), (100, "1"), (150, "2")])
def test_a_killed_run_keeps_its_committed_work_and_the_rerun_completes_it(
    photos_folder: Path, expected_csv: str, tmp_path: Path, kill_after: int, workers: str
) -> None:
    store = tmp_path / "features.sqlite"
    _kill_after(photos_folder, store, kill_after, workers)
    committed = _committed_images(store)
    integrity = _integrity(store)
    rerun = _run(photos_folder, store, "--workers", workers)
    summary = _summary(rerun.stderr)
    assert 0 < committed < COUNT  # killed in the middle of the run
    assert (integrity, rerun.returncode, rerun.stdout, summary) == (
        "ok",
        0,
        expected_csv,
        (COUNT, COUNT - committed, committed, 0),
    )


def test_a_kill_loses_at_most_the_last_uncommitted_batch(
    photos_folder: Path, tmp_path: Path
) -> None:
    """Kill as soon as 100 images are committed: at least those 100 survive."""
    store = tmp_path / "features.sqlite"
    _kill_after(photos_folder, store, 100, "1")
    assert _committed_images(store) >= 100


def test_two_concurrent_extracts_share_one_store(
    photos_folder: Path, expected_csv: str, tmp_path: Path
) -> None:
    store = tmp_path / "features.sqlite"
    processes = [
        subprocess.Popen(
            _command(photos_folder, store, "--workers", workers),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
        )
        for workers in ("1", "2")
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    codes = [process.returncode for process in processes]
    locked = ["locked" in stderr for _, stderr in outputs]
    third = _run(photos_folder, store)
    assert (codes, locked, [out for out, _ in outputs], _integrity(store), third.stdout) == (
        [0, 0],
        [False, False],
        [expected_csv, expected_csv],
        "ok",
        expected_csv,
    )
    assert _summary(third.stderr) == (COUNT, 0, COUNT, 0)


def test_a_corrupt_store_is_reported_once_and_the_results_are_complete(
    photos_folder: Path, expected_csv: str, tmp_path: Path
) -> None:
    store = tmp_path / "features.sqlite"
    store.write_bytes(b"this is not a database\n" * 200)
    completed = _run(photos_folder, store, "--workers", "2")
    warnings = [line for line in completed.stderr.splitlines() if "warning" in line]
    assert (completed.returncode, completed.stdout, len(warnings)) == (0, expected_csv, 1)
    assert str(store) in warnings[0]
    assert "imgsim cache clear" in warnings[0]


def test_a_truncated_store_is_reported_and_the_results_are_complete(
    photos_folder: Path, expected_csv: str, tmp_path: Path
) -> None:
    store = tmp_path / "features.sqlite"
    _run(photos_folder, store, "--workers", "2")
    sqlite3.connect(store).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 3])
    for leftover in (store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        leftover.unlink(missing_ok=True)
    completed = _run(photos_folder, store, "--workers", "2")
    assert (completed.returncode, completed.stdout) == (0, expected_csv)


def test_after_cache_clear_a_corrupt_store_is_replaced_by_a_working_one(
    photos_folder: Path, tmp_path: Path
) -> None:
    store = tmp_path / "features.sqlite"
    store.write_bytes(b"garbage" * 1000)
    environment = _environment()
    clear = subprocess.run(
        [sys.executable, "-m", "imgsim", "cache", "clear", "--cache", str(store)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    first = _run(photos_folder, store)
    second = _run(photos_folder, store)
    assert (clear.returncode, "warning" in first.stderr, _summary(second.stderr)) == (
        0,
        False,
        (COUNT, 0, COUNT, 0),
    )


def test_a_store_where_nothing_can_be_written_is_reported_and_the_results_are_complete(
    photos_folder: Path, expected_csv: str, tmp_path: Path
) -> None:
    if os.geteuid() == 0:
        store = Path("/proc/imgsim-test/features.sqlite")  # nothing can be created in /proc
    else:
        locked = tmp_path / "read-only"
        locked.mkdir()
        locked.chmod(0o555)
        store = locked / "features.sqlite"
    completed = _run(photos_folder, store, "--workers", "2")
    warnings = [line for line in completed.stderr.splitlines() if "warning" in line]
    assert (completed.returncode, completed.stdout, len(warnings)) == (0, expected_csv, 1)


def test_a_store_in_a_read_only_directory_is_used_without_writing(
    photos_folder: Path, expected_csv: str, tmp_path: Path
) -> None:
    """A filled store whose directory became read-only (skipped as root: root writes anyway)."""
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions; covered by the /proc case above")
    folder = tmp_path / "store"
    folder.mkdir()
    store = folder / "features.sqlite"
    _run(photos_folder, store)
    folder.chmod(0o555)
    try:
        completed = _run(photos_folder, store)
    finally:
        folder.chmod(0o755)
    assert (completed.returncode, completed.stdout) == (0, expected_csv)

"""The feature store end to end: hits and misses, killed and concurrent runs, broken
and unwritable stores, the engine's batched commits, and the cache commands.

The command line runs through its real entry point: in this process (``cli``) when
one process is enough, as ``python -m imgsim`` when the test needs a process of its
own (to kill it, to run two writers at once, or to build a store in a run that has
ended). The store is always checked with a SQLite connection of the test's own,
never through imgsim.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO, CliRunnerFn
from PIL import Image

from imgsim.engine import ExtractOptions, ImageResult, extract_files
from imgsim.store import COMMIT_EVERY_IMAGES, FeatureStore
from imgsim.store_maintenance import clear_store

FEATURES = "phash,color_hist"
ALL_FEATURES = "phash,dhash,whash,ahash,color_hist,thumb"
CORPUS_PARTS = 3
CORPUS_PART_SIZE = 100
CORPUS_SIZE = CORPUS_PARTS * CORPUS_PART_SIZE
CORPUS_PIXELS = (512, 384)
"""Half of bench's 1024x768: builds in a third of the time, and the store does not care."""


# --------------------------------------------------------------------------- helpers


def _summary(stderr: str) -> str:
    """The last stderr line of ``extract``: ``imgsim: N images: C computed, …``."""
    return stderr.strip().splitlines()[-1]


def _expected_summary(total: int, computed: int, stored: int, unreadable: int = 0) -> str:
    return (
        f"imgsim: {total} images: {computed} computed, {stored} from the store, "
        f"{unreadable} unreadable"
    )


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("imgsim: warning:")]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _environment() -> dict[str, str]:
    """This process's environment without ``IMGSIM_CACHE``: every run names its store."""
    return {name: value for name, value in os.environ.items() if name != "IMGSIM_CACHE"}


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "imgsim", *(str(arg) for arg in args)]


def _imgsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m imgsim ARGS…`` in a process of its own."""
    return subprocess.run(
        _command(*args),
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=300,
        check=False,
    )


def _scalar(store: Path, sql: str) -> Any:
    """The one value that ``sql`` selects, read through a connection of the test's own."""
    connection = sqlite3.connect(store, timeout=60)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def _committed_images(store: Path) -> int:
    return int(_scalar(store, "SELECT count(DISTINCT digest) FROM features"))


def _integrity(store: Path) -> str:
    return str(_scalar(store, "PRAGMA integrity_check"))


def _committed_so_far(store: Path) -> int:
    """Images committed to a store that a running process may still be creating; -1
    while there is no store or no schema yet. Read-only, so it never creates the file."""
    if not store.exists():
        return -1
    try:
        connection = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return -1
    try:
        row = connection.execute("SELECT count(DISTINCT digest) FROM features").fetchone()
        return int(row[0])
    except sqlite3.Error:
        return -1
    finally:
        connection.close()


def _checkpoint(store: Path) -> None:
    """Move everything into the main file and remove -wal and -shm (no process has it open)."""
    connection = sqlite3.connect(store)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for leftover in _wal_and_shm(store):
        leftover.unlink(missing_ok=True)


def _wal_and_shm(store: Path) -> list[Path]:
    return [store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")]


def _small_photo(pixels: np.ndarray, size: tuple[int, int] = (160, 120)) -> Image.Image:
    return Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS)


Snapshot = tuple[str, int | None, int | None, str | None, dict[str, tuple[str, bytes]]]


def _snapshot(results: Iterable[ImageResult]) -> list[Snapshot]:
    """Everything a result says, vectors to the byte (dtype and shape included)."""
    return [
        (
            str(result.path),
            result.width,
            result.height,
            result.error,
            {
                name: (f"{value.dtype.str}{value.shape}", np.ascontiguousarray(value).tobytes())
                for name, value in result.features.items()
            },
        )
        for result in results
    ]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def images(tmp_path: Path, photos: dict[str, np.ndarray]) -> Path:
    """Nine small real photographs: PNGs at the top, JPEGs in a subfolder."""
    root = tmp_path / "images"
    (root / "nested").mkdir(parents=True)
    for index, (name, pixels) in enumerate(sorted(photos.items())):
        if index % 2:
            _small_photo(pixels).save(root / "nested" / f"{name}.jpg", quality=90)
        else:
            _small_photo(pixels).save(root / f"{name}.png")
    return root


def _count_images(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 JPEGs of real photographs (bench/corpus.py) in part0/, part1/ and part2/."""
    spec = importlib.util.spec_from_file_location("bench_corpus", REPO / "bench" / "corpus.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load bench/corpus.py")
    bench_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_corpus)
    root = tmp_path_factory.mktemp("corpus")
    for part in range(CORPUS_PARTS):
        bench_corpus.build(root / f"part{part}", CORPUS_PART_SIZE, seed=part, size=CORPUS_PIXELS)
    return root


@pytest.fixture(scope="module")
def corpus_csv(corpus: Path) -> str:
    """What ``extract`` prints for the corpus without any store."""
    completed = _imgsim("extract", corpus, "-f", FEATURES, "--format", "csv", "--no-cache")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


# --------------------------------------------------------------------------- hits and misses


def test_a_rerun_takes_every_image_from_the_store_and_prints_the_same_csv(
    cli: CliRunnerFn, images: Path
) -> None:
    count = _count_images(images)
    first = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")

    second = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")

    assert (second.exit_code, _summary(second.stderr), second.stdout) == (
        0,
        _expected_summary(count, 0, count),
        first.stdout,
    )


def test_stored_features_equal_features_computed_without_the_store(
    cli: CliRunnerFn, images: Path
) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")

    stored = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv")
    fresh = cli("extract", images, "-f", ALL_FEATURES, "--format", "csv", "--no-cache")

    assert (_summary(stored.stderr), stored.stdout) == (
        _expected_summary(count, 0, count),
        fresh.stdout,
    )


def test_a_copied_folder_is_found_by_content(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    copy = shutil.copytree(images, tmp_path / "elsewhere" / "copy")

    result = cli("extract", copy, "-f", FEATURES, "--format", "csv")

    assert _summary(result.stderr) == _expected_summary(count, 0, count)


def test_a_renamed_file_is_found_by_content(cli: CliRunnerFn, images: Path) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    (images / "astronaut.png").rename(images / "renamed.png")

    result = cli("extract", images, "-f", FEATURES, "--format", "csv")

    assert _summary(result.stderr) == _expected_summary(count, 0, count)


def test_a_file_rewritten_with_the_same_size_is_computed_again(
    cli: CliRunnerFn, images: Path, photos: dict[str, np.ndarray]
) -> None:
    """BMP files of one size are all the same length: only the content tells them apart."""
    count = _count_images(images) + 1
    bmp = images / "generated.bmp"
    _small_photo(photos["astronaut"]).save(bmp)
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    size_before = bmp.stat().st_size
    _small_photo(photos["rocket"]).save(bmp)

    result = cli("extract", images, "-f", FEATURES, "--format", "csv")
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    assert (bmp.stat().st_size, _summary(result.stderr), result.stdout) == (
        size_before,
        _expected_summary(count, 1, count - 1),
        fresh.stdout,
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("-f", "phash"), ("-f", "phash", "--hash-size", "16")),
        (("-f", "phash", "--hash-size", "16"), ("-f", "phash")),
        (("-f", "color_hist"), ("-f", "color_hist", "--bins", "4")),
        (("-f", "phash"), ("-f", "dhash")),
        (("-f", "thumb"), ("-f", "thumb", "--size", "64")),
    ],
    ids=["hash-size", "hash-size-back", "bins", "other-feature", "size"],
)
def test_another_option_or_feature_is_a_miss_never_a_stale_hit(
    cli: CliRunnerFn, images: Path, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    count = _count_images(images)
    cli("extract", images, *first, "--format", "csv")

    stored = cli("extract", images, *second, "--format", "csv")
    fresh = cli("extract", images, *second, "--format", "csv", "--no-cache")

    assert (_summary(stored.stderr), stored.stdout) == (
        _expected_summary(count, count, 0),
        fresh.stdout,
    )


def test_features_of_both_options_live_side_by_side(cli: CliRunnerFn, images: Path) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", "phash", "--format", "csv")
    cli("extract", images, "-f", "phash", "--hash-size", "16", "--format", "csv")

    again = cli("extract", images, "-f", "phash", "--format", "csv")
    fresh = cli("extract", images, "-f", "phash", "--format", "csv", "--no-cache")

    assert (_summary(again.stderr), again.stdout) == (
        _expected_summary(count, 0, count),
        fresh.stdout,
    )


def test_a_stored_image_over_max_pixels_is_refused_as_without_the_store(
    cli: CliRunnerFn, images: Path
) -> None:
    cli("extract", images, "-f", "phash", "--format", "csv")

    stored = cli("extract", images, "-f", "phash", "--format", "csv", "--max-pixels", "100")
    fresh = cli(
        "extract", images, "-f", "phash", "--format", "csv", "--max-pixels", "100", "--no-cache"
    )

    assert (stored.exit_code, stored.stdout) == (fresh.exit_code, fresh.stdout)


def test_a_copy_of_a_stored_image_over_max_pixels_is_refused_as_without_the_store(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    """A copy is found by content (the worker's look-up), not by path (the main process's)."""
    cli("extract", images, "-f", "phash", "--format", "csv")
    copy = shutil.copytree(images, tmp_path / "copy")
    args = ("extract", copy, "-f", "phash", "--format", "csv", "--max-pixels", "100")

    stored = cli(*args)
    fresh = cli(*args, "--no-cache")

    assert (stored.exit_code, stored.stdout) == (fresh.exit_code, fresh.stdout)


# --------------------------------------------------------------------------- unreadable files


def test_unreadable_files_are_reported_again_on_a_rerun(cli: CliRunnerFn, images: Path) -> None:
    count = _count_images(images)
    broken = images / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n and then nothing")
    first = cli("extract", images, "-f", FEATURES, "--format", "csv")

    second = cli("extract", images, "-f", FEATURES, "--format", "csv")

    reported = [line for line in second.stderr.splitlines() if line.startswith(f"{broken}: ")]
    assert (first.exit_code, second.exit_code, len(reported), _summary(second.stderr)) == (
        3,
        3,
        1,
        _expected_summary(count + 1, 0, count, 1),
    )


def test_unreadable_files_are_not_stored(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    broken = images / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n and then nothing")

    cli("extract", images, "-f", FEATURES, "--format", "csv")

    stored_paths = _scalar(isolated_store, "SELECT json_group_array(path) FROM files")
    assert (str(broken) in json.loads(stored_paths), len(json.loads(stored_paths))) == (
        False,
        _count_images(images) - 1,
    )


def test_a_stored_file_that_became_unreadable_is_reported_not_served(
    cli: CliRunnerFn, images: Path
) -> None:
    cli("extract", images, "-f", FEATURES, "--format", "csv")
    damaged = images / "astronaut.png"
    damaged.write_bytes(damaged.read_bytes()[:200])

    result = cli("extract", images, "-f", FEATURES, "--format", "csv")

    row = next(row for row in _rows(result.stdout) if row["path"] == str(damaged))
    assert (result.exit_code, row["phash"], row["error"] != "") == (3, "", True)


# --------------------------------------------------------------------------- killed runs


def _kill_once_committed(folder: Path, store: Path, at_least: int, workers: str) -> tuple[int, int]:
    """Start an extract, SIGKILL it (and its workers) as soon as the store holds at least
    ``at_least`` committed images; return its exit status and the count seen then."""
    process = subprocess.Popen(
        [
            *_command("extract", folder, "-f", FEATURES, "--format", "csv", "--workers", workers),
            "--cache",
            str(store),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_environment(),
        start_new_session=True,
    )
    seen = -1
    deadline = time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            seen = _committed_so_far(store)
            if seen >= at_least:
                break
            time.sleep(0.01)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    return process.returncode, seen


@pytest.mark.parametrize(
    ("at_least", "workers"),
    [(0, "1"), (1, "1"), (COMMIT_EVERY_IMAGES + 1, "1"), (1, "2")],
    ids=["before-any-commit", "after-one-batch", "after-two-batches", "two-workers"],
)
def test_a_killed_run_keeps_its_commits_and_the_rerun_computes_only_the_rest(
    corpus: Path, corpus_csv: str, tmp_path: Path, at_least: int, workers: str
) -> None:
    store = tmp_path / "features.sqlite"
    status, seen = _kill_once_committed(corpus, store, at_least, workers)
    integrity = _integrity(store)
    committed = _committed_images(store)

    rerun = _imgsim(
        "extract", corpus, "-f", FEATURES, "--format", "csv", "--workers", "1", "--cache", store
    )

    assert (
        status,
        integrity,
        committed >= max(seen, at_least),
        rerun.returncode,
        _summary(rerun.stderr),
        rerun.stdout == corpus_csv,
    ) == (
        -signal.SIGKILL,
        "ok",
        True,
        0,
        _expected_summary(CORPUS_SIZE, CORPUS_SIZE - committed, committed),
        True,
    )


# --------------------------------------------------------------------------- concurrent runs


def _rows_under(text: str, *folders: Path) -> list[dict[str, str]]:
    prefixes = tuple(f"{folder}{os.sep}" for folder in folders)
    return [row for row in _rows(text) if row["path"].startswith(prefixes)]


def test_two_concurrent_runs_on_overlapping_folders_share_one_store(
    corpus: Path, corpus_csv: str, tmp_path: Path
) -> None:
    store = tmp_path / "features.sqlite"  # not there yet: both runs race to create it
    halves = [(corpus / "part0", corpus / "part1"), (corpus / "part1", corpus / "part2")]
    processes = [
        subprocess.Popen(
            [
                *_command("extract", *folders, "-f", FEATURES, "--format", "csv"),
                "--workers",
                workers,
                "--cache",
                str(store),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
        )
        for folders, workers in zip(halves, ("1", "2"), strict=True)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    integrity = _integrity(store)
    third = _imgsim("extract", corpus, "-f", FEATURES, "--format", "csv", "--cache", store)

    assert (
        [process.returncode for process in processes],
        ["locked" in stderr for _, stderr in outputs],
        [_rows(stdout) for stdout, _ in outputs],
        integrity,
        _summary(third.stderr),
        third.stdout == corpus_csv,
    ) == (
        [0, 0],
        [False, False],
        [_rows_under(corpus_csv, *folders) for folders in halves],
        "ok",
        _expected_summary(CORPUS_SIZE, 0, CORPUS_SIZE),
        True,
    )


def test_a_new_store_waits_while_another_process_creates_it(tmp_path: Path) -> None:
    store = tmp_path / "features.sqlite"
    creator = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    creator.execute("BEGIN IMMEDIATE")  # what another run holds while it sets the store up
    finish = threading.Timer(0.5, creator.close)
    finish.start()
    problems: list[str] = []

    FeatureStore(store, on_problem=problems.append).close()

    finish.join()
    assert problems == []


# --------------------------------------------------------------------------- broken stores


@pytest.fixture
def corrupt_store(tmp_path: Path, images: Path) -> Path:
    """A store that SQLite cannot use: a real store cut in half, its header intact.

    (A file of random bytes is no store at all: tests/test_cache_safety.py.)
    """
    store = tmp_path / "broken" / "features.sqlite"
    store.parent.mkdir()
    built = _imgsim("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)
    assert built.returncode == 0, built.stderr
    _checkpoint(store)
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])
    return store


def test_extract_over_a_corrupt_store_prints_every_row(
    cli: CliRunnerFn, images: Path, corrupt_store: Path
) -> None:
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", corrupt_store)

    assert (result.exit_code, result.stdout) == (0, fresh.stdout)


def test_extract_over_a_corrupt_store_warns_once_naming_it_and_the_cure(
    cli: CliRunnerFn, images: Path, corrupt_store: Path
) -> None:
    result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", corrupt_store)

    warnings = _warnings(result.stderr)
    assert (
        len(warnings),
        str(corrupt_store) in warnings[0],
        "imgsim cache clear" in warnings[0],
    ) == (
        1,
        True,
        True,
    )


def test_cache_info_on_a_corrupt_store_exits_2_naming_it(
    cli: CliRunnerFn, corrupt_store: Path
) -> None:
    result = cli("cache", "info", "--cache", corrupt_store)

    assert (
        result.exit_code,
        result.stderr.startswith(f"imgsim: feature store {corrupt_store} cannot be used ("),
        "`imgsim cache clear` deletes it" in result.stderr,
        len(result.stderr.splitlines()),
    ) == (2, True, True, 1)


def test_cache_clear_replaces_a_corrupt_store_with_a_working_one(
    cli: CliRunnerFn, images: Path, corrupt_store: Path
) -> None:
    count = _count_images(images)
    args = ("extract", images, "-f", FEATURES, "--format", "csv", "--cache", corrupt_store)

    cleared = cli("cache", "clear", "--cache", corrupt_store)
    first, second = cli(*args), cli(*args)

    assert (cleared.exit_code, first.stderr, _summary(second.stderr)) == (
        0,
        _expected_summary(count, count, 0) + "\n",
        _expected_summary(count, 0, count),
    )


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

    assert (result.exit_code, len(_warnings(result.stderr)), result.stdout) == (
        0,
        1,
        fresh.stdout,
    )


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

    warnings = _warnings(result.stderr)
    assert (result.exit_code, result.stdout, len(warnings), str(store) in warnings[0]) == (
        0,
        fresh.stdout,
        1,
        True,
    )


def test_a_new_store_in_a_read_only_folder_is_skipped_with_one_warning(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    store = folder / "features.sqlite"
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    with _read_only(folder):
        result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)

    warnings = _warnings(result.stderr)
    assert (result.exit_code, result.stdout, len(warnings), str(store) in warnings[0]) == (
        0,
        fresh.stdout,
        1,
        True,
    )


def test_an_existing_store_in_a_read_only_folder_is_skipped_with_one_warning(
    cli: CliRunnerFn, images: Path, tmp_path: Path
) -> None:
    """SQLite needs to create -wal and -shm next to a WAL store even to read it."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    store = folder / "features.sqlite"
    built = _imgsim("extract", images, "-f", "phash", "--format", "csv", "--cache", store)
    _checkpoint(store)
    fresh = cli("extract", images, "-f", FEATURES, "--format", "csv", "--no-cache")

    with _read_only(folder):
        result = cli("extract", images, "-f", FEATURES, "--format", "csv", "--cache", store)

    warnings = _warnings(result.stderr)
    assert (
        built.returncode,
        result.exit_code,
        result.stdout,
        len(warnings),
        str(store) in warnings[0],
    ) == (0, 0, fresh.stdout, 1, True)


# --------------------------------------------------------------------------- the engine


ENGINE_OPTIONS = ExtractOptions(("phash", "whash", "color_hist", "thumb"))


def _image_paths(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 1), (1, 4), (2, 1), (2, 3)])
def test_results_do_not_depend_on_workers_chunk_size_or_the_store(
    images: Path, tmp_path: Path, workers: int, chunk_size: int
) -> None:
    paths = _image_paths(images)
    expected = _snapshot(extract_files(paths, ENGINE_OPTIONS, workers=1, chunk_size=1))
    store_path = tmp_path / "store.sqlite"

    with FeatureStore(store_path) as store:
        cold = _snapshot(
            extract_files(
                paths, ENGINE_OPTIONS, workers=workers, chunk_size=chunk_size, store=store
            )
        )
    with FeatureStore(store_path) as store:
        warm = _snapshot(
            extract_files(
                paths, ENGINE_OPTIONS, workers=workers, chunk_size=chunk_size, store=store
            )
        )

    assert (cold, warm) == (expected, expected)


def test_a_batch_of_a_hundred_is_committed_while_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(COMMIT_EVERY_IMAGES + 30):
        pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{index:03d}.png")
    store_path = tmp_path / "store.sqlite"
    store = FeatureStore(store_path)
    results = extract_files(
        _image_paths(folder), ExtractOptions(("phash",)), workers=1, store=store
    )

    try:
        for _ in range(COMMIT_EVERY_IMAGES + 1):
            next(results)
        committed = _committed_images(store_path)
        list(results)  # the run ends before its store is closed
    finally:
        store.close()

    assert committed >= COMMIT_EVERY_IMAGES


def _release_when_committed(
    fifo: Path, store: Path, count: int, data: bytes, seen: list[int]
) -> None:
    """Wait (up to 30 s) until ``count`` images are committed, note what was committed,
    then feed ``data`` to the worker that is blocked reading ``fifo``."""
    deadline = time.monotonic() + 30
    committed = _committed_so_far(store)
    while committed < count and time.monotonic() < deadline:
        time.sleep(0.05)
        committed = _committed_so_far(store)
    seen.append(committed)
    while True:
        try:  # succeeds once the reader has the FIFO open
            descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:
            if time.monotonic() > deadline + 30:
                raise
            time.sleep(0.05)
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)


def test_results_already_in_are_committed_within_seconds_while_a_worker_is_busy(
    images: Path, tmp_path: Path
) -> None:
    """The third file is a FIFO, so its worker blocks until the test writes to it: the
    two results before it must reach the store meanwhile, with the run still going."""
    first_two = sorted(images.glob("*.png"))[:2]
    fifo = tmp_path / "slow.png"
    os.mkfifo(fifo)
    store_path = tmp_path / "store.sqlite"
    seen: list[int] = []
    feeder = threading.Thread(
        target=_release_when_committed,
        args=(fifo, store_path, 2, first_two[0].read_bytes(), seen),
        daemon=True,
    )
    feeder.start()

    with FeatureStore(store_path) as store:
        results = list(
            extract_files(
                [*first_two, fifo], ExtractOptions(("phash",)), workers=2, chunk_size=1, store=store
            )
        )

    feeder.join(timeout=60)
    assert (seen, [result.error for result in results]) == ([2], [None, None, None])


def test_a_run_after_clearing_the_store_computes_everything_again(
    images: Path, tmp_path: Path
) -> None:
    paths = _image_paths(images)
    store_path = tmp_path / "store.sqlite"
    options = ExtractOptions(("phash",))
    with FeatureStore(store_path) as store:
        list(extract_files(paths, options, workers=1, store=store))
    clear_store(store_path)

    with FeatureStore(store_path) as store:
        stored = [result.stored for result in extract_files(paths, options, workers=1, store=store)]

    assert stored == [False] * len(paths)


# --------------------------------------------------------------------------- cache commands


def _bytes_on_disk(store: Path) -> int:
    return sum(path.stat().st_size for path in [store, *_wal_and_shm(store)] if path.exists())


def test_cache_info_json_is_the_common_object_with_a_row_per_feature_and_the_store(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")

    result = cli("cache", "info", "--format", "json")

    assert json.loads(result.stdout) == {
        "rows": [
            {"feature": "color_hist", "entries": count, "bytes": count * 8**3 * 4},  # float32
            {"feature": "phash", "entries": count, "bytes": count * 64 // 8},  # 64 bits
        ],
        "summary": {},
        "gates": [],
        "store": {
            "location": str(isolated_store),
            "bytes": _bytes_on_disk(isolated_store),
            "files": count,
            "images": count,
        },
    }


def test_cache_clear_of_one_feature_keeps_the_others(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", FEATURES, "--format", "csv")

    cleared = cli("cache", "clear", "-f", "color_hist")

    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    assert (cleared.stderr, info["rows"]) == (
        f"imgsim: cleared color_hist entries at {isolated_store}: "
        f"{count} feature entries removed\n",
        [{"feature": "phash", "entries": count, "bytes": count * 8}],
    )


def test_cache_clear_deletes_the_database_with_its_wal_and_shm(
    cli: CliRunnerFn, images: Path, isolated_store: Path
) -> None:
    cli("extract", images, "-f", "phash", "--format", "csv")
    # A process that dies with the store open leaves -wal and -shm behind.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sqlite3, sys\n"
            "sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM features').fetchone()\n"
            "os._exit(0)",
            str(isolated_store),
        ],
        check=True,
        timeout=60,
    )
    files = [isolated_store, *_wal_and_shm(isolated_store)]
    before = [path.name for path in files if path.exists()]

    result = cli("cache", "clear")

    after = [path.name for path in files if path.exists()]
    assert (result.exit_code, before, after) == (0, [path.name for path in files], [])


def test_cache_prune_forgets_deleted_files_but_keeps_content_still_in_use(
    cli: CliRunnerFn, tmp_path: Path, photos: dict[str, np.ndarray], isolated_store: Path
) -> None:
    pruned, kept = tmp_path / "pruned", tmp_path / "kept"
    pruned.mkdir()
    kept.mkdir()
    _small_photo(photos["astronaut"]).save(pruned / "shared.png")
    _small_photo(photos["chelsea"]).save(pruned / "only-here.png")
    _small_photo(photos["coffee"]).save(kept / "other.png")
    shutil.copy(pruned / "shared.png", kept / "copy-of-shared.png")
    cli("extract", pruned, kept, "-f", "phash", "--format", "csv")
    for path in pruned.iterdir():
        path.unlink()

    result = cli("cache", "prune", pruned)

    info = json.loads(cli("cache", "info", "--format", "json").stdout)
    assert (result.stderr, info["store"]["files"], info["store"]["images"], info["rows"]) == (
        f"imgsim: pruned {isolated_store}: 2 files forgotten, 1 feature entries removed\n",
        2,
        2,
        [{"feature": "phash", "entries": 2, "bytes": 16}],
    )


def test_cache_prune_keeps_the_unchanged_files_of_the_pruned_folder(
    cli: CliRunnerFn, images: Path
) -> None:
    count = _count_images(images)
    cli("extract", images, "-f", "phash", "--format", "csv")
    cli("cache", "prune", images)

    result = cli("extract", images, "-f", "phash", "--format", "csv")

    assert _summary(result.stderr) == _expected_summary(count, 0, count)


def test_cache_info_without_a_store_exits_2_naming_the_path(
    cli: CliRunnerFn, isolated_store: Path
) -> None:
    result = cli("cache", "info")

    assert (result.exit_code, result.stderr) == (
        2,
        f"imgsim: no feature store at {isolated_store}\n",
    )

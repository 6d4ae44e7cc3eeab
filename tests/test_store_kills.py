"""Killed and concurrent runs: a store keeps every committed batch when its run is
killed at any moment, and two runs share one store (each in a process of its own)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import csv_rows
from conftest import REPO
from store_support import (
    FEATURES,
    command,
    committed_images,
    committed_so_far,
    environment,
    expected_summary,
    imgsim,
    integrity_check,
    summary,
)

from imgsim.store import COMMIT_EVERY_IMAGES, FeatureStore

CORPUS_PARTS = 3
CORPUS_PART_SIZE = 100
CORPUS_SIZE = CORPUS_PARTS * CORPUS_PART_SIZE
CORPUS_PIXELS = (512, 384)
"""Half of bench's 1024x768: builds in a third of the time, and the store does not care."""


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
    completed = imgsim("extract", corpus, "-f", FEATURES, "--format", "csv", "--no-cache")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


# --------------------------------------------------------------------------- killed runs


def _kill_once_committed(folder: Path, store: Path, at_least: int, workers: str) -> tuple[int, int]:
    """Start an extract, SIGKILL it (and its workers) as soon as the store holds at least
    ``at_least`` committed images; return its exit status and the count seen then."""
    process = subprocess.Popen(
        [
            *command("extract", folder, "-f", FEATURES, "--format", "csv", "--workers", workers),
            "--cache",
            str(store),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment(),
        start_new_session=True,
    )
    seen = -1
    deadline = time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            seen = committed_so_far(store)
            if seen >= at_least:
                break
            time.sleep(0.01)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    return process.returncode, seen


KILL_POINTS = {
    "before-any-commit": (0, "1"),
    "after-one-batch": (1, "1"),
    "after-two-batches": (COMMIT_EVERY_IMAGES + 1, "1"),
    "two-workers": (1, "2"),
}
"""``{case: (committed images to wait for before the kill, workers)}``."""


@dataclass(frozen=True)
class KilledRun:
    """An extract killed once ``at_least`` images were committed, and the run after it."""

    at_least: int
    status: int
    seen: int
    integrity: str
    committed: int
    rerun: subprocess.CompletedProcess[str]


KilledRunOf = Callable[[str], KilledRun]


@pytest.fixture(scope="module")
def killed_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> KilledRunOf:
    """Each case of :data:`KILL_POINTS` run once for the module, with a store of its own."""
    runs: dict[str, KilledRun] = {}

    def run(case: str) -> KilledRun:
        if case not in runs:
            at_least, workers = KILL_POINTS[case]
            store = tmp_path_factory.mktemp(case) / "features.sqlite"
            status, seen = _kill_once_committed(corpus, store, at_least, workers)
            integrity = integrity_check(store)
            committed = committed_images(store)
            rerun = imgsim(
                "extract", corpus, "-f", FEATURES, "--format", "csv", "--workers", "1",
                "--cache", store,
            )  # fmt: skip
            runs[case] = KilledRun(at_least, status, seen, integrity, committed, rerun)
        return runs[case]

    return run


kill_points = pytest.mark.parametrize("case", list(KILL_POINTS))


@kill_points
def test_a_killed_run_dies_of_the_kill(killed_run: KilledRunOf, case: str) -> None:
    assert killed_run(case).status == -signal.SIGKILL


@kill_points
def test_a_killed_run_leaves_a_store_that_passes_the_integrity_check(
    killed_run: KilledRunOf, case: str
) -> None:
    assert killed_run(case).integrity == "ok"


@kill_points
def test_a_killed_run_keeps_its_commits(killed_run: KilledRunOf, case: str) -> None:
    run = killed_run(case)

    assert run.committed >= max(run.seen, run.at_least)


@kill_points
def test_the_rerun_after_a_kill_exits_0(killed_run: KilledRunOf, case: str) -> None:
    assert killed_run(case).rerun.returncode == 0


@kill_points
def test_the_rerun_after_a_kill_computes_only_the_rest(killed_run: KilledRunOf, case: str) -> None:
    run = killed_run(case)

    expected = expected_summary(CORPUS_SIZE, CORPUS_SIZE - run.committed, run.committed)
    assert summary(run.rerun.stderr) == expected


@kill_points
def test_the_rerun_after_a_kill_prints_what_a_run_without_a_store_prints(
    killed_run: KilledRunOf, corpus_csv: str, case: str
) -> None:
    assert killed_run(case).rerun.stdout == corpus_csv


# --------------------------------------------------------------------------- concurrent runs


def _rows_under(text: str, *folders: Path) -> list[dict[str, str]]:
    prefixes = tuple(f"{folder}{os.sep}" for folder in folders)
    return [row for row in csv_rows(text) if row["path"].startswith(prefixes)]


HALVES = [("part0", "part1"), ("part1", "part2")]
"""The folders of the two concurrent runs: they overlap in part1/."""


@dataclass(frozen=True)
class ConcurrentRuns:
    """Two extracts started at once on one store that neither finds, and a third after."""

    statuses: list[int]
    outputs: list[tuple[str, str]]
    integrity: str
    third: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def concurrent(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> ConcurrentRuns:
    store = tmp_path_factory.mktemp("concurrent") / "features.sqlite"  # both race to create it
    processes = [
        subprocess.Popen(
            [
                *command("extract", *(corpus / part for part in parts), "-f", FEATURES),
                *("--format", "csv", "--workers", workers, "--cache", str(store)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
        )
        for parts, workers in zip(HALVES, ("1", "2"), strict=True)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    integrity = integrity_check(store)
    third = imgsim("extract", corpus, "-f", FEATURES, "--format", "csv", "--cache", store)
    statuses = [process.returncode for process in processes]
    return ConcurrentRuns(statuses, outputs, integrity, third)


def test_two_concurrent_runs_on_one_store_both_exit_0(concurrent: ConcurrentRuns) -> None:
    assert concurrent.statuses == [0, 0]


def test_two_concurrent_runs_on_one_store_report_no_lock(concurrent: ConcurrentRuns) -> None:
    assert ["locked" in stderr for _, stderr in concurrent.outputs] == [False, False]


def test_two_concurrent_runs_on_overlapping_folders_print_the_rows_of_their_folders(
    concurrent: ConcurrentRuns, corpus: Path, corpus_csv: str
) -> None:
    expected = [_rows_under(corpus_csv, *(corpus / part for part in parts)) for parts in HALVES]

    assert [csv_rows(stdout) for stdout, _ in concurrent.outputs] == expected


def test_two_concurrent_runs_leave_a_store_that_passes_the_integrity_check(
    concurrent: ConcurrentRuns,
) -> None:
    assert concurrent.integrity == "ok"


def test_a_run_after_two_concurrent_runs_finds_every_image_in_the_store(
    concurrent: ConcurrentRuns,
) -> None:
    expected = expected_summary(CORPUS_SIZE, 0, CORPUS_SIZE)

    assert summary(concurrent.third.stderr) == expected


def test_a_run_after_two_concurrent_runs_prints_what_a_run_without_a_store_prints(
    concurrent: ConcurrentRuns, corpus_csv: str
) -> None:
    assert concurrent.third.stdout == corpus_csv


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

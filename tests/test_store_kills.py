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
    integrity = integrity_check(store)
    committed = committed_images(store)

    rerun = imgsim(
        "extract", corpus, "-f", FEATURES, "--format", "csv", "--workers", "1", "--cache", store
    )

    assert status == -signal.SIGKILL
    assert integrity == "ok"
    assert committed >= max(seen, at_least)
    assert rerun.returncode == 0
    assert summary(rerun.stderr) == expected_summary(
        CORPUS_SIZE, CORPUS_SIZE - committed, committed
    )
    assert rerun.stdout == corpus_csv


# --------------------------------------------------------------------------- concurrent runs


def _rows_under(text: str, *folders: Path) -> list[dict[str, str]]:
    prefixes = tuple(f"{folder}{os.sep}" for folder in folders)
    return [row for row in csv_rows(text) if row["path"].startswith(prefixes)]


def test_two_concurrent_runs_on_overlapping_folders_share_one_store(
    corpus: Path, corpus_csv: str, tmp_path: Path
) -> None:
    store = tmp_path / "features.sqlite"  # not there yet: both runs race to create it
    halves = [(corpus / "part0", corpus / "part1"), (corpus / "part1", corpus / "part2")]
    processes = [
        subprocess.Popen(
            [
                *command("extract", *folders, "-f", FEATURES, "--format", "csv"),
                "--workers",
                workers,
                "--cache",
                str(store),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
        )
        for folders, workers in zip(halves, ("1", "2"), strict=True)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    integrity = integrity_check(store)
    third = imgsim("extract", corpus, "-f", FEATURES, "--format", "csv", "--cache", store)

    assert [process.returncode for process in processes] == [0, 0]
    assert ["locked" in stderr for _, stderr in outputs] == [False, False]
    assert [csv_rows(stdout) for stdout, _ in outputs] == [
        _rows_under(corpus_csv, *folders) for folders in halves
    ]
    assert integrity == "ok"
    assert summary(third.stderr) == expected_summary(CORPUS_SIZE, 0, CORPUS_SIZE)
    assert third.stdout == corpus_csv


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

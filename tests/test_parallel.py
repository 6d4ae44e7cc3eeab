"""The ordered process pool (library calls): results in input order for any number of
workers and chunk size, progress for every item, no pool for a single chunk, and
workers that start as the caller's setup says, knowing nothing of images."""

from __future__ import annotations

import subprocess
import sys

import pytest

from imgsim.parallel import WorkerSetup, chunking, ordered_map


def _offset(items: list[int], context: int) -> list[int]:
    """Module-level, so that worker processes find it by name."""
    return [item + context for item in items]


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, None), (2, 1), (3, 7)])
def test_ordered_map_yields_results_in_input_order(workers: int, chunk_size: int | None) -> None:
    items = list(range(100))

    results = list(ordered_map(_offset, items, 1000, workers=workers, chunk_size=chunk_size))

    assert results == [item + 1000 for item in items]


def test_ordered_map_reports_progress_for_every_item() -> None:
    done: list[int] = []

    list(ordered_map(_offset, list(range(50)), 0, workers=2, chunk_size=4, progress=done.append))

    assert sum(done) == 50


def test_a_single_chunk_runs_in_this_process() -> None:
    _, workers = chunking(10, workers=4, chunk_size=32)

    assert workers == 1


_worker_marks: list[str] = []
"""Set in each worker by :func:`_mark_worker`; empty in this process."""


def _mark_worker() -> None:
    _worker_marks.append("initialised")


def _marks(items: list[int], context: None) -> list[list[str]]:
    return [list(_worker_marks) for _ in items]


def test_every_worker_runs_the_initializer_of_its_setup() -> None:
    setup = WorkerSetup(initializer=_mark_worker)

    marks = list(ordered_map(_marks, list(range(8)), None, workers=2, chunk_size=1, setup=setup))

    assert marks == [["initialised"]] * 8


POOL_WITHOUT_SETUP = """
import sys

from imgsim.parallel import ordered_map


def negated(items, context):
    return [-item for item in items]


list(ordered_map(negated, list(range(8)), None, workers=2, chunk_size=1))
print(sorted(name for name in ("cv2", "PIL", "imgsim.features") if name in sys.modules))
"""


def test_a_pool_without_a_setup_imports_nothing_of_images_or_features() -> None:
    script = subprocess.run(
        [sys.executable, "-c", POOL_WITHOUT_SETUP], capture_output=True, text=True, timeout=60
    )

    assert script.stdout == "[]\n"

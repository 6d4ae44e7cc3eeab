"""The ordered process pool (library calls): results in input order for any number of
workers and chunk size, progress for every item, and no pool for a single chunk."""

from __future__ import annotations

import pytest

from imgsim.parallel import chunking, ordered_map


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

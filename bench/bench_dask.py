"""Extraction on a Dask cluster against the local process pool, on the same machine.

2,000 small JPEGs (128x96 crops of the corpus's photographs) with ``phash,color_hist``,
no feature store, through :func:`imgsim.engine.extract_files`:

1. the local process pool with 2 workers (a new pool each run, as every command starts
   one) against ``imgsim.distributed.cluster("local:2")``: a ``LocalCluster`` of two
   single-threaded worker processes, timed once it is up and its workers have run a
   first chunk (a cluster that is reached with ``tcp://`` is already running). Target:
   the cluster's throughput at least 0.8x the pool's. The cluster's start-up and its
   first run (workers importing OpenCV and imgsim) are reported alongside.
2. the same with ``ship_bytes``: the client reads every file and sends its bytes with
   the task. Same target.

Both check that the cluster's features equal the pool's, byte for byte.
"""

from __future__ import annotations

import time
from pathlib import Path

import corpus
from harness import Result, check, fastest_call, format_seconds, speedup, warm_page_cache

from imgsim.distributed import cluster
from imgsim.engine import ExtractOptions, ImageResult, extract_files

FILES = 2000
SIZE = (128, 96)
FEATURES = ("phash", "color_hist")
WORKERS = 2
REPEAT = 3
TARGET = 0.8


def run() -> list[Result]:
    """Throughput of ``local:2`` against the local pool of 2, paths and shipped bytes."""
    paths = corpus.build(corpus.DATA / f"small_{SIZE[0]}x{SIZE[1]}", FILES, size=SIZE)
    warm_page_cache(paths)
    options = ExtractOptions(features=FEATURES)
    pool_seconds, pool = fastest_call(lambda: _extract(paths, options), REPEAT)
    started = time.perf_counter()
    with cluster(f"local:{WORKERS}"):
        start_up = time.perf_counter() - started
        first = time.perf_counter()
        _extract(paths, options)
        first_run = time.perf_counter() - first
        dask_seconds, on_paths = fastest_call(lambda: _extract(paths, options), REPEAT)
    with cluster(f"local:{WORKERS}", ship_bytes=True):
        _extract(paths, options)
        shipped_seconds, shipped = fastest_call(lambda: _extract(paths, options), REPEAT)
    pool_line = (
        f"local pool of {WORKERS}: {format_seconds(pool_seconds)} per run (best of {REPEAT})"
    )
    return [
        speedup(
            f"extract {FILES:,} small JPEGs: local:{WORKERS} vs the pool",
            imgsim_seconds=dask_seconds,
            reference_seconds=pool_seconds,
            at_least=TARGET,
            details=(
                pool_line,
                f"local:{WORKERS}: {format_seconds(dask_seconds)} per run once running; "
                f"cluster start-up {format_seconds(start_up)}, first run "
                f"{format_seconds(first_run)} (workers import OpenCV and imgsim)",
                f"{FILES / pool_seconds:.0f} images/s in the pool, "
                f"{FILES / dask_seconds:.0f} on the cluster",
            ),
        ),
        speedup(
            f"extract {FILES:,} small JPEGs: local:{WORKERS} with shipped bytes vs the pool",
            imgsim_seconds=shipped_seconds,
            reference_seconds=pool_seconds,
            at_least=TARGET,
            details=(pool_line, f"{FILES / shipped_seconds:.0f} images/s with shipped bytes"),
        ),
        check(
            "local:2 features equal the pool's, byte for byte (paths and shipped bytes)",
            target="equal",
            passed=_snapshot(on_paths) == _snapshot(pool) == _snapshot(shipped),
        ),
    ]


def _extract(paths: list[Path], options: ExtractOptions) -> list[ImageResult]:
    return list(extract_files(paths, options, workers=WORKERS))


def _snapshot(results: list[ImageResult]) -> list[tuple[str, dict[str, bytes]]]:
    return [
        (str(result.path), {name: value.tobytes() for name, value in result.features.items()})
        for result in results
    ]


if __name__ == "__main__":
    for result in run():
        print(result)

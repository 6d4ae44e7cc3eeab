"""Extraction on a Dask cluster against the local process pool, on the same machine.

2,000 small JPEGs (128x96 crops of the corpus's photographs) with ``phash,color_hist``,
no feature store, through :func:`imgsim.engine.extract_files`:

1. the local process pool with 2 workers (a new pool each run, as every command starts
   one) against ``imgsim.distributed.cluster("local:2")``: a ``LocalCluster`` of two
   single-threaded worker processes, timed once it is up and its workers have run a
   first run (a cluster that is reached with ``tcp://`` is already running). Target:
   the cluster's throughput at least 0.8x the pool's. The cluster's start-up and its
   first run (workers importing OpenCV and imgsim) are reported alongside, as the
   throughput of a one-shot ``--scheduler local:2`` run.
2. the same with ``ship_bytes``: the client reads every file and sends its bytes with
   the task (a second client of the same cluster, connected by its address). Same target.

The runs are interleaved (pool, cluster, shipped, three times; the best of each), so
that a busy moment of the machine slows all three alike; a check says that the
cluster's features equal the pool's, byte for byte.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from pathlib import Path

import corpus
from harness import Result, check, format_seconds, speedup, warm_page_cache

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
    timings: dict[str, list[float]] = {"pool": [], "paths": [], "shipped": []}
    outputs: dict[str, list[ImageResult]] = {}

    def timed(name: str, action: Callable[[], list[ImageResult]]) -> None:
        started = time.perf_counter()
        outputs[name] = action()
        timings[name].append(time.perf_counter() - started)

    started = time.perf_counter()
    with cluster(f"local:{WORKERS}") as on_paths:
        start_up = time.perf_counter() - started
        timed("paths", lambda: _extract(paths, options))
        first_run = timings["paths"].pop()
        address = on_paths.client.scheduler.address
        for _ in range(REPEAT):  # interleaved, so that a busy moment hits all three alike
            # An empty context has no cluster: the local pool.
            timed("pool", lambda: contextvars.Context().run(_extract, paths, options))
            timed("paths", lambda: _extract(paths, options))
            # A second client of the same warm workers, reached by address as with tcp://.
            with cluster(address, ship_bytes=True):
                timed("shipped", lambda: _extract(paths, options))
    pool, dask, shipped = (min(timings[name]) for name in ("pool", "paths", "shipped"))
    pool_line = f"pool of {WORKERS}: {format_seconds(pool)} per run (best of {REPEAT})"
    return [
        speedup(
            f"extract {FILES:,} small JPEGs: local:{WORKERS} vs the pool",
            imgsim_seconds=dask,
            reference_seconds=pool,
            at_least=TARGET,
            details=(
                pool_line,
                f"local:{WORKERS}: {format_seconds(dask)} per run once running; cluster "
                f"start-up {format_seconds(start_up)}, first run {format_seconds(first_run)} "
                "(workers import OpenCV and imgsim)",
                f"{FILES / pool:.0f} images/s in the pool, {FILES / dask:.0f} on the cluster",
                f"one-shot local:{WORKERS} run, start-up and first run included: "
                f"{FILES / (start_up + first_run):.0f} images/s",
            ),
        ),
        speedup(
            f"extract {FILES:,} small JPEGs: local:{WORKERS} with shipped bytes vs the pool",
            imgsim_seconds=shipped,
            reference_seconds=pool,
            at_least=TARGET,
            details=(pool_line, f"{FILES / shipped:.0f} images/s with shipped bytes"),
        ),
        check(
            "local:2 features equal the pool's, byte for byte (paths and shipped bytes)",
            target="equal",
            passed=_snapshot(outputs["paths"])
            == _snapshot(outputs["pool"])
            == _snapshot(outputs["shipped"]),
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

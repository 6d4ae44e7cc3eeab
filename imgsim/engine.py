"""Run the pipeline over many files: decode once, extract every feature, in parallel.

Work is cut into chunks of files and spread over a process pool. Results stream
back in input order while at most a bounded window of chunks is in flight, so
memory does not grow with the number of files. ``workers=1`` runs in this process.
Results are identical for any number of workers or chunk size.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import BadImage
from imgsim.features import (
    FeatureParams,
    FeatureSpec,
    check_params,
    decode_side,
    extract_one,
    needs_color,
    resolve_features,
)
from imgsim.images import DEFAULT_MAX_PIXELS, decode_upright_rgb

if TYPE_CHECKING:
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

Item = TypeVar("Item")
Result = TypeVar("Result")
ProgressCallback = Callable[[int], None]
"""Called with the number of items just finished."""

_CHUNKS_IN_FLIGHT_PER_WORKER = 4
_MAX_CHUNK = 32


@dataclass(frozen=True)
class ExtractOptions:
    """What to compute for each image, and how to decode it."""

    features: tuple[str, ...]
    params: FeatureParams = field(default_factory=FeatureParams)
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_side: int | None = None
    """Resize so the longer side is at most this (``--size``); ``None``: the features decide."""


@dataclass(frozen=True)
class ImageResult:
    """The features of one file, or the reason it could not be read."""

    path: Path
    width: int | None = None
    height: int | None = None
    features: dict[str, NDArray[np.generic]] = field(default_factory=dict)
    error: str | None = None


def default_workers() -> int:
    """All cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class _Plan:
    """What :class:`ExtractOptions` imply for every file, worked out once."""

    specs: tuple[FeatureSpec, ...]
    min_side: int | None
    gray: bool


@functools.lru_cache(maxsize=16)
def _plan(options: ExtractOptions) -> _Plan:
    specs = tuple(resolve_features(options.features))
    return _Plan(specs, decode_side(specs, options.params), gray=not needs_color(specs))


def extract_file(path: Path, options: ExtractOptions) -> ImageResult:
    """Decode one file once and compute every requested feature from that decode."""
    plan = _plan(options)
    try:
        decoded = decode_upright_rgb(
            path,
            max_pixels=options.max_pixels,
            min_side=plan.min_side,
            max_side=options.max_side,
            gray=plan.gray,
        )
    except BadImage as error:
        return ImageResult(path=path, error=error.reason)
    return ImageResult(
        path=path,
        width=decoded.width,
        height=decoded.height,
        features=extract_one(decoded.pixels, plan.specs, options.params),
    )


def extract_files(
    paths: Sequence[Path],
    options: ExtractOptions,
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[ImageResult]:
    """Features of every file, in input order, streamed as they are ready."""
    # Unknown names and unusable options fail before any work starts.
    check_params(resolve_features(options.features), options.params)
    return ordered_map(
        _extract_chunk,
        paths,
        options,
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
    )


def _extract_chunk(paths: list[Path], options: ExtractOptions) -> list[ImageResult]:
    return [extract_file(path, options) for path in paths]


Context = TypeVar("Context")


def ordered_map(
    work: Callable[[list[Item], Context], list[Result]],
    items: Sequence[Item],
    context: Context,
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Result]:
    """``work`` over chunks of ``items`` in a process pool, yielding results in input order.

    ``work`` must be a module-level function (it is sent to worker processes by
    name); ``context`` is sent along with every chunk.
    """
    workers = default_workers() if workers is None else max(1, workers)
    size = chunk_size or _chunk_size(len(items), workers)
    chunks = [list(items[start : start + size]) for start in range(0, len(items), size)]
    if workers == 1 or len(chunks) <= 1:
        for chunk in chunks:
            results = work(chunk, context)
            if progress is not None:
                progress(len(results))
            yield from results
        return
    from concurrent.futures import ProcessPoolExecutor  # only jobs that need a pool pay for it

    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=_pool_context(),
        initializer=_init_worker,
    ) as pool:
        window: deque[Future[list[Result]]] = deque()
        pending = iter(chunks)
        limit = workers * _CHUNKS_IN_FLIGHT_PER_WORKER
        for chunk in pending:
            window.append(pool.submit(work, chunk, context))
            if len(window) >= limit:
                break
        while window:
            results = window.popleft().result()
            next_chunk = next(pending, None)
            if next_chunk is not None:
                window.append(pool.submit(work, next_chunk, context))
            if progress is not None:
                progress(len(results))
            yield from results


def _chunk_size(count: int, workers: int) -> int:
    """Small enough to balance the load and stream, large enough to amortise messaging."""
    return max(1, min(_MAX_CHUNK, -(-count // (workers * 8))))


_WORKER_MODULES = ("cv2", "scipy.fft", "imgsim.pairs", "imgsim.features.hashes")


def _pool_context() -> BaseContext:
    import multiprocessing

    # A forked child can inherit OpenCV's thread pool in a locked state and hang,
    # but only once a multi-threaded cv2 call has run in this process. If cv2 is
    # not even imported yet, nothing can have run: import the workers' modules
    # here (importing starts no threads) and fork, which starts workers at once.
    # Otherwise a fork server that imported them before any such call forks clean
    # workers.
    if sys.platform.startswith("linux") and "cv2" not in sys.modules:
        for module in _WORKER_MODULES:
            importlib.import_module(module)
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(_WORKER_MODULES))
        return context
    return multiprocessing.get_context("spawn")


def _init_worker() -> None:
    import cv2

    # One process per core already: OpenCV's own thread pool would oversubscribe.
    cv2.setNumThreads(1)

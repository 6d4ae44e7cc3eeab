"""Run the pipeline over many files: store look-up, decode once, extract, in parallel.

Work is cut into chunks of files. The main process looks each chunk up in the
feature store (unchanged files whose features are all stored are not read at all);
the rest go to a process pool, created only when there is something to compute.
Results stream back in input order while at most a bounded window of chunks is in
flight, so memory does not grow with the number of files, and the main process
writes new features to the store as they arrive. ``workers=1`` runs in this
process. Results are identical for any number of workers or chunk size.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numpy.typing import NDArray

from imgsim.decoding import DecodeGroup, decode_groups, group_by_decode
from imgsim.errors import BadImage
from imgsim.features import (
    FeatureParams,
    FeatureSpec,
    check_params,
    extract_one,
    resolve_features,
)
from imgsim.images import DEFAULT_MAX_PIXELS
from imgsim.memory import keep_freed_memory

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

    # The store (SQLite, hashlib) is imported by the functions that use it: runs
    # without a store, such as a one-pair compare, do not pay for it.
    from imgsim.store import FeatureStore, FileStamp, StoredImage, StoreReader

Item = TypeVar("Item")
Result = TypeVar("Result")
Tag = TypeVar("Tag")
Context = TypeVar("Context")
ProgressCallback = Callable[[int, int], None]
"""Called with the number of items just finished and how many of them came from the store."""

_CHUNKS_IN_FLIGHT_PER_WORKER = 4
_MAX_CHUNK = 32
_IDLE_SECONDS = 0.2
"""While waiting for workers, the main process wakes this often (to commit the store)."""


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
    stored: bool = False
    """The features were taken from the feature store, not computed."""
    stamp: FileStamp | None = None
    """The file as it was read (for the store; ``None`` without a store)."""
    digest: bytes | None = None
    """Digest of the file's bytes (for the store; ``None`` without a store)."""


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
    groups: tuple[DecodeGroup, ...]
    """The features by decode: one decode per group."""
    keys: dict[str, str]
    """``{feature name: store key}``."""


@functools.lru_cache(maxsize=16)
def _plan(options: ExtractOptions) -> _Plan:
    specs = tuple(resolve_features(options.features))
    groups = group_by_decode(specs, options.params, options.max_side)
    # A JPEG's pixels depend on the decode (DCT scaling, luma or RGB, --size), so each
    # feature's own decode is part of its key: values from another decode are never
    # reused, and the key does not depend on the other features of the run.
    decodes = {spec.name: group.decode.label for group in groups for spec in group.specs}
    keys = {
        spec.name: f"{spec.name}:v{spec.version}:"
        f"{json.dumps(spec.param_values(options.params), sort_keys=True)}:{decodes[spec.name]}"
        for spec in specs
    }
    return _Plan(specs, groups, keys)


def feature_keys(options: ExtractOptions) -> dict[str, str]:
    """``{feature name: store key}``: name, version, parameters and decode of each feature."""
    return dict(_plan(options).keys)


def extract_file(
    path: Path, options: ExtractOptions, *, reader: StoreReader | None = None, stamped: bool = False
) -> ImageResult:
    """Read one file once, decode it once per decode its features need, and compute
    every requested feature from its own decode.

    With ``stamped`` (a store is in use) the result carries the file's stamp and
    digest; with a ``reader`` too, content already in the store is not decoded.
    """
    plan = _plan(options)
    stamp = digest = data = None
    if stamped or reader is not None:
        from imgsim.store import FileStamp, file_digest

        stamp = FileStamp.of(path)
        known = reader.find_file(stamp, list(plan.keys.values())) if reader and stamp else None
        if known is not None:
            return _stored_result(path, known[1], plan, options.max_pixels, stamp, known[0])
        try:
            data = path.read_bytes()
        except OSError:
            pass  # the decoder reports why the file cannot be read
        else:
            digest = file_digest(data)
            stored = reader.find(digest, list(plan.keys.values())) if reader else None
            if stored is not None:
                return _stored_result(path, stored, plan, options.max_pixels, stamp, digest)
    try:
        decoded = decode_groups(path, plan.groups, max_pixels=options.max_pixels, data=data)
    except BadImage as error:
        return ImageResult(path=path, error=error.reason)
    features: dict[str, NDArray[np.generic]] = {}
    for group, image in zip(plan.groups, decoded, strict=True):
        features |= extract_one(image.pixels, group.specs, options.params, reduced=image.reduced)
    return ImageResult(
        path=path,
        width=decoded[0].width,
        height=decoded[0].height,
        features={spec.name: features[spec.name] for spec in plan.specs},
        stamp=stamp,
        digest=digest,
    )


def _stored_result(
    path: Path,
    stored: StoredImage,
    plan: _Plan,
    max_pixels: int,
    stamp: FileStamp | None = None,
    digest: bytes | None = None,
) -> ImageResult:
    if stored.width * stored.height > max_pixels:  # refused as a decode would refuse it
        reason = f"{stored.width}x{stored.height} exceeds --max-pixels {max_pixels}"
        return ImageResult(path=path, error=reason)
    features = {name: stored.features[key] for name, key in plan.keys.items()}
    return ImageResult(path, stored.width, stored.height, features, None, True, stamp, digest)


@dataclass(frozen=True)
class _ChunkContext:
    options: ExtractOptions
    store: Path | None
    """The store workers may read from, or ``None`` without a store."""


def extract_files(
    paths: Sequence[Path],
    options: ExtractOptions,
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    store: FeatureStore | None = None,
) -> Iterator[ImageResult]:
    """Features of every file, in input order, streamed as they are ready.

    With a ``store``, stored features are reused and new ones are written to it
    (the caller closes the store, which commits the last batch).
    """
    # Unknown names and unusable options fail before any work starts.
    check_params(resolve_features(options.features), options.params)
    workers = default_workers() if workers is None else max(1, workers)
    size = chunk_size or _chunk_size(len(paths), workers)
    workers = _workers_for(len(paths), size, workers)
    context = _ChunkContext(options, store.path if store is not None and store.usable else None)
    return _extract_stream(paths, context, size, workers, progress, store)


def _extract_stream(
    paths: Sequence[Path],
    context: _ChunkContext,
    size: int,
    workers: int,
    progress: ProgressCallback | None,
    store: FeatureStore | None,
) -> Iterator[ImageResult]:
    plan = _plan(context.options)
    keys = plan.keys
    max_pixels = context.options.max_pixels
    jobs = (
        _look_up(list(paths[i : i + size]), plan, max_pixels, store)
        for i in range(0, len(paths), size)
    )
    idle = store.flush_if_due if store is not None else None
    try:
        yield from _merged(jobs, context, workers, idle, progress, store, keys)
    finally:
        if context.store is not None:
            release_reader(context.store)


def _merged(
    jobs: Iterator[tuple[tuple[list[Path], dict[int, ImageResult]], list[Path]]],
    context: _ChunkContext,
    workers: int,
    idle: Callable[[], None] | None,
    progress: ProgressCallback | None,
    store: FeatureStore | None,
    keys: dict[str, str],
) -> Iterator[ImageResult]:
    """Stored and computed results of each chunk, in input order; new ones recorded."""
    for (chunk, found), computed in stream_chunks(
        _extract_chunk, jobs, context, workers=workers, idle=idle
    ):
        fresh = iter(computed)
        results = [found.get(index) or next(fresh) for index in range(len(chunk))]
        if store is not None:
            for index, result in enumerate(results):
                if index not in found:
                    record(store, result, keys)
        if progress is not None:
            progress(len(results), sum(result.stored for result in results))
        yield from results


def _look_up(
    chunk: list[Path], plan: _Plan, max_pixels: int, store: FeatureStore | None
) -> tuple[tuple[list[Path], dict[int, ImageResult]], list[Path]]:
    """Split a chunk into results found in the store (by position) and files to compute."""
    found: dict[int, ImageResult] = {}
    if store is not None and store.usable:
        from imgsim.store import FileStamp

        stamps = {index: FileStamp.of(path) for index, path in enumerate(chunk)}
        keys = list(plan.keys.values())
        known = store.find([s for s in stamps.values() if s is not None], keys)
        for index, stamp in stamps.items():
            stored = known.get(stamp.path) if stamp is not None else None
            if stored is not None:
                found[index] = _stored_result(chunk[index], stored, plan, max_pixels)
    misses = [path for index, path in enumerate(chunk) if index not in found]
    return (chunk, found), misses


def record(store: FeatureStore, result: ImageResult, keys: dict[str, str]) -> None:
    """Queue what a worker found for the store: new features, or (for content already
    stored under another name) only the file's path and digest."""
    if result.stamp is None or result.digest is None or result.width is None:
        return  # unreadable, or read without a store
    from imgsim.store import NewEntry

    store.add(
        NewEntry(
            stamp=result.stamp,
            digest=result.digest,
            width=result.width,
            height=result.height or 0,
            features={}
            if result.stored
            else {keys[name]: value for name, value in result.features.items()},
            names={key: name for name, key in keys.items()},
        )
    )


_readers: dict[tuple[int, Path], StoreReader] = {}
"""One read-only store connection per process (keyed by pid: a forked child must not
use its parent's connection)."""


def store_reader(path: Path) -> StoreReader:
    """This process's read-only connection to the store at ``path`` (a new one when the
    file there was deleted or replaced since, e.g. by ``imgsim cache clear``)."""
    from imgsim.store import StoreReader

    key = (os.getpid(), path)
    reader = _readers.get(key)
    if reader is None or reader.identity != StoreReader.identify(path):
        if reader is not None:
            reader.close()
        reader = _readers[key] = StoreReader(path)
    return reader


def release_reader(path: Path) -> None:
    """Close this process's reader of ``path`` (the last connection lets SQLite checkpoint
    the write-ahead log into the database file)."""
    reader = _readers.pop((os.getpid(), path), None)
    if reader is not None:
        reader.close()


def _extract_chunk(paths: list[Path], context: _ChunkContext) -> list[ImageResult]:
    reader = store_reader(context.store) if context.store is not None else None
    stamped = context.store is not None
    return [extract_file(path, context.options, reader=reader, stamped=stamped) for path in paths]


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
    workers = _workers_for(len(items), size, workers)
    jobs = ((None, list(items[i : i + size])) for i in range(0, len(items), size))
    for _, results in stream_chunks(work, jobs, context, workers=workers):
        if progress is not None:
            progress(len(results), 0)
        yield from results


def stream_chunks(
    work: Callable[[list[Item], Context], list[Result]],
    jobs: Iterable[tuple[Tag, list[Item]]],
    context: Context,
    *,
    workers: int,
    idle: Callable[[], None] | None = None,
) -> Iterator[tuple[Tag, list[Result]]]:
    """``(tag, work(items, context))`` for each job, in order.

    ``jobs`` is consumed lazily, at most a window of them ahead of the results.
    With ``workers`` > 1 the work runs in a process pool, started only when a job
    has items (an empty job never leaves this process). ``idle`` is called every
    fraction of a second while the main process waits for a worker, and after each
    item when the work runs in this process.
    """
    if workers == 1:
        for tag, items in jobs:
            results: list[Result] = []
            for item in items:  # one at a time, so that ``idle`` runs between them
                results += work([item], context)
                if idle is not None:
                    idle()
            yield tag, results
        return
    pool: ProcessPoolExecutor | None = None
    window: deque[tuple[Tag, Future[list[Result]] | None]] = deque()
    limit = workers * _CHUNKS_IN_FLIGHT_PER_WORKER
    try:
        for tag, items in jobs:
            future = None
            if items:
                pool = pool or _start_pool(workers)
                future = pool.submit(work, items, context)
            window.append((tag, future))
            while len(window) >= limit or (window and _is_ready(window[0][1])):
                yield _next_result(window, idle)
        while window:
            yield _next_result(window, idle)
    except BaseException:
        if pool is not None:
            _stop_pool(pool)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """End the workers now (an interrupted or failed run): they are told to terminate,
    and killed if they have not within a second; no process is left behind."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=1.0)
        if process.is_alive():
            process.kill()
            process.join()


def _is_ready(future: Future[list[Result]] | None) -> bool:
    return future is None or future.done()


def _next_result(
    window: deque[tuple[Tag, Future[list[Result]] | None]], idle: Callable[[], None] | None
) -> tuple[Tag, list[Result]]:
    from concurrent.futures import TimeoutError as FutureTimeout

    tag, future = window.popleft()
    if future is None:
        return tag, []
    while True:
        try:
            return tag, future.result(timeout=_IDLE_SECONDS if idle is not None else None)
        except FutureTimeout:
            assert idle is not None  # no timeout without an idle callback
            idle()


def _start_pool(workers: int) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor  # only jobs that need a pool pay for it

    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_pool_context(), initializer=_init_worker
    )


def _chunk_size(count: int, workers: int) -> int:
    """Small enough to balance the load and stream, large enough to amortise messaging."""
    return max(1, min(_MAX_CHUNK, -(-count // (workers * 8))))


def _workers_for(count: int, size: int, workers: int) -> int:
    """At most one worker per chunk: a worker with nothing to do would only cost its
    start-up. One chunk (or none) runs in this process, without a pool."""
    return max(1, min(workers, -(-count // size)))


_WORKER_MODULES = ("cv2", "imgsim.pairs", "imgsim.features.hashes")


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
    keep_freed_memory()
    _follow_the_main_process()


def _follow_the_main_process() -> None:
    """Leave interruptions to the main process, and never outlive it.

    A forked worker inherits the command line's signal handlers: Ctrl-C (sent to the
    whole process group) is ignored here, since the main process stops the workers
    itself; SIGTERM ends a worker at once. If the main process dies without that
    (SIGKILL), Linux sends its workers SIGKILL too.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        parent = os.getppid()
        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

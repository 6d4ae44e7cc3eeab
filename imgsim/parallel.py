"""Ordered, bounded, chunked execution in a local process pool, or on a Dask cluster.

Work is cut into chunks of items; each chunk goes to a worker process as one
message. Results come back in input order while at most a bounded window of
chunks is in flight, so memory does not grow with the number of items. One chunk
(or ``workers=1``) runs in this process, without a pool. The pool is started only
when there is something to send it, and stopped at once (no process left behind)
when the run is interrupted or fails.

Inside :func:`imgsim.distributed.cluster` the same chunks go to a Dask cluster
instead, whatever the number of workers (see :mod:`imgsim.distributed`).

This module knows nothing of what the work is: callers send a module-level
function, the items and a context that travels with every chunk, and say in a
:class:`WorkerSetup` what each worker imports and runs before its first chunk.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from imgsim import distributed
from imgsim.errors import Argument, ArgumentError

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

Item = TypeVar("Item")
Result = TypeVar("Result")
Tag = TypeVar("Tag")
Context = TypeVar("Context")

_CHUNKS_IN_FLIGHT_PER_WORKER = 4
_MAX_CHUNK = 32
_IDLE_SECONDS = 0.2
"""While waiting for workers, the main process wakes this often (e.g. to commit a store)."""


@dataclass(frozen=True)
class WorkerSetup:
    """How each worker process starts: what it imports and runs before its first chunk."""

    preload: tuple[str, ...] = ()
    """Modules every worker imports first (imported once, before the workers are forked
    or in the fork server they are forked from, so that no worker pays for them)."""
    unforkable_after: tuple[str, ...] = ()
    """Modules whose use can leave this process in a state a forked child must not
    inherit (e.g. a thread pool held locked). While none of them is imported, nothing
    can have used them: workers are forked from this process, which starts them at once.
    Otherwise they are forked from a fork server that imported :attr:`preload` before
    any such use."""
    initializer: Callable[[], None] | None = None
    """A module-level function every worker runs first (sent to it by name)."""


_NO_SETUP = WorkerSetup()


def default_workers() -> int:
    """All cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunking(count: int, *, workers: int | None, chunk_size: int | None) -> tuple[int, int]:
    """``(chunk size, workers)`` for ``count`` items: ``workers`` (default: all cores)
    and ``chunk_size`` (default: chosen for the load) as a run will use them.

    On a cluster the chunks are sized for its worker threads (``workers`` is then what
    this process itself runs, such as model features)."""
    workers = default_workers() if workers is None else max(1, workers)
    on = distributed.current()
    size = chunk_size or _chunk_size(count, workers if on is None else on.threads())
    return size, _workers_for(count, size, workers)


def ordered_map(
    work: Callable[[list[Item], Context], list[Result]],
    items: Sequence[Item],
    context: Context,
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    setup: WorkerSetup = _NO_SETUP,
    carries_bytes: bool = False,
) -> Iterator[Result]:
    """``work`` over chunks of ``items`` in a process pool, yielding results in input order.

    ``work`` must be a module-level function (it is sent to worker processes by
    name); ``context`` is sent along with every chunk. ``progress`` is called with
    the number of items just finished; ``setup`` says how each worker starts;
    ``carries_bytes`` as for :func:`stream_chunks`.
    """
    size, workers = chunking(len(items), workers=workers, chunk_size=chunk_size)
    jobs = ((None, list(items[i : i + size])) for i in range(0, len(items), size))
    chunks = stream_chunks(
        work, jobs, context, workers=workers, setup=setup, carries_bytes=carries_bytes
    )
    for _, results in chunks:
        if progress is not None:
            progress(len(results))
        yield from results


def stream_chunks(
    work: Callable[[list[Item], Context], list[Result]],
    jobs: Iterable[tuple[Tag, list[Item]]],
    context: Context,
    *,
    workers: int,
    idle: Callable[[], None] | None = None,
    setup: WorkerSetup = _NO_SETUP,
    carries_bytes: bool = False,
) -> Iterator[tuple[Tag, list[Result]]]:
    """``(tag, work(items, context))`` for each job, in order.

    ``jobs`` is consumed lazily, at most a window of them ahead of the results.
    With ``workers`` > 1 the work runs in a process pool, started only when a job
    has items (an empty job never leaves this process), each worker as ``setup``
    says. ``idle`` is called every fraction of a second while the main process waits
    for a worker, and after each item when the work runs in this process.

    Inside :func:`imgsim.distributed.cluster` every job with items goes to the cluster.
    ``carries_bytes`` says that the items hold the contents of their files, as a cluster
    with ``ship_bytes`` needs; other work is refused there (its workers would read the
    files themselves).
    """
    on = distributed.current()
    if on is not None:
        if on.ship_bytes and not carries_bytes:
            raise ArgumentError(
                "{} sends the files' contents for feature extraction only: this work reads "
                "its files on the workers, which need them on a shared file system",
                Argument("ship_bytes"),
            )
        yield from distributed.stream_on(on, work, jobs, context, idle=idle, setup=setup)
        return
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
                pool = pool or _start_pool(workers, setup)
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


def _end_with(main: int) -> None:
    """End this process as soon as the process ``main`` is gone."""
    import time

    while True:
        time.sleep(_WATCH_SECONDS)
        try:
            os.kill(main, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # another user's process has taken the number: gone too
            os._exit(1)


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


def _start_pool(workers: int, setup: WorkerSetup) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor  # only jobs that need a pool pay for it

    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_pool_context(setup),
        initializer=_init_worker,
        initargs=(setup.initializer, os.getpid()),
    )


def _chunk_size(count: int, workers: int) -> int:
    """Small enough to balance the load and stream, large enough to amortise messaging."""
    return max(1, min(_MAX_CHUNK, -(-count // (workers * 8))))


def _workers_for(count: int, size: int, workers: int) -> int:
    """At most one worker per chunk: a worker with nothing to do would only cost its
    start-up. One chunk (or none) runs in this process, without a pool."""
    return max(1, min(workers, -(-count // size)))


def _pool_context(setup: WorkerSetup) -> BaseContext:
    import multiprocessing

    # Importing starts no threads: while no module that could leave a forked child
    # a locked state is even imported, forking is safe, and it starts workers at once.
    if sys.platform.startswith("linux") and not any(
        module in sys.modules for module in setup.unforkable_after
    ):
        for module in setup.preload:
            importlib.import_module(module)
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(setup.preload))
        return context
    return multiprocessing.get_context("spawn")


def _init_worker(initializer: Callable[[], None] | None, main: int) -> None:
    _follow_the_main_process(main)
    if initializer is not None:
        initializer()


_WATCH_SECONDS = 0.25
"""How often a worker started by a fork server checks that the main process is alive."""


def _follow_the_main_process(main: int) -> None:
    """Leave interruptions to the main process, and never outlive it.

    A forked worker inherits the command line's signal handlers: Ctrl-C (sent to the
    whole process group) is ignored here, since the main process stops the workers
    itself; SIGTERM ends a worker at once. If the main process dies without that
    (SIGKILL), Linux sends its workers SIGKILL too. A worker that a fork server started
    is the fork server's child, which outlives the main process (each worker holds the
    fork server open): it watches the main process itself and ends when it is gone, so
    that a worker started while the main process was being interrupted is not left
    waiting for work forever.
    """
    if os.getppid() != main:
        import threading

        threading.Thread(target=_end_with, args=(main,), daemon=True).start()
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

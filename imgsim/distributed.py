"""Runs on a Dask distributed cluster instead of the local process pool.

Inside ``with cluster(address):`` every chunk that :func:`imgsim.parallel.stream_chunks`
would send to the local process pool is submitted to Dask instead: the same module-level
``work(items, context)`` function, the same chunks, results in the same input order, so
the results are those of a local run. The feature store stays on the client (this
process): it looks files up before anything is sent and writes what comes back, and
extraction workers on a cluster do not open it. Model features run on the client too.

- ``tcp://HOST:PORT`` (or any address ``distributed.Client`` takes) connects to a running
  scheduler (``dask scheduler``; ``dask worker ADDRESS`` on each machine, or
  dask-jobqueue / dask-kubernetes); one that cannot be reached within
  ``connect_timeout`` seconds is an :class:`~imgsim.errors.ArgumentError` naming it.
- ``local:N`` starts a ``LocalCluster`` of N single-threaded worker processes for the
  run, and stops it at the end.

Workers read the files from a file system they share with the client (the paths must
name the same files there), unless ``ship_bytes`` is set: the client then reads each
file and sends its bytes with the task (only jobs whose items can carry them, see
:func:`imgsim.parallel.stream_chunks`). A few chunks per worker thread are in flight,
and at most :data:`SHIPPED_BYTES_IN_FLIGHT` of shipped files.

Failures: a worker that dies mid-run (killed, out of memory) has its tasks run again
elsewhere by the scheduler (Dask's ``distributed.scheduler.allowed-failures``, 3 by
default, bounds how often one task may take a worker down); a task that raises is run
again ``_RETRIES`` times (a worker may have been half-way through a restart). Dask is the
optional extra ``imgsim[dask]``: without it, :func:`cluster` says how to install it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from imgsim.errors import Argument, ArgumentError, ImgsimError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from imgsim.parallel import WorkerSetup
    from imgsim.store import FileStamp

Item = TypeVar("Item")
Result = TypeVar("Result")
Tag = TypeVar("Tag")
Context = TypeVar("Context")

INSTALL = "pip install 'imgsim[dask]'"
"""How to install what :func:`cluster` needs."""

_CHUNKS_IN_FLIGHT_PER_THREAD = 4
"""As for the local pool: enough queued that no worker thread waits for its next chunk."""
_RETRIES = 2
_IDLE_SECONDS = 0.2
"""While waiting for a chunk, the client wakes this often (e.g. to commit a store)."""
_RECOUNT_SECONDS = 1.0
"""How often the number of worker threads is asked again (workers join and leave)."""
_LOCAL_PREFIX = "local:"


@dataclass
class Cluster:
    """A Dask client for the run, and how tasks carry their files."""

    client: Any
    """The ``distributed.Client``."""
    address: str
    """The address as given (``tcp://HOST:PORT`` or ``local:N``)."""
    ship_bytes: bool = False
    """Tasks carry the files' bytes, read on the client."""
    _threads: int = 0
    _counted: float = field(default=float("-inf"))

    def threads(self) -> int:
        """Worker threads of the cluster now (at least 1: a scheduler whose workers have
        not joined yet still takes tasks, which wait for them)."""
        now = time.monotonic()
        if now - self._counted >= _RECOUNT_SECONDS:
            self._threads = sum(self.client.nthreads().values())
            self._counted = now
        return max(1, self._threads)


_current: contextvars.ContextVar[Cluster | None] = contextvars.ContextVar(
    "imgsim_cluster", default=None
)


def current() -> Cluster | None:
    """The cluster that runs chunks now (see :func:`cluster`), or ``None``: the local pool."""
    return _current.get()


def ships_bytes() -> bool:
    """Whether tasks carry their files' bytes now (a cluster with ``ship_bytes``)."""
    found = _current.get()
    return found is not None and found.ship_bytes


@dataclass(frozen=True)
class ShippedFile:
    """A file read on the client, sent with its task to a worker that cannot read it."""

    path: Path
    data: bytes
    stamp: FileStamp | None
    """The file as the client saw it (for the feature store; ``None`` without one)."""


def read_files(paths: list[Path], *, stamped: bool) -> tuple[list[ShippedFile], dict[int, str]]:
    """The files that could be read, to ship, and why each other one (by position in
    ``paths``) could not, in the decoder's words; ``stamped``: with their stamps."""
    from imgsim.store import FileStamp

    shipped: list[ShippedFile] = []
    unreadable: dict[int, str] = {}
    for position, path in enumerate(paths):
        try:
            data = path.read_bytes()
        except OSError as error:
            unreadable[position] = f"cannot read: {error.strerror or error}"
            continue
        shipped.append(ShippedFile(path, data, FileStamp.of(path) if stamped else None))
    return shipped, unreadable


@contextlib.contextmanager
def cluster(
    address: str, *, ship_bytes: bool = False, connect_timeout: float = 10.0
) -> Iterator[Cluster]:
    """While it lasts, chunks of work run on the Dask cluster at ``address``.

    ``address``: ``tcp://HOST:PORT`` of a running scheduler, or ``local:N`` for a
    ``LocalCluster`` of N worker processes with one thread each, started here and
    stopped at the end. ``ship_bytes``: send the files' contents with each task, for
    workers that cannot read the files. Results must be consumed inside the block.
    """
    if connect_timeout <= 0:
        raise ArgumentError("{} must be positive", Argument("connect_timeout", connect_timeout))
    distributed = _import_distributed()
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_connect(distributed, address, connect_timeout))
        found = Cluster(client, address, ship_bytes)
        token = _current.set(found)
        stack.callback(_current.reset, token)
        yield found


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError(f"running on a Dask cluster needs Dask distributed: {INSTALL}") from None
    return distributed


@contextlib.contextmanager
def _connect(distributed: Any, address: str, timeout: float) -> Iterator[Any]:
    """A client of the scheduler at ``address``, or of a new local cluster (``local:N``)."""
    if address.startswith(_LOCAL_PREFIX):
        workers = _local_workers(address)
        local = distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler's HTTP server (health checks) starts even without a dashboard,
            # on port 8787 unless told otherwise: any free port, so that no run warns
            # that another has 8787.
            scheduler_kwargs={"dashboard_address": ":0"},
            # Its workers' start-up and shutdown chatter is no part of a run's output.
            silence_logs=logging.ERROR,
        )
        with local, distributed.Client(local, timeout=timeout) as client:
            yield client
        return
    try:
        client = distributed.Client(address, timeout=timeout)
    except OSError as error:
        raise ArgumentError(
            f"{{}}: cannot reach the Dask scheduler within {timeout:g} s ({error})",
            Argument("scheduler", address),
        ) from None
    except (ValueError, TypeError) as error:
        raise ArgumentError(
            f"{{}} is not a scheduler address ({error}): give tcp://HOST:PORT or local:N",
            Argument("scheduler", address),
        ) from None
    with client:
        yield client


def _local_workers(address: str) -> int:
    text = address[len(_LOCAL_PREFIX) :]
    if not text.isdigit() or int(text) < 1:
        raise ArgumentError(
            "{} must be tcp://HOST:PORT or local:N with N at least 1",
            Argument("scheduler", address),
        )
    return int(text)


def stream_on(
    found: Cluster,
    work: Callable[[list[Item], Context], list[Result]],
    jobs: Iterable[tuple[Tag, list[Item]]],
    context: Context,
    *,
    idle: Callable[[], None] | None,
    setup: WorkerSetup,
) -> Iterator[tuple[Tag, list[Result]]]:
    """``(tag, work(items, context))`` for each job, in order, computed on the cluster.

    At most a few chunks per worker thread, and at most :data:`SHIPPED_BYTES_IN_FLIGHT`
    of shipped files, are in flight; the oldest is waited for while newer ones finish,
    so results come out in input order and memory stays bounded. An empty job is not
    sent. Unfinished tasks are cancelled when the run stops early.
    """
    window: _Window[Tag] = _Window()
    try:
        with _large_tasks_expected() if found.ship_bytes else contextlib.nullcontext():
            for tag, items in jobs:
                future = None
                if items:
                    future = found.client.submit(
                        _run, work, setup.initializer, items, context, pure=False, retries=_RETRIES
                    )
                window.add(tag, future, _shipped_bytes(items))
                while window.due(found.threads() * _CHUNKS_IN_FLIGHT_PER_THREAD):
                    yield window.next_result(idle)
            while window.chunks:
                yield window.next_result(idle)
    finally:
        pending = [future for _, future, _ in window.chunks if future is not None]
        if pending:
            found.client.cancel(pending)


SHIPPED_BYTES_IN_FLIGHT = 256 * 2**20
"""Most bytes of shipped files in flight at once (the client holds them, and the scheduler
until their task is done): 85 camera JPEGs of 3 MB, or 2,000 small ones."""


def _shipped_bytes(items: list[Any]) -> int:
    return sum(len(item.data) for item in items if isinstance(item, ShippedFile))


@contextlib.contextmanager
def _large_tasks_expected() -> Iterator[None]:
    """Tasks that carry files are large by design: Dask need not warn of each (it warns
    from 10 MB on, a chunk of a few camera JPEGs)."""
    import dask

    with dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"}):
        yield


class _Window(Generic[Tag]):
    """The chunks in flight, oldest first: ``(tag, future or None, shipped bytes)``."""

    def __init__(self) -> None:
        self.chunks: deque[tuple[Tag, Any, int]] = deque()
        self.shipped = 0

    def add(self, tag: Tag, future: Any, shipped: int) -> None:
        self.chunks.append((tag, future, shipped))
        self.shipped += shipped

    def due(self, limit: int) -> bool:
        """Whether the oldest chunk is to be taken now: the window is full, or it is done."""
        if not self.chunks:
            return False
        future = self.chunks[0][1]
        full = len(self.chunks) >= limit or self.shipped >= SHIPPED_BYTES_IN_FLIGHT
        return full or future is None or bool(future.done())

    def next_result(self, idle: Callable[[], None] | None) -> tuple[Tag, list[Result]]:
        """The oldest chunk's results, waited for (calling ``idle`` meanwhile)."""
        tag, future, shipped = self.chunks.popleft()
        self.shipped -= shipped
        if future is None:
            return tag, []
        return tag, _result_of(future, idle)


def _result_of(future: Any, idle: Callable[[], None] | None) -> list[Result]:
    # Waiting on an event that the future sets, rather than on ``result(timeout=...)``:
    # a result that arrives just as such a wait times out can be lost in distributed's
    # own synchronisation (UnboundLocalError in distributed.utils.sync, seen in 2026.8).
    finished = threading.Event()
    future.add_done_callback(lambda _: finished.set())
    while not finished.wait(_IDLE_SECONDS):
        if idle is not None:
            idle()
    try:
        results: list[Result] = future.result()
    except Exception as error:
        if type(error).__name__ == "KilledWorker":
            raise ImgsimError(
                f"Dask gave up on a chunk of work that took down each worker it ran on ({error})"
            ) from None
        raise
    future.release()
    return results


_started: set[Callable[[], None]] = set()
"""The initializers this worker process has run."""


def _run(
    work: Callable[[list[Item], Context], list[Result]],
    initializer: Callable[[], None] | None,
    items: list[Item],
    context: Context,
) -> list[Result]:
    """One chunk on a Dask worker, whose process first runs the setup's ``initializer``
    once, as a pool worker does (a worker restarted after a failure runs it again)."""
    if initializer is not None and initializer not in _started:
        initializer()
        _started.add(initializer)
    return work(items, context)

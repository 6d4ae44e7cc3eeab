"""Connections to the feature store: the writer of one run and the workers' readers.

:class:`FeatureStore` is the main process's connection: it looks files up and
commits new features in short batches. :class:`StoreReader` is a worker's
read-only connection. Both turn SQLite failures into "no store" instead of errors
(see :mod:`imgsim.store`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from imgsim.errors import Call, Wording
from imgsim.store_db import (
    FileStamp,
    NewEntry,
    StoredImage,
    connect,
    describe,
    identity_of,
    known_digests,
    stored_images,
    write,
)
from imgsim.store_identity import StoreKind, identify_store, not_a_store_message

COMMIT_EVERY_IMAGES = 100
COMMIT_EVERY_SECONDS = 1.0

_OPENABLE = frozenset({StoreKind.STORE, StoreKind.NEW, StoreKind.MISSING})
"""What a run may open as its store; anything else is never written."""

ProblemCallback = Callable[[str], None]


class FeatureStore:
    """One process's connection to a feature store.

    Every method that touches the database turns a SQLite failure into one report
    through ``on_problem`` and disables the store; look-ups then find nothing and
    writes are dropped, so the caller's work goes on.
    """

    def __init__(self, path: Path, *, on_problem: ProblemCallback | None = None) -> None:
        self.path = path
        self._on_problem = on_problem
        self._pending: list[NewEntry] = []
        self._pending_since = 0.0
        self.problem: str | None = None
        self._connection: sqlite3.Connection | None = None
        identity = identify_store(path)
        if identity.kind not in _OPENABLE:
            self._disable(
                not_a_store_message(
                    path, identity, "it is left as it is, and the run goes on without a store"
                )
            )
            return
        try:
            self._connection = connect(path, create=True)
        except (sqlite3.Error, OSError) as error:
            self._disable(error)

    @property
    def usable(self) -> bool:
        """Whether the store is still in use (no problem so far)."""
        return self._connection is not None

    # ------------------------------------------------------------------ reading

    def find(self, stamps: Sequence[FileStamp], keys: Sequence[str]) -> dict[str, StoredImage]:
        """``{path: stored}`` for the unchanged files whose every key is stored."""
        connection = self._connection
        if connection is None or not stamps:
            return {}
        try:
            digests = known_digests(connection, stamps)
            stored = stored_images(connection, set(digests.values()), keys)
        except (sqlite3.Error, ValueError, TypeError) as error:  # also vectors that do not fit
            self._disable(error)
            return {}
        return {path: stored[digest] for path, digest in digests.items() if digest in stored}

    # ------------------------------------------------------------------ writing

    def add(self, entry: NewEntry) -> None:
        """Queue one file's new features; committed with the next batch."""
        if self._connection is None:
            return
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(entry)
        self.flush_if_due()

    def flush_if_due(self) -> None:
        """Commit the queue once it holds 100 images or its oldest entry is a second old."""
        if self._pending and (
            len(self._pending) >= COMMIT_EVERY_IMAGES
            or time.monotonic() - self._pending_since >= COMMIT_EVERY_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Commit every queued entry in one short transaction."""
        connection, entries = self._connection, self._pending
        self._pending = []
        if connection is None or not entries:
            return
        try:
            write(connection, entries)
        except sqlite3.Error as error:
            self._disable(error)

    def close(self) -> None:
        """Commit what is queued and close the connection."""
        self.flush()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> FeatureStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ problems

    def _unusable(self, error: BaseException) -> Wording:
        """Why the store is no longer used, and the ways to a usable one."""
        return Wording.concat(
            f"feature store {self.path} cannot be used ({describe(error)}); going on without "
            "it. Run ",
            Wording(
                "{} to start a new store, {} at a writable file, or pass {}.",
                Call("clear_store", "imgsim.store_maintenance.clear_store(path)"),
                Call("store_elsewhere", "open the FeatureStore"),
                Call("no_store", "store=None"),
            ),
        )

    def _disable(self, problem: BaseException | str) -> None:
        """Stop using the store; ``problem`` is the error, or the whole message."""
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None
        self._pending = []
        if self.problem is None:
            self.problem = problem if isinstance(problem, str) else self._unusable(problem)
            if self._on_problem is not None:
                self._on_problem(self.problem)


class StoreReader:
    """A read-only connection for worker processes: look up features by file content."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = identity_of(path)
        """The database file this reader opened (a cleared or replaced store is another)."""
        self._connection: sqlite3.Connection | None = None
        try:
            if self.identity is not None:
                self._connection = connect(path, create=False)
        except (sqlite3.Error, OSError):
            self._connection = None

    @staticmethod
    def identify(path: Path) -> tuple[int, int] | None:
        """Device and inode of the database file at ``path`` now (``None``: none there)."""
        return identity_of(path)

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def find(self, digest: bytes, keys: Sequence[str]) -> StoredImage | None:
        """The stored features of this content, if every key is there."""
        if self._connection is None:
            return None
        try:
            return stored_images(self._connection, {digest}, keys).get(digest)
        except (sqlite3.Error, ValueError, TypeError):
            self._connection = None
            return None

    def find_file(self, stamp: FileStamp, keys: Sequence[str]) -> tuple[bytes, StoredImage] | None:
        """The digest and stored features of an unchanged file, if every key is there."""
        if self._connection is None:
            return None
        try:
            digest = known_digests(self._connection, [stamp]).get(stamp.path)
        except sqlite3.Error:
            self._connection = None
            return None
        stored = self.find(digest, keys) if digest is not None else None
        return (digest, stored) if digest is not None and stored is not None else None


_readers: dict[tuple[int, Path], StoreReader] = {}
"""One read-only store connection per process (keyed by pid: a forked child must not
use its parent's connection)."""


def store_reader(path: Path) -> StoreReader:
    """This process's read-only connection to the store at ``path`` (a new one when the
    file there was deleted or replaced since, e.g. by ``imgsim cache clear``)."""
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

"""The feature store: a SQLite database of feature vectors keyed by file content.

Vectors are keyed by the SHA-256 digest of the file's bytes, so a renamed or copied
file is found again, and by a feature key that names the feature, its version, its
parameters and how the image was decoded, so a changed feature or option is a miss
and never a stale hit. A table of (path, size, mtime_ns) → digest lets a rerun skip
reading files that have not changed.

Writes are buffered and committed in short transactions at least every second and
every 100 images, so a run killed at any moment loses at most the last batch, and
SQLite's atomic commit keeps the database consistent. WAL mode and a long busy
timeout let several imgsim processes read and write one store at once.

A store that cannot be used (corrupt, unreadable, read-only, disk full) never stops
the work: the problem is reported once through ``on_problem`` and the run goes on
without the store. So does a path that holds something else (a folder, an image,
another program's database: see :mod:`imgsim.store_identity`), which is left as it is.
Every store opened for writing is marked with imgsim's SQLite application id.

Looking after a store (info, clear, prune) is :mod:`imgsim.store_maintenance`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.store_identity import (
    APPLICATION_ID,
    SCHEMA,
    StoreKind,
    identify_store,
    not_a_store_message,
)

SCHEMA_VERSION = "1"
COMMIT_EVERY_IMAGES = 100
COMMIT_EVERY_SECONDS = 1.0
BUSY_TIMEOUT_SECONDS = 120.0
_QUERY_CHUNK = 500
"""Rows per ``IN (...)`` query, below SQLite's limit on bound parameters."""

_OPENABLE = frozenset({StoreKind.STORE, StoreKind.NEW, StoreKind.MISSING})
"""What a run may open as its store; anything else is never written."""

ProblemCallback = Callable[[str], None]


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a file: where it is, its size and modification time."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        """The stamp of ``path``, or ``None`` if it cannot be looked at."""
        try:
            status = path.stat()
        except OSError:
            return None
        return cls(os.path.abspath(path), status.st_size, status.st_mtime_ns)


@dataclass(frozen=True)
class StoredImage:
    """What the store holds for one file content: its size and the requested features."""

    width: int
    height: int
    features: dict[str, NDArray[np.generic]]
    """``{feature key: vector}``."""


@dataclass(frozen=True)
class NewEntry:
    """Freshly computed features of one file, to be written to the store."""

    stamp: FileStamp
    digest: bytes
    width: int
    height: int
    features: dict[str, NDArray[np.generic]]
    """``{feature key: vector}``."""
    names: dict[str, str]
    """``{feature key: feature name}``."""


def file_digest(data: bytes) -> bytes:
    """The content key of a file: the first 128 bits of the SHA-256 of its bytes.

    SHA-256 runs in hardware on current x86 and ARM processors: about twice as fast
    as BLAKE2b here, which matters because every new file is hashed.
    """
    return hashlib.sha256(data).digest()[:16]


def default_location() -> Path:
    """``$IMGSIM_CACHE`` if set, else ``features.sqlite`` in the user cache directory."""
    configured = os.environ.get("IMGSIM_CACHE")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("imgsim")) / "features.sqlite"


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
            self._connection = _connect(path, create=True)
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
            digests = _known_digests(connection, stamps)
            stored = _stored_images(connection, set(digests.values()), keys)
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
            _write(connection, entries)
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

    def _disable(self, problem: BaseException | str) -> None:
        """Stop using the store; ``problem`` is the error, or the whole message."""
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None
        self._pending = []
        if self.problem is None:
            self.problem = (
                problem
                if isinstance(problem, str)
                else f"feature store {self.path} cannot be used ({_describe(problem)}); going "
                "on without it. Run `imgsim cache clear` to start a new store, point --cache "
                "at a writable file, or pass --no-cache."
            )
            if self._on_problem is not None:
                self._on_problem(self.problem)


class StoreReader:
    """A read-only connection for worker processes: look up features by file content."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = _identity(path)
        """The database file this reader opened (a cleared or replaced store is another)."""
        self._connection: sqlite3.Connection | None = None
        try:
            if self.identity is not None:
                self._connection = _connect(path, create=False)
        except (sqlite3.Error, OSError):
            self._connection = None

    @staticmethod
    def identify(path: Path) -> tuple[int, int] | None:
        """Device and inode of the database file at ``path`` now (``None``: none there)."""
        return _identity(path)

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
            return _stored_images(self._connection, {digest}, keys).get(digest)
        except (sqlite3.Error, ValueError, TypeError):
            self._connection = None
            return None

    def find_file(self, stamp: FileStamp, keys: Sequence[str]) -> tuple[bytes, StoredImage] | None:
        """The digest and stored features of an unchanged file, if every key is there."""
        if self._connection is None:
            return None
        try:
            digest = _known_digests(self._connection, [stamp]).get(stamp.path)
        except sqlite3.Error:
            self._connection = None
            return None
        stored = self.find(digest, keys) if digest is not None else None
        return (digest, stored) if digest is not None and stored is not None else None


# ---------------------------------------------------------------------- SQLite


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    else:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        connection = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
        )
    try:
        if create:
            _switch_to_wal(connection)
            connection.execute("PRAGMA synchronous=NORMAL")
            with _transaction(connection):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                _mark(connection)
                connection.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,)
                )
        schema = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if schema is None or schema[0] != SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"schema {schema[0] if schema else 'missing'}, this imgsim uses {SCHEMA_VERSION}"
            )
    except BaseException:
        connection.close()
        raise
    return connection


def _mark(connection: sqlite3.Connection) -> None:
    """Write imgsim's application id into the header, so that ``cache clear`` and
    ``cache prune`` know the file for a store (also one made before the id existed)."""
    if connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode=WAL``, waiting while another process creates the same store.

    Changing the journal mode fails at once with "database is locked" (SQLite does not
    busy-wait there), so the attempt is repeated until the busy timeout runs out.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``: take the write lock up front, so that a writer
    waits for another (busy timeout) instead of failing on a stale read snapshot."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _known_digests(connection: sqlite3.Connection, stamps: Sequence[FileStamp]) -> dict[str, bytes]:
    """``{path: digest}`` of the files whose size and mtime still match the store."""
    by_path = {stamp.path: stamp for stamp in stamps}
    digests: dict[str, bytes] = {}
    paths = list(by_path)
    for start in range(0, len(paths), _QUERY_CHUNK):
        chunk = paths[start : start + _QUERY_CHUNK]
        rows = connection.execute(
            f"SELECT path, size, mtime_ns, digest FROM files WHERE path IN ({_marks(chunk)})",
            chunk,
        )
        for path, size, mtime_ns, digest in rows:
            if by_path[path] == FileStamp(path, size, mtime_ns):
                digests[path] = digest
    return digests


def _stored_images(
    connection: sqlite3.Connection, digests: set[bytes], keys: Sequence[str]
) -> dict[bytes, StoredImage]:
    """``{digest: stored}`` for the digests that have every one of ``keys``."""
    found: dict[bytes, StoredImage] = {}
    ordered = sorted(digests)
    step = max(1, _QUERY_CHUNK - len(keys))
    for start in range(0, len(ordered), step):
        chunk = ordered[start : start + step]
        sizes = {
            digest: (width, height)
            for digest, width, height in connection.execute(
                f"SELECT digest, width, height FROM images WHERE digest IN ({_marks(chunk)})",
                chunk,
            )
        }
        vectors: dict[bytes, dict[str, NDArray[np.generic]]] = {}
        rows = connection.execute(
            f"SELECT digest, key, dtype, shape, value FROM features "
            f"WHERE digest IN ({_marks(chunk)}) AND key IN ({_marks(keys)})",
            [*chunk, *keys],
        )
        for digest, key, dtype, shape, value in rows:
            array = np.frombuffer(value, dtype=np.dtype(dtype)).reshape(json.loads(shape))
            vectors.setdefault(digest, {})[key] = array
        for digest, features in vectors.items():
            if digest in sizes and len(features) == len(keys):
                found[digest] = StoredImage(*sizes[digest], features=features)
    return found


def _write(connection: sqlite3.Connection, entries: Sequence[NewEntry]) -> None:
    files = [(e.stamp.path, e.stamp.size, e.stamp.mtime_ns, e.digest) for e in entries]
    images = [(e.digest, e.width, e.height) for e in entries]
    features = [
        (
            e.digest,
            key,
            e.names[key],
            value.dtype.str,
            json.dumps(list(value.shape)),
            np.ascontiguousarray(value).tobytes(),
        )
        for e in entries
        for key, value in e.features.items()
    ]
    with _transaction(connection):
        connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", files)
        connection.executemany("INSERT OR IGNORE INTO images VALUES (?, ?, ?)", images)
        connection.executemany(
            "INSERT OR REPLACE INTO features VALUES (?, ?, ?, ?, ?, ?)", features
        )


def _identity(path: Path) -> tuple[int, int] | None:
    """Device and inode of the database file, ``None`` if there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))

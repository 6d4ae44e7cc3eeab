"""The feature store's SQLite layer: the records it holds, connections, transactions
and the queries that the writer, the readers and the maintenance commands share.

The tables are :data:`imgsim.store_identity.SCHEMA`; the connections that use them are
:mod:`imgsim.store_connections`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.store_identity import APPLICATION_ID, SCHEMA

SCHEMA_VERSION = "1"
BUSY_TIMEOUT_SECONDS = 120.0
_QUERY_CHUNK = 500
"""Rows per ``IN (...)`` query, below SQLite's limit on bound parameters."""


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


# ---------------------------------------------------------------------- SQLite


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
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
            with transaction(connection):
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
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
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


def known_digests(connection: sqlite3.Connection, stamps: Sequence[FileStamp]) -> dict[str, bytes]:
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


def stored_images(
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


def write(connection: sqlite3.Connection, entries: Sequence[NewEntry]) -> None:
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
    with transaction(connection):
        connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", files)
        connection.executemany("INSERT OR IGNORE INTO images VALUES (?, ?, ?)", images)
        connection.executemany(
            "INSERT OR REPLACE INTO features VALUES (?, ?, ?, ?, ?, ?)", features
        )


def identity_of(path: Path) -> tuple[int, int] | None:
    """Device and inode of the database file, ``None`` if there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def describe(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))

"""Looking after a feature store: what it holds, clearing it, pruning it.

Each function first makes sure that the path is an imgsim store
(:func:`imgsim.store_identity.identify_store`): a file that is not one is refused, and
neither deleted nor written. A store that SQLite cannot read any more is still
recognised by its header, so that :func:`clear_store` can delete it and the next run
starts a new one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imgsim.errors import UsageError
from imgsim.store_db import FileStamp, connect, describe, transaction
from imgsim.store_identity import StoreIdentity, StoreKind, identify_store, not_a_store_message


class StoreError(UsageError):
    """A store maintenance request could not be carried out (exit status 2)."""


class NoStore(StoreError):
    """There is no file at the store's path."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no feature store at {path}")
        self.path = path


class NotAStore(StoreError):
    """The file at the store's path is something else; it was left as it is."""

    def __init__(self, path: Path, identity: StoreIdentity, consequence: str) -> None:
        super().__init__(not_a_store_message(path, identity, consequence))
        self.path = path
        self.identity = identity
        self.consequence = consequence


@dataclass(frozen=True)
class StoreInfo:
    """What ``imgsim cache info`` shows."""

    path: Path
    bytes_on_disk: int
    files: int
    images: int
    entries: dict[str, tuple[int, int]] = field(default_factory=dict)
    """``{feature name: (entries, bytes of vectors)}``."""


def store_info(path: Path) -> StoreInfo:
    """Size, counts and entries per feature of the store at ``path``."""
    _require_store(path, "")
    connection = _open_existing(path, write=False)
    try:
        files = connection.execute("SELECT count(*) FROM files").fetchone()[0]
        images = connection.execute("SELECT count(*) FROM images").fetchone()[0]
        rows = connection.execute(
            "SELECT feature, count(*), sum(length(value)) FROM features "
            "GROUP BY feature ORDER BY feature"
        ).fetchall()
    except sqlite3.Error as error:
        raise StoreError(_unreadable(path, error)) from None
    finally:
        connection.close()
    return StoreInfo(
        path=path,
        bytes_on_disk=_bytes_on_disk(path),
        files=files,
        images=images,
        entries={name: (count, size or 0) for name, count, size in rows},
    )


def clear_store(path: Path, features: Sequence[str] = ()) -> int:
    """Delete the whole store (even a corrupt one), or only the entries of ``features``.

    Returns the number of feature entries removed (all of them when the whole store
    goes; 0 if it could not be counted). Raises :class:`NoStore` when there is none,
    :class:`NotAStore` when the file is something else.
    """
    _require_store(path, "nothing was deleted")
    if not features:
        removed = 0
        with contextlib.suppress(StoreError):
            removed = sum(count for count, _ in store_info(path).entries.values())
        for candidate in _database_files(path):
            try:
                candidate.unlink()
            except FileNotFoundError:
                pass
            except OSError as error:
                raise StoreError(f"cannot delete {candidate}: {error.strerror or error}") from None
        return removed
    connection = _open_existing(path)
    try:
        with transaction(connection):
            removed = 0
            for name in features:
                cursor = connection.execute("DELETE FROM features WHERE feature = ?", (name,))
                removed += cursor.rowcount
    except sqlite3.Error as error:
        raise StoreError(_unreadable(path, error)) from None
    finally:
        connection.close()
    return removed


def prune_store(path: Path, folders: Iterable[Path]) -> tuple[int, int]:
    """Forget files under ``folders`` that are gone or changed; drop content no file has.

    Returns ``(files forgotten, feature entries removed)``. Raises :class:`NoStore`
    when there is no store, :class:`NotAStore` when the file is something else.
    """
    _require_store(path, "nothing was changed")
    prefixes = [os.path.join(os.path.abspath(folder), "") for folder in folders]
    connection = _open_existing(path)
    try:
        rows = connection.execute("SELECT path, size, mtime_ns FROM files").fetchall()
        stale = [
            (row_path,)
            for row_path, size, mtime_ns in rows
            if any(row_path.startswith(prefix) for prefix in prefixes)
            and FileStamp.of(Path(row_path)) != FileStamp(row_path, size, mtime_ns)
        ]
        with transaction(connection):
            connection.executemany("DELETE FROM files WHERE path = ?", stale)
            orphaned = "digest NOT IN (SELECT digest FROM files)"
            removed = connection.execute(f"DELETE FROM features WHERE {orphaned}").rowcount
            connection.execute(f"DELETE FROM images WHERE {orphaned}")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise StoreError(_unreadable(path, error)) from None
    finally:
        connection.close()
    return len(stale), removed


def _require_store(path: Path, consequence: str) -> None:
    """Raise unless ``path`` is an imgsim store; ``consequence`` (what was therefore not
    done, if anything) ends the refusal."""
    identity = identify_store(path)
    if identity.kind is StoreKind.MISSING:
        raise NoStore(path)
    if identity.kind is not StoreKind.STORE:
        raise NotAStore(path, identity, consequence)


def _open_existing(path: Path, *, write: bool = True) -> sqlite3.Connection:
    try:
        return connect(path, create=write)
    except (sqlite3.Error, OSError) as error:
        raise StoreError(_unreadable(path, error)) from None


def _unreadable(path: Path, error: BaseException) -> str:
    return (
        f"feature store {path} cannot be used ({describe(error)}); "
        "`imgsim cache clear` deletes it so that the next run starts a new one"
    )


def _database_files(path: Path) -> list[Path]:
    """The store and the companions SQLite keeps next to it in WAL mode."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _bytes_on_disk(path: Path) -> int:
    total = 0
    for candidate in _database_files(path):
        with contextlib.suppress(OSError):
            total += candidate.stat().st_size
    return total

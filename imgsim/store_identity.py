"""What a file named as the feature store is: an imgsim store, a new one, or something else.

imgsim deletes and rewrites its stores (``cache clear``, ``cache prune``, every run that
writes features), so it must never take another file for one. Every store imgsim opens
for writing carries :data:`APPLICATION_ID` in its SQLite header; stores made before the
id existed are recognised by their exact schema. The rules, in order:

- anything but a regular file is not a store (a folder gets its own advice);
- an empty file is a new store: SQLite itself treats it as an empty database, and
  there is nothing in it to lose;
- a file whose first 16 bytes are not SQLite's ``SQLite format 3\\0`` is not a store,
  and is never deleted or written;
- a header that carries imgsim's application id is a store, even if the pages after it
  are damaged, so that a corrupt store can still be cleared;
- a header that carries another application id is another program's database;
- otherwise (application id 0: a store of an older imgsim, or any other SQLite file)
  SQLite reads the database: imgsim's application id (still in the write-ahead log, not
  yet in the main file) or imgsim's exact tables and columns make it a store; no tables
  at all make it a new store (what a process that is creating a store leaves for an
  instant); anything else, or a database that cannot be read, is not a store.

Recognising a file never changes it: the header is read as bytes, and SQLite opens the
file read-only (and, for a WAL database without a write-ahead log, immutable, so that
it does not leave ``-wal`` and ``-shm`` files next to another program's database).
"""

from __future__ import annotations

import enum
import functools
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

APPLICATION_ID = 0x696D6773
"""``PRAGMA application_id`` of an imgsim store: "imgs" in ASCII, so a hex dump of the
header (bytes 68-71) says whose database it is."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS files_digest ON files (digest);
CREATE TABLE IF NOT EXISTS images (
    digest BLOB PRIMARY KEY,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS features (
    digest BLOB NOT NULL,
    key TEXT NOT NULL,
    feature TEXT NOT NULL,
    dtype TEXT NOT NULL,
    shape TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (digest, key)
) WITHOUT ROWID;
"""

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
_APPLICATION_ID_BYTES = slice(68, 72)
_WRITE_VERSION = 18
_WAL = 2
"""Header byte 18 is 2 for a database in WAL mode, 1 for a rollback journal."""

Columns = tuple[tuple[str, str, int, int], ...]
"""``(name, type, not null, position in the primary key)`` of each column of a table."""


class StoreKind(enum.Enum):
    """What is at the path given as the feature store."""

    STORE = "store"
    """An imgsim feature store (maybe damaged)."""
    NEW = "new"
    """An empty file or an empty SQLite database: a run may make a store of it."""
    MISSING = "missing"
    FOLDER = "folder"
    FOREIGN = "foreign"
    """Anything else: never deleted, never written."""
    UNKNOWN = "unknown"
    """A file that could not be read far enough to tell; treated as foreign."""


@dataclass(frozen=True)
class StoreIdentity:
    """The verdict on one path, and the words that say what it is."""

    kind: StoreKind
    what: str
    """E.g. "not a SQLite database", "a SQLite database of another program"."""


def identify_store(path: Path) -> StoreIdentity:
    """Whether ``path`` is an imgsim feature store, and if not, what it is.

    The one place that decides which files imgsim may write or delete as a store.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return StoreIdentity(StoreKind.MISSING, "no file")
    except OSError as error:
        return StoreIdentity(StoreKind.UNKNOWN, f"it cannot be looked at: {_reason(error)}")
    if stat.S_ISDIR(status.st_mode):
        return StoreIdentity(StoreKind.FOLDER, "a folder")
    if not stat.S_ISREG(status.st_mode):  # a FIFO or a device would block or never end
        return StoreIdentity(StoreKind.FOREIGN, "not a regular file")
    if status.st_size == 0:
        return StoreIdentity(StoreKind.NEW, "an empty file")
    try:
        with path.open("rb") as stream:
            header = stream.read(_HEADER_SIZE)
    except OSError as error:
        return StoreIdentity(StoreKind.UNKNOWN, f"it cannot be read: {_reason(error)}")
    if not header.startswith(_SQLITE_MAGIC):
        return StoreIdentity(StoreKind.FOREIGN, "not a SQLite database")
    if len(header) < _HEADER_SIZE:
        return StoreIdentity(StoreKind.UNKNOWN, "a SQLite database cut short in its header")
    application_id = int.from_bytes(header[_APPLICATION_ID_BYTES], "big")
    if application_id == APPLICATION_ID:
        return StoreIdentity(StoreKind.STORE, "an imgsim feature store")
    if application_id != 0:
        return StoreIdentity(StoreKind.FOREIGN, "a SQLite database of another program")
    return _identify_by_content(path, wal_mode=header[_WRITE_VERSION] == _WAL)


def not_a_store_message(path: Path, identity: StoreIdentity, consequence: str) -> str:
    """Why ``path`` is not used as a store, what was done about it (``consequence``, if
    anything), and for a folder the file to name instead."""
    done = f"; {consequence}" if consequence else ""
    if identity.kind is StoreKind.FOLDER:
        example = path / "features.sqlite"
        return f"{path} is a folder, not a store file{done}. Name the file, e.g. {example}"
    if identity.kind is StoreKind.UNKNOWN:
        return f"{path} cannot be recognised as an imgsim feature store ({identity.what}){done}"
    return f"{path} is not an imgsim feature store ({identity.what}){done}"


def _identify_by_content(path: Path, *, wal_mode: bool) -> StoreIdentity:
    """The verdict on a SQLite database whose header carries no application id."""
    try:
        application_id, tables = _read_id_and_tables(path, wal_mode=wal_mode)
    except sqlite3.Error as error:
        return StoreIdentity(
            StoreKind.UNKNOWN, f"a SQLite database that cannot be read: {_reason(error)}"
        )
    if application_id == APPLICATION_ID or tables == _store_tables():
        return StoreIdentity(StoreKind.STORE, "an imgsim feature store")
    if application_id != 0:
        return StoreIdentity(StoreKind.FOREIGN, "a SQLite database of another program")
    if not tables:
        return StoreIdentity(StoreKind.NEW, "an empty SQLite database")
    return StoreIdentity(StoreKind.FOREIGN, "a SQLite database without imgsim's tables")


def _read_id_and_tables(path: Path, *, wal_mode: bool) -> tuple[int, dict[str, Columns]]:
    """The application id and the tables of the database at ``path``, read-only.

    A read-only connection to a database in WAL mode leaves ``-wal`` and ``-shm`` files
    behind. When there is no ``-wal`` file, no process is writing and the main file is
    the whole database, so it is read as ``immutable``, which creates nothing. Any
    other database is read with SQLite's locks, which wait for a writer.
    """
    wal = path.with_name(path.name + "-wal")
    mode = "ro&immutable=1" if wal_mode and not wal.exists() else "ro"
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    connection = sqlite3.connect(uri, uri=True, timeout=5.0)
    try:
        application_id = int(connection.execute("PRAGMA application_id").fetchone()[0])
        return application_id, _tables(connection)
    finally:
        connection.close()


def _tables(connection: sqlite3.Connection) -> dict[str, Columns]:
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: tuple(
            (column, kind.upper(), notnull, primary)
            for _, column, kind, notnull, _, primary in connection.execute(
                "SELECT * FROM pragma_table_info(?)", (name,)
            )
        )
        for name in names
    }


@functools.cache
def _store_tables() -> dict[str, Columns]:
    """The tables of :data:`SCHEMA`, as SQLite reports them (the one definition)."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(SCHEMA)
        return _tables(connection)
    finally:
        connection.close()


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__

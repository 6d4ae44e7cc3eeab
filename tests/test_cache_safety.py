"""The cache commands and every run touch imgsim feature stores only.

A file named as the store that is not one (an image, a text file, random bytes, another
program's SQLite database) is refused by ``cache clear``, ``cache clear -f``, ``cache
prune`` and ``cache info`` with exit 2 and one line naming it, and left byte for byte as
it was; a run that is given it goes on without a store and leaves it alone. A folder
gets advice that names a file. Everything runs as ``python -m imgsim`` in a process of
its own; files are checked with the test's own reads.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from cli_support import run_imgsim
from conftest import SAMPLES

PHOTO = SAMPLES / "reference" / "astronaut.png"
IMGSIM_APPLICATION_ID = b"imgs"
"""Bytes 68-71 of the header of an imgsim store."""
OTHER_APPLICATION_ID = 0x47504B47  # "GPKG", the id of a GeoPackage


def _files(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder``, by name, with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def _sqlite_database(path: Path, application_id: int = 0) -> None:
    """A small database of another program, in WAL mode like many are."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    if application_id:
        connection.execute(f"PRAGMA application_id = {application_id}")
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    connection.execute("INSERT INTO notes (text) VALUES ('keep me')")
    connection.commit()
    connection.close()  # the last connection checkpoints and removes -wal and -shm


def _build_store(store: Path) -> None:
    """A real store with one image's phash in it, written by imgsim."""
    built = run_imgsim("extract", PHOTO, "-f", "phash", "--format", "csv", "--cache", store)
    assert built.returncode == 0, built.stderr


@pytest.fixture(scope="module")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real store for the module (its -wal and -shm gone); tests use copies."""
    store = tmp_path_factory.mktemp("built") / "features.sqlite"
    _build_store(store)
    _header_application_id(store)
    return store


@pytest.fixture
def store(built_store: Path, tmp_path: Path) -> Path:
    """A copy of a real store made by imgsim, alone in a folder of its own."""
    return Path(shutil.copyfile(built_store, tmp_path / "features.sqlite"))


def _header_application_id(store: Path) -> bytes:
    connection = sqlite3.connect(store)  # a checkpoint puts every page into the main file
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return store.read_bytes()[68:72]


# ------------------------------------------------------------------ files that are not stores


def _png(path: Path) -> None:
    shutil.copyfile(PHOTO, path)


def _text(path: Path) -> None:
    path.write_text("a text file, not a feature store\n")


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(0).bytes(64 * 1024))


def _other_program_database(path: Path) -> None:
    _sqlite_database(path)


def _database_with_another_application_id(path: Path) -> None:
    _sqlite_database(path, OTHER_APPLICATION_ID)


NOT_STORES: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "png": ("photo.png", _png, "not a SQLite database"),
    "text": ("notes.txt", _text, "not a SQLite database"),
    "random-bytes": ("noise.bin", _random_bytes, "not a SQLite database"),
    "sqlite": ("notes.db", _other_program_database, "a SQLite database without imgsim's tables"),
    "sqlite-other-id": (
        "map.gpkg",
        _database_with_another_application_id,
        "a SQLite database of another program",
    ),
}
"""``{kind: (file name, how to make it, what the refusal says it is)}``."""

COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "clear": (("cache", "clear"), "; nothing was deleted"),
    "clear-feature": (("cache", "clear", "-f", "phash"), "; nothing was deleted"),
    "prune": (("cache", "prune", "."), "; nothing was changed"),
    "info": (("cache", "info", "--format", "json"), ""),
}
"""``{name: (arguments, how the refusal ends)}``; ``prune .`` prunes the file's folder."""


@dataclass(frozen=True)
class Refusal:
    """One cache command run on a file that is not a store, and its folder before and after."""

    path: Path
    completed: subprocess.CompletedProcess[str]
    before: dict[str, bytes]
    after: dict[str, bytes]


RunOnce = Callable[[str, str], Refusal]


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> RunOnce:
    """Runs each (file kind, command) once for the whole module; several tests read it."""
    runs: dict[tuple[str, str], Refusal] = {}

    def run(kind: str, command: str) -> Refusal:
        if (kind, command) not in runs:
            folder = tmp_path_factory.mktemp(f"{kind}-{command}")
            name, make, _ = NOT_STORES[kind]
            path = folder / name
            make(path)
            before = _files(folder)
            arguments, _ = COMMANDS[command]
            completed = subprocess.run(
                [sys.executable, "-m", "imgsim", *arguments, "--cache", str(path)],
                capture_output=True,
                text=True,
                cwd=folder,
                timeout=120,
                check=False,
            )
            runs[kind, command] = Refusal(path, completed, before, _files(folder))
        return runs[kind, command]

    return run


kinds = pytest.mark.parametrize("kind", list(NOT_STORES))
commands = pytest.mark.parametrize("command", list(COMMANDS))


@kinds
@commands
def test_a_cache_command_on_a_file_that_is_not_a_store_exits_2(
    refused: RunOnce, kind: str, command: str
) -> None:
    assert refused(kind, command).completed.returncode == 2


@kinds
@commands
def test_a_cache_command_names_the_file_and_what_it_is_not(
    refused: RunOnce, kind: str, command: str
) -> None:
    refusal = refused(kind, command)
    what, ending = NOT_STORES[kind][2], COMMANDS[command][1]

    assert refusal.completed.stderr == (
        f"imgsim: {refusal.path} is not an imgsim feature store ({what}){ending}\n"
    )


@kinds
@commands
def test_a_cache_command_leaves_a_file_that_is_not_a_store_as_it_was(
    refused: RunOnce, kind: str, command: str
) -> None:
    """Byte for byte, and with no -wal or -shm file made beside it."""
    refusal = refused(kind, command)

    assert refusal.after == refusal.before


def test_cache_clear_refuses_a_sqlite_file_too_short_to_tell_whose_it_is(tmp_path: Path) -> None:
    short = tmp_path / "features.sqlite"
    short.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")  # the first 18 of 100 header bytes

    result = run_imgsim("cache", "clear", "--cache", short)

    assert result.stderr == (
        f"imgsim: {short} cannot be recognised as an imgsim feature store "
        "(a SQLite database cut short in its header); nothing was deleted\n"
    )


# --------------------------------------------------------------------------- folders


def test_cache_clear_of_a_folder_advises_a_store_file_inside_it(tmp_path: Path) -> None:
    result = run_imgsim("cache", "clear", "--cache", tmp_path)

    assert result.stderr == (
        f"imgsim: --cache {tmp_path} is a folder: name the store file, "
        f"e.g. --cache {tmp_path / 'features.sqlite'}; nothing was deleted\n"
    )


def test_a_folder_in_imgsim_cache_gets_advice_in_the_variables_words(tmp_path: Path) -> None:
    result = run_imgsim("cache", "prune", tmp_path, cache=tmp_path)

    assert result.stderr == (
        f"imgsim: IMGSIM_CACHE={tmp_path} is a folder: name the store file, "
        f"e.g. IMGSIM_CACHE={tmp_path / 'features.sqlite'}; nothing was changed\n"
    )


# --------------------------------------------------------------------------- real stores


def test_cache_clear_still_deletes_a_real_store(store: Path, tmp_path: Path) -> None:
    run_imgsim("cache", "clear", "--cache", store)

    assert _files(tmp_path) == {}


def test_a_new_store_carries_imgsims_application_id(built_store: Path) -> None:
    assert _header_application_id(built_store) == IMGSIM_APPLICATION_ID


def _make_older(store: Path) -> None:
    """Make ``store`` what imgsim made before stores carried an application id."""
    connection = sqlite3.connect(store)
    connection.execute("PRAGMA application_id = 0")
    connection.commit()
    connection.close()


def test_a_store_of_an_older_imgsim_is_still_recognised_and_cleared(
    store: Path, tmp_path: Path
) -> None:
    _make_older(store)

    run_imgsim("cache", "clear", "--cache", store)

    assert _files(tmp_path) == {}


def test_a_store_of_an_older_imgsim_gets_the_application_id_when_next_written(
    store: Path,
) -> None:
    _make_older(store)

    _build_store(store)

    assert _header_application_id(store) == IMGSIM_APPLICATION_ID


def test_cache_clear_without_a_store_says_there_is_nothing_to_clear(tmp_path: Path) -> None:
    missing = tmp_path / "features.sqlite"

    result = run_imgsim("cache", "clear", "--cache", missing)

    assert result.stderr == f"imgsim: no feature store at {missing}: nothing to clear\n"


def test_cache_prune_without_a_store_says_there_is_nothing_to_prune(tmp_path: Path) -> None:
    missing = tmp_path / "features.sqlite"

    result = run_imgsim("cache", "prune", tmp_path, "--cache", missing)

    assert result.stderr == f"imgsim: no feature store at {missing}: nothing to prune\n"


def test_cache_prune_without_a_store_exits_0(tmp_path: Path) -> None:
    result = run_imgsim("cache", "prune", tmp_path, "--cache", tmp_path / "features.sqlite")

    assert result.returncode == 0


# --------------------------------------------------------------------------- runs


def test_extract_with_cache_a_png_leaves_the_png_as_it_was(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    _png(png)
    before = _files(tmp_path)

    run_imgsim("extract", PHOTO, "-f", "phash", "--format", "csv", "--cache", png)

    assert _files(tmp_path) == before


def test_extract_with_cache_a_png_warns_once_that_it_is_not_a_store(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    _png(png)

    result = run_imgsim("extract", PHOTO, "-f", "phash", "--format", "csv", "--cache", png)

    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"imgsim: warning: {png} is not an imgsim feature store (not a SQLite database); "
        "it is left as it is, and the run goes on without a store"
    ]


def test_extract_with_cache_another_programs_database_leaves_it_as_it_was(
    tmp_path: Path,
) -> None:
    database = tmp_path / "notes.db"
    _other_program_database(database)
    before = _files(tmp_path)

    run_imgsim("extract", PHOTO, "-f", "phash", "--format", "csv", "--cache", database)

    assert _files(tmp_path) == before

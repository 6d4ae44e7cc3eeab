"""What the feature store's tests share: running imgsim, reading a store with a SQLite
connection of the test's own (never through imgsim), and small real photographs.

The command line runs through its real entry point: in the test's process (the
``cli`` fixture) when one process is enough, as ``python -m imgsim`` (:func:`imgsim`)
when the test needs a process of its own (to kill it, to run two writers at once,
or to build a store in a run that has ended).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from cli_support import csv_rows
from PIL import Image

FEATURES = "phash,color_hist"
ALL_FEATURES = "phash,dhash,whash,ahash,color_hist,thumb"


def summary(stderr: str) -> str:
    """The last stderr line of ``extract``: ``imgsim: N images: C computed, …``."""
    return stderr.strip().splitlines()[-1]


def expected_summary(total: int, computed: int, stored: int, unreadable: int = 0) -> str:
    return (
        f"imgsim: {total} images: {computed} computed, {stored} from the store, "
        f"{unreadable} unreadable"
    )


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("imgsim: warning:")]


def rows(text: str) -> list[dict[str, str]]:
    """The rows of CSV output, by column name (:func:`cli_support.csv_rows`)."""
    return csv_rows(text)


def environment() -> dict[str, str]:
    """This process's environment without ``IMGSIM_CACHE``: every run names its store."""
    return {name: value for name, value in os.environ.items() if name != "IMGSIM_CACHE"}


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "imgsim", *(str(arg) for arg in args)]


def imgsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m imgsim ARGS…`` in a process of its own."""
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        env=environment(),
        timeout=300,
        check=False,
    )


def scalar(store: Path, sql: str) -> Any:
    """The one value that ``sql`` selects, read through a connection of the test's own."""
    connection = sqlite3.connect(store, timeout=60)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def committed_images(store: Path) -> int:
    return int(scalar(store, "SELECT count(DISTINCT digest) FROM features"))


def integrity_check(store: Path) -> str:
    return str(scalar(store, "PRAGMA integrity_check"))


def committed_so_far(store: Path) -> int:
    """Images committed to a store that a running process may still be creating; -1
    while there is no store or no schema yet. Read-only, so it never creates the file."""
    if not store.exists():
        return -1
    try:
        connection = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return -1
    try:
        row = connection.execute("SELECT count(DISTINCT digest) FROM features").fetchone()
        return int(row[0])
    except sqlite3.Error:
        return -1
    finally:
        connection.close()


def checkpoint(store: Path) -> None:
    """Move everything into the main file and remove -wal and -shm (no process has it open)."""
    connection = sqlite3.connect(store)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for leftover in wal_and_shm(store):
        leftover.unlink(missing_ok=True)


def wal_and_shm(store: Path) -> list[Path]:
    return [store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")]


def small_photo(pixels: np.ndarray, size: tuple[int, int] = (160, 120)) -> Image.Image:
    return Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS)


def count_images(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


def nine_photos(root: Path, photos: dict[str, np.ndarray]) -> Path:
    """Nine small real photographs in ``root``: PNGs at the top, JPEGs in a subfolder."""
    (root / "nested").mkdir(parents=True)
    for index, (name, pixels) in enumerate(sorted(photos.items())):
        if index % 2:
            small_photo(pixels).save(root / "nested" / f"{name}.jpg", quality=90)
        else:
            small_photo(pixels).save(root / f"{name}.png")
    return root

"""What the command-line tests share: running imgsim in a process of its own, writing
test images, and reading what a command printed.

The in-process runs are the ``cli`` and ``cli_once`` fixtures of tests/conftest.py;
:func:`run_imgsim` is for a test that needs the real ``python -m imgsim`` (its own
interpreter, its own process pool, nothing of the test's process shared).
"""

from __future__ import annotations

import csv
import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

RGB = NDArray[np.uint8]

PLAIN_TERMINAL = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
"""A wide terminal without colours, so that what imgsim prints is the same on every machine."""


def run_imgsim(
    *args: str | Path, cache: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m imgsim ARGS…`` in a process of its own; stdout and stderr kept apart.

    ``cache`` names the store; without it the run uses ``IMGSIM_CACHE`` of this
    process, the test's own store. A module-scoped fixture must pass one: it runs
    before the per-test store of tests/conftest.py is set.
    """
    env = {**os.environ, **PLAIN_TERMINAL}
    if cache is not None:
        env["IMGSIM_CACHE"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "imgsim", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    """The rows of CSV output, by column name."""
    return list(csv.DictReader(io.StringIO(text)))


def csv_header(text: str) -> list[str]:
    """The column names of CSV output, in order."""
    return next(csv.reader(io.StringIO(text)))


def save_image(path: Path, pixels: RGB, **options: Any) -> Path:
    """Write ``pixels`` with Pillow (format from the suffix, ``options`` as Pillow's),
    creating the folders on the way."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, **options)
    return path


def pillow_rgb(path: Path) -> RGB:
    """The pixels of a file as Pillow decodes them at full size: the independent side
    of a comparison with what imgsim computed from the same file."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose IHDR claims ``width`` x ``height`` and that holds almost no data:
    a decompression bomb that must be refused before it is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path

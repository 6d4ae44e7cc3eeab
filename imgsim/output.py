"""Rows of results → rich table, CSV, JSON, JSONL, or an ``.npz`` of vectors.

A row is a mapping from column name to a plain value: ``str``, ``int``,
``float``, ``None`` (not computed), or a list of floats (a feature vector).
CSV and JSONL are written as the rows arrive, so millions of rows stream in
constant memory. Numbers keep full precision; an infinite value is ``inf`` in
tables and CSV and the string ``"inf"`` in JSON (which has no infinity).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO, Any

from imgsim.errors import Argument, UsageError, Wording

Row = Mapping[str, Any]


class Format(str, Enum):
    """Output formats of every command."""

    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


_SUFFIX_FORMATS = {".csv": Format.csv, ".json": Format.json, ".jsonl": Format.jsonl}
_FORMULA_PREFIXES = ("=", "@", "\t", "\r")
_SIGNS = ("+", "-")
_PLAIN = frozenset("+-_./\\ ,")
"""Characters that, after a leading sign, leave a cell a number, a word or a path."""


_GALLERY_SUFFIXES = (".npz", ".imgidx")
"""Outputs that hold vectors as arrays: an ``.npz``, a gallery index (imgsim.gallery)."""


def format_for_path(path: Path, *, allow_npz: bool = False) -> Format | None:
    """The format an output file's extension names; ``None`` for ``.npz`` and ``.imgidx``
    (vectors as arrays) when ``allow_npz``."""
    suffix = path.suffix.lower()
    if suffix in _GALLERY_SUFFIXES and allow_npz:
        return None
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    valid = ", ".join([*_SUFFIX_FORMATS, *(_GALLERY_SUFFIXES if allow_npz else [])])
    raise UsageError(
        Wording.concat(
            Wording.of(Argument("out")),
            f" {path}: unknown extension {suffix or '(none)'!r}; use one of {valid}",
        )
    )


@dataclass(frozen=True)
class Epilogue:
    """What follows the rows, known only once they have all been written."""

    table_rows: Sequence[Row] = ()
    """Rows appended to a table below a rule (e.g. mean, min, max, median)."""
    json_extra: Mapping[str, Any] = field(default_factory=dict)
    """Top-level keys added to the JSON object after ``rows``."""


def write_rows(
    rows: Iterable[Row],
    columns: Sequence[str],
    fmt: Format,
    stream: IO[str],
    *,
    epilogue: Callable[[], Epilogue] | None = None,
    width: int | None = None,
) -> None:
    """Write ``rows`` in ``fmt``; ``epilogue`` is called after the last row."""
    if fmt is Format.csv:
        _write_csv(rows, columns, stream)
    elif fmt is Format.jsonl:
        for row in rows:
            stream.write(json.dumps(_json_row(row, columns), ensure_ascii=False) + "\n")
    elif fmt is Format.json:
        _write_json(rows, columns, stream, epilogue)
    else:
        _write_table(rows, columns, stream, width, epilogue)


def _write_csv(rows: Iterable[Row], columns: Sequence[str], stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    # repr is the shortest text that reads back as the same float ("nan", "inf", "-inf").
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return " ".join(map(repr, value))
    if not isinstance(value, str):
        return str(value)
    return "'" + value if is_formula(value) else value


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate the cell ``text`` as a formula that could do
    harm: one starting with ``=``, ``@``, a tab or a carriage return, or a sign followed
    by more than a number, a word or a path can hold (``-2+3+cmd|' /C calc'!A0``).
    Numbers (``-0.5``), flags (``--hash-size``) and paths (``-take2/cat.png``) are text
    to leave as they are; the others get a leading ``'``, which spreadsheets hide."""
    if text.startswith(_FORMULA_PREFIXES):
        return True
    if text.startswith(_SIGNS):
        return not all(character.isalnum() or character in _PLAIN for character in text)
    return False


def json_value(value: Any) -> Any:
    """A value as JSON can hold it: infinities as strings, NaN as null."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def _json_row(row: Row, columns: Sequence[str]) -> dict[str, Any]:
    return {column: json_value(row.get(column)) for column in columns}


def _write_json(
    rows: Iterable[Row],
    columns: Sequence[str],
    stream: IO[str],
    epilogue: Callable[[], Epilogue] | None,
) -> None:
    stream.write('{"rows": [')
    for index, row in enumerate(rows):
        stream.write(",\n  " if index else "\n  ")
        stream.write(json.dumps(_json_row(row, columns), ensure_ascii=False))
    stream.write("\n]")
    extra = epilogue().json_extra if epilogue is not None else {}
    for key, value in extra.items():
        stream.write(f", {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    stream.write("}\n")


def _write_table(
    rows: Iterable[Row],
    columns: Sequence[str],
    stream: IO[str],
    width: int | None,
    epilogue: Callable[[], Epilogue] | None,
) -> None:
    from imgsim.tables import write_table

    def footer() -> Sequence[Row]:
        return epilogue().table_rows if epilogue is not None else ()

    write_table(rows, columns, stream, footer=footer, width=width)


def format_size(size: int) -> str:
    """A byte count for people: ``512 B``, ``1.5 kB``, ``12.3 MB``."""
    value, unit = float(size), "B"
    for larger in ("kB", "MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"


def format_number(value: float) -> str:
    """A number for people to read: 6 significant digits, ``inf`` for infinity."""
    if isinstance(value, int):
        return str(value)
    return repr(value) if not math.isfinite(value) else f"{value:.6g}"


@contextmanager
def atomic_text_file(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` complete, or not at all."""
    with atomic_binary_file(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()


@contextmanager
def atomic_binary_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at ``path`` complete, or not at all."""
    directory = path.parent if str(path.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise UsageError(
            Wording.concat(
                Wording.of(Argument("out")), f" {path}: cannot write there ({error.strerror})"
            )
        ) from None
    try:
        # mkstemp makes the file private (0600); a written file gets the permissions any
        # new file of the user gets (the umask's), as `>` would give it.
        os.fchmod(handle, umask_permissions())
        with os.fdopen(handle, "wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def umask_permissions(*, folder: bool = False) -> int:
    """The permissions ``open`` (or, for a ``folder``, ``mkdir``) gives a new file: what
    a file made by ``mkstemp`` (``mkdtemp``), which keeps it private, gets once written.
    The umask is read by setting it, then set back."""
    mask = os.umask(0o022)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


def write_npz(path: Path, arrays: Mapping[str, Any]) -> None:
    """Write arrays to an uncompressed ``.npz`` atomically (loadable without pickle)."""
    import numpy as np

    with atomic_binary_file(path) as raw:
        np.savez(raw, **arrays)


@dataclass(frozen=True)
class NpzMember:
    """One array of an ``.npz`` written by :func:`write_npz_members`, given by its
    dtype, shape and the bytes of its values in C order, as an iterable of chunks (so
    that an array larger than memory is copied in, a chunk at a time)."""

    name: str
    dtype: Any
    """A NumPy dtype (or what :class:`numpy.dtype` takes)."""
    shape: tuple[int, ...]
    chunks: Callable[[], Iterable[bytes]]


def write_npz_members(path: Path, members: Iterable[NpzMember]) -> None:
    """Write an uncompressed ``.npz`` atomically, member by member, each member's values
    streamed from its chunks: what :func:`numpy.load` reads back is what
    :func:`numpy.savez` would have written for the same arrays (a ``.npy`` header, then
    the raw values), with memory bounded by one chunk."""
    import zipfile

    import numpy as np

    with (
        atomic_binary_file(path) as raw,
        zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive,
    ):
        for member in members:
            dtype = np.dtype(member.dtype)
            header = {
                "descr": np.lib.format.dtype_to_descr(dtype),
                "fortran_order": False,
                "shape": member.shape,
            }
            expected = dtype.itemsize * math.prod(member.shape)
            written = 0
            with archive.open(f"{member.name}.npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array_header_1_0(entry, header)
                for chunk in member.chunks():
                    entry.write(chunk)
                    written += len(chunk)
            if written != expected:
                raise ValueError(
                    f"members: {member.name} gave {written} bytes, its shape {expected}"
                )

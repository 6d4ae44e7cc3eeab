"""Read imgsim's own ``.npz`` files: reference statistics and galleries.

Both kinds are uncompressed NumPy archives with a ``_meta`` entry (JSON) that says
what wrote them. :func:`read_npz` opens one without pickle and turns every way it can
be wrong into one :class:`~imgsim.errors.UsageError` line that names the file and
says what it is instead: missing or unreadable, not an ``.npz`` at all (and what it
looks like), truncated or damaged, an ``.npz`` that imgsim did not write, or an
imgsim file of the other kind. The readers (:meth:`imgsim.reference.ReferenceStats.load`,
:meth:`imgsim.neighbours.Gallery.load`) then check that the arrays agree with each
other and with the metadata, through :meth:`ImgsimNpz.damaged`.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Call, UsageError, Wording


@dataclass(frozen=True)
class NpzKind:
    """One kind of file imgsim writes as ``.npz``."""

    kind: str
    """The ``kind`` entry of its ``_meta``."""
    name: str
    """What a user calls it: "statistics", "a gallery"."""
    label: str
    """The file, as messages name it: "imgsim statistics file"."""
    writer: Call
    """What writes it."""
    reader: Call
    """What reads it."""


STATISTICS = NpzKind(
    kind="imgsim reference statistics",
    name="statistics",
    label="imgsim statistics file",
    writer=Call("write_statistics", "imgsim.ReferenceStats.save"),
    reader=Call("read_statistics", "imgsim.ReferenceStats.load"),
)
GALLERY = NpzKind(
    kind="imgsim features",
    name="a gallery",
    label="imgsim gallery file",
    writer=Call("write_gallery", "imgsim.extract_gallery"),
    reader=Call("read_gallery", "imgsim.nearest"),
)
_KINDS = {kind.kind: kind for kind in (STATISTICS, GALLERY)}

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_LOOKS_LIKE = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"\x93NUMPY", "a single NumPy array (.npy)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1f\x8b", "a gzip file"),
    (b"%PDF", "a PDF document"),
)
_SNIFF_BYTES = 512
_READ_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    ValueError,
    OSError,
    NotImplementedError,
)
"""What reading a damaged member raises: a bad CRC or header (BadZipFile), data cut
short (EOFError, or ValueError from a short array), a broken deflate stream (zlib)."""


class ImgsimNpz:
    """An open ``.npz`` that imgsim wrote, of the wanted kind: its metadata and arrays."""

    def __init__(self, path: Path, kind: NpzKind, data: Any, meta: dict[str, Any]) -> None:
        self.path = path
        self.kind = kind
        self.meta = meta
        self._data = data

    @property
    def names(self) -> list[str]:
        """The arrays in the file."""
        return [str(name) for name in self._data.files]

    def array(self, name: str, ndim: int, kinds: str = "biuf") -> NDArray[Any]:
        """The array ``name``, checked to have ``ndim`` dimensions and a dtype of one of
        the NumPy ``kinds`` (numbers by default; "U" for text)."""
        if name not in self._data.files:
            raise self.damaged(f"it has no {name!r} array")
        values = _member(self.path, self.kind, self._data, name)
        if values.ndim != ndim:
            raise self.damaged(f"{name!r} has shape {values.shape}, not {ndim}-D")
        if values.dtype.kind not in kinds:
            raise self.damaged(f"{name!r} holds {values.dtype}, not {_dtype_kinds(kinds)}")
        return values

    def damaged(self, detail: str) -> UsageError:
        """The error for contents that disagree with each other or with the metadata."""
        return UsageError(
            Wording.concat(
                f"{self.path}: damaged {self.kind.label}: {detail}; write it again with ",
                Wording.of(self.kind.writer),
            )
        )


@contextmanager
def read_npz(path: str | Path, kind: NpzKind) -> Iterator[ImgsimNpz]:
    """Open ``path`` as an imgsim file of ``kind``, or raise one clear :class:`UsageError`."""
    path = Path(path)
    if path.is_dir() and kind is not GALLERY and (path / "meta.json").is_file():
        from imgsim.gallery import is_gallery_index

        if is_gallery_index(path):
            raise UsageError(
                Wording.concat(
                    f"{path}: a gallery index written by ",
                    Wording.of(GALLERY.writer),
                    f", not {kind.name}: use it with ",
                    Wording.of(GALLERY.reader),
                )
            )
    try:
        handle = path.open("rb")
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({_reason(error)})") from None
    with handle:
        try:
            head = handle.read(_SNIFF_BYTES)
            handle.seek(0)
        except OSError as error:
            raise UsageError(f"{path}: cannot read it ({_reason(error)})") from None
        if not head.startswith(_ZIP_MAGIC):
            raise UsageError(f"{path}: not an {kind.label}: {_looks_like(head)}")
        try:
            data = np.load(handle, allow_pickle=False)
        except _READ_ERRORS as error:
            # It starts like a zip but zipfile finds no directory at its end: a download
            # or copy that stopped early (zipfile's own words, "File is not a zip file",
            # would contradict the first bytes).
            reason = "no zip directory at its end" if _is_bad_zip(error) else _reason(error)
            raise UsageError(
                Wording.concat(
                    f"{path}: truncated .npz ({reason}); write it again with ",
                    Wording.of(kind.writer),
                )
            ) from None
        with data:
            yield ImgsimNpz(path, kind, data, _metadata(path, kind, data))


def _foreign(path: Path, kind: NpzKind, detail: str) -> UsageError:
    """The error for an ``.npz`` that imgsim did not write."""
    return UsageError(f"{path}: not an {kind.label} ({detail})")


def _member(path: Path, kind: NpzKind, data: Any, name: str) -> NDArray[Any]:
    """One array of the archive, read back in full; a member that cannot be is refused."""
    try:
        return np.asarray(data[name])
    except _READ_ERRORS as error:
        if isinstance(error, ValueError) and "pickle" in str(error):
            # Object arrays, which only pickle can rebuild: imgsim never writes them.
            raise _foreign(path, kind, f"its {name} entry holds pickled Python objects") from None
        raise UsageError(
            Wording.concat(
                f"{path}: truncated or damaged .npz ({name}: {_reason(error)}); "
                "write it again with ",
                Wording.of(kind.writer),
            )
        ) from None


def _metadata(path: Path, kind: NpzKind, data: Any) -> dict[str, Any]:
    """The ``_meta`` of an imgsim file of ``kind``; anything else is refused."""
    if "_meta" not in data.files:
        arrays = ", ".join(sorted(data.files)) or "nothing"
        raise _foreign(path, kind, f"an .npz without imgsim's _meta entry; it holds {arrays}")
    raw = _member(path, kind, data, "_meta")
    try:
        meta = json.loads(str(raw)) if raw.ndim == 0 and raw.dtype.kind == "U" else None
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        raise _foreign(path, kind, "its _meta entry is not imgsim's JSON")
    found = meta.get("kind")
    if found is None and isinstance(meta.get("features"), dict):
        found = GALLERY.kind  # galleries of earlier versions had no "kind"
    if found == kind.kind:
        return meta
    other = _KINDS.get(str(found))
    if other is not None:
        raise UsageError(
            Wording.concat(
                f"{path}: {other.name} written by ",
                Wording.of(other.writer),
                f", not {kind.name}: use it with ",
                Wording.of(other.reader),
            )
        )
    raise _foreign(path, kind, f"its _meta says kind {found!r}")


def _looks_like(head: bytes) -> str:
    if not head:
        return "an empty file"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image, not an .npz"
    for magic, description in _LOOKS_LIKE:
        if head.startswith(magic):
            return f"{description}, not an .npz"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut by the end of the sniffed bytes is still text; anything else is not.
        text = head[: error.start].decode("utf-8") if error.start >= len(head) - 3 else ""
    if text and all(char.isprintable() or char in "\t\r\n" for char in text):
        return "a text file, not an .npz"
    return "not an .npz (zip) archive"


def _is_bad_zip(error: BaseException) -> bool:
    return isinstance(error, zipfile.BadZipFile) and str(error) == "File is not a zip file"


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _dtype_kinds(kinds: str) -> str:
    return "text" if kinds == "U" else "numbers"


__all__ = ["GALLERY", "STATISTICS", "ImgsimNpz", "NpzKind", "read_npz"]

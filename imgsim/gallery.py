"""Gallery indexes: feature values on disk that open memory-mapped and grow by appending.

A gallery index is a folder (``training.imgidx``) of raw files and one small JSON file::

    meta.json       what made it (features, their versions and options) and ``count``
    feature0.bin    the stored values of the first feature: count x width, row-major,
                    little-endian float32 (uint8 packed bits for hashes), no header
    paths.utf8      the image paths, UTF-8, one after the other
    paths.end       little-endian uint64: where each path ends in paths.utf8

Opening one reads ``meta.json`` only (a few hundred bytes); the values are
:class:`numpy.memmap` views whose pages the operating system reads when a search
touches them, and the paths are read one at a time, when a row is printed. So
``rank new.png GALLERY`` over a million stored images costs the query's decode and the
search, not a load of the gallery (an ``.npz`` must be read whole: its members are
zip entries).

``count`` in ``meta.json`` is the only thing readers trust: rows past it (left by a
writer that was killed, see :mod:`imgsim.gallery_writer`) are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError, Wording

if TYPE_CHECKING:
    from imgsim.features import FeatureParams, FeatureSpec

SUFFIX = ".imgidx"
KIND = "imgsim gallery index"
FORMAT = 1
"""The layout above; a reader refuses any other."""
META = "meta.json"
PATHS = "paths.utf8"
PATH_ENDS = "paths.end"
LOCK = "lock"
BATCH_ROWS = 4096
"""Rows a writer buffers before writing them out: a few MB at most, whatever the count."""
_END = np.dtype("<u8")


def is_gallery_index(path: Path) -> bool:
    """Whether ``path`` names a gallery index (by its suffix, or a folder with our meta)."""
    if path.suffix.lower() == SUFFIX:
        return True
    return (path / META).is_file() and kind_of(path) == KIND


def kind_of(path: Path) -> object:
    """The ``kind`` in ``path``'s meta.json, ``None`` when there is none."""
    try:
        return json.loads((path / META).read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def describe(specs: Sequence[FeatureSpec], params: FeatureParams) -> dict[str, dict[str, Any]]:
    """What a gallery says of each feature: kind, version, options and size (as in the
    ``_meta`` of a gallery ``.npz``), plus its file, dtype and stored width."""
    return {
        spec.name: {
            "kind": spec.kind,
            "version": spec.version,
            "params": spec.param_values(params),
            "bits" if spec.kind == "hash" else "dim": spec.dim(params),
            "file": f"feature{number}.bin",
            "dtype": np.dtype(spec.stored_dtype).newbyteorder("<").str,
            "width": spec.stored_width(params),
        }
        for number, spec in enumerate(specs)
    }


class StoredPaths(Sequence[str]):
    """The paths of a gallery index, read from disk one at a time (a sequence of str)."""

    def __init__(self, blob: NDArray[np.uint8], ends: NDArray[np.uint64]) -> None:
        self._blob = blob
        self._ends = ends

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        start = int(self._ends[index - 1]) if index else 0
        return bytes(self._blob[start : int(self._ends[index])]).decode("utf-8", "surrogateescape")

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks():
            yield from chunk

    def chunks(self, rows: int = 65536) -> Iterator[list[str]]:
        """All the paths, ``rows`` at a time (one read per chunk)."""
        for first in range(0, len(self), rows):
            ends = np.asarray(self._ends[first : first + rows], dtype=np.int64)
            start = int(self._ends[first - 1]) if first else 0
            yield _split(bytes(self._blob[start : int(ends[-1])]), ends - start)


def _split(data: bytes, stops: NDArray[np.int64]) -> list[str]:
    """``data`` cut before each of ``stops`` (the first piece starts at 0), decoded."""
    starts = np.concatenate([[0], stops[:-1]]).tolist()
    bounds = zip(starts, stops.tolist(), strict=True)
    return [data[a:b].decode("utf-8", "surrogateescape") for a, b in bounds]


@dataclass(frozen=True)
class GalleryIndex:
    """An open gallery index: its metadata, memory-mapped values and lazily read paths."""

    path: Path
    meta: dict[str, Any]

    @property
    def count(self) -> int:
        """Images in the gallery (the committed rows)."""
        return int(self.meta["count"])

    @property
    def features(self) -> dict[str, dict[str, Any]]:
        """Each feature's description (see :func:`describe`), in the order written."""
        described: dict[str, dict[str, Any]] = self.meta["features"]
        return described

    def values(self, feature: str) -> NDArray[np.generic]:
        """The stored values of ``feature``: a read-only (count, width) memory map."""
        entry = self.features[feature]
        dtype, width = np.dtype(entry["dtype"]), int(entry["width"])
        if self.count == 0 or width == 0:
            return np.zeros((self.count, width), dtype=dtype)
        file = self.path / entry["file"]
        self._require_size(file, self.count * width * dtype.itemsize)
        return np.memmap(file, dtype=dtype, mode="r", shape=(self.count, width))

    @property
    def paths(self) -> StoredPaths:
        """The image paths, in gallery order."""
        if self.count == 0:
            return StoredPaths(np.zeros(0, np.uint8), np.zeros(0, np.uint64))
        self._require_size(self.path / PATH_ENDS, self.count * _END.itemsize)
        ends = np.memmap(self.path / PATH_ENDS, dtype=_END, mode="r", shape=(self.count,))
        total = int(ends[-1])
        if total == 0:
            return StoredPaths(np.zeros(0, np.uint8), ends)
        self._require_size(self.path / PATHS, total)
        return StoredPaths(np.memmap(self.path / PATHS, dtype=np.uint8, mode="r"), ends)

    def value_chunks(self, feature: str, chunk_bytes: int) -> Iterator[bytes]:
        """The bytes of :meth:`values`, whole rows of at most ``chunk_bytes`` at a time,
        read with plain reads: a copy of the whole gallery (into an ``.npz``) does not
        map it into memory, where its pages would count as this process's own."""
        entry = self.features[feature]
        row_bytes = int(entry["width"]) * np.dtype(entry["dtype"]).itemsize
        total = self.count * row_bytes
        if total == 0:
            return
        self._require_size(self.path / entry["file"], total)
        step = max(1, chunk_bytes // row_bytes) * row_bytes
        with (self.path / entry["file"]).open("rb") as values:
            for start in range(0, total, step):
                yield values.read(min(step, total - start))

    def path_chunks(self, rows: int) -> Iterator[list[str]]:
        """The paths, ``rows`` at a time, read with plain reads (see :meth:`value_chunks`)."""
        if self.count == 0:
            return
        self._require_size(self.path / PATH_ENDS, self.count * _END.itemsize)
        with (self.path / PATH_ENDS).open("rb") as ends, (self.path / PATHS).open("rb") as blob:
            done = 0
            for first in range(0, self.count, rows):
                wanted = min(rows, self.count - first)
                stops = np.frombuffer(ends.read(wanted * _END.itemsize), dtype=_END)
                data = blob.read(int(stops[-1]) - done)
                if len(data) != int(stops[-1]) - done:
                    raise self.damaged(f"{PATHS} is shorter than {PATH_ENDS} says")
                yield _split(data, stops.astype(np.int64) - done)
                done = int(stops[-1])

    def damaged(self, detail: str) -> UsageError:
        """The error for contents that disagree with each other or with the metadata."""
        from imgsim.npzfile import GALLERY

        return UsageError(
            Wording.concat(
                f"{self.path}: damaged imgsim gallery index: {detail}; write it again with ",
                Wording.of(GALLERY.writer),
            )
        )

    def _require_size(self, file: Path, size: int) -> None:
        try:
            found = file.stat().st_size
        except OSError as error:
            raise self.damaged(f"{file.name}: {error.strerror}") from None
        if found < size:
            raise self.damaged(f"{file.name} holds {found} bytes, its {self.count} rows {size}")


def open_index(path: Path) -> GalleryIndex:
    """Open the gallery index ``path``: reads its ``meta.json`` and nothing else."""
    try:
        text = (path / META).read_text(encoding="utf-8")
    except FileNotFoundError:
        what = "no such folder" if not path.exists() else f"it has no {META}"
        raise UsageError(f"{path}: not an imgsim gallery index ({what})") from None
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})") from None
    try:
        meta = json.loads(text)
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or meta.get("kind") != KIND:
        raise UsageError(f"{path}: not an imgsim gallery index (its {META} is not imgsim's)")
    index = GalleryIndex(path, meta)
    if meta.get("format") != FORMAT:
        raise index.damaged(f"format {meta.get('format')!r}, this imgsim reads {FORMAT}")
    if not isinstance(meta.get("count"), int) or not isinstance(meta.get("features"), dict):
        raise index.damaged(f"its {META} has no count or features")
    return index


def new_meta(specs: Sequence[FeatureSpec], params: FeatureParams) -> dict[str, Any]:
    """The metadata of an empty index of ``specs`` with ``params``."""
    from imgsim import __version__

    return {
        "kind": KIND,
        "format": FORMAT,
        "imgsim_version": __version__,
        "features": describe(specs, params),
        "count": 0,
        "path_bytes": 0,
        "longest_path": 0,
    }


__all__ = [
    "BATCH_ROWS",
    "SUFFIX",
    "GalleryIndex",
    "StoredPaths",
    "describe",
    "is_gallery_index",
    "new_meta",
    "open_index",
]

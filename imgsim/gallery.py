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

Appending writes new rows after the committed ones and then replaces ``meta.json``
(``os.replace``: atomic), whose ``count`` is the only thing readers trust: a writer
killed mid-append leaves bytes past the committed rows, which readers ignore and the
next writer cuts off, so the gallery reads as it was. Writers of one index take an
exclusive ``flock`` on its ``lock`` file; readers take no lock.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, UsageError, Wording

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
    return (path / META).is_file() and _kind_of(path) == KIND


def _kind_of(path: Path) -> object:
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
        return bytes(self._blob[start : int(self._ends[index])]).decode("utf-8")

    def chunks(self, rows: int = 65536) -> Iterator[list[str]]:
        """All the paths, ``rows`` at a time (one read per chunk)."""
        for first in range(0, len(self), rows):
            ends = np.asarray(self._ends[first : first + rows], dtype=np.int64)
            start = int(self._ends[first - 1]) if first else 0
            data = bytes(self._blob[start : int(ends[-1])])
            starts = np.concatenate([[0], ends[:-1] - start])
            yield [data[a:b].decode("utf-8") for a, b in zip(starts, ends - start, strict=True)]


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


class IndexWriter:
    """Adds rows to a gallery index: buffered, written after the committed rows, made
    visible by :meth:`commit` (``meta.json`` replaced last)."""

    def __init__(self, folder: Path, meta: dict[str, Any], specs: Sequence[FeatureSpec]) -> None:
        self.folder = folder
        self.meta = meta
        self._specs = list(specs)
        entries = [meta["features"][spec.name] for spec in self._specs]
        count = int(meta["count"])
        self._widths = [int(entry["width"]) for entry in entries]
        self._dtypes = [np.dtype(entry["dtype"]) for entry in entries]
        self._buffers = [
            np.empty((BATCH_ROWS, w), dtype=d)
            for w, d in zip(self._widths, self._dtypes, strict=True)
        ]
        self._files = [
            _open_at(folder / entry["file"], count * w * d.itemsize)
            for entry, w, d in zip(entries, self._widths, self._dtypes, strict=True)
        ]
        self._path_bytes = int(meta.get("path_bytes", 0))
        self._paths = _open_at(folder / PATHS, self._path_bytes)
        self._ends = _open_at(folder / PATH_ENDS, count * _END.itemsize)
        self._row_paths: list[bytes] = []
        self._written = 0
        self.longest_path = int(meta.get("longest_path", 0))

    @property
    def count(self) -> int:
        """Rows added so far, committed or not (the committed ones included)."""
        return int(self.meta["count"]) + self._written + len(self._row_paths)

    def add(self, path: str, features: Mapping[str, NDArray[np.generic]]) -> None:
        """Buffer one image's stored values (one per feature of the index)."""
        row = len(self._row_paths)
        for spec, buffer in zip(self._specs, self._buffers, strict=True):
            buffer[row] = np.asarray(features[spec.name]).reshape(-1)
        self._row_paths.append(path.encode("utf-8", "surrogateescape"))
        self.longest_path = max(self.longest_path, len(path))
        if len(self._row_paths) == BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows after the others (not visible before :meth:`commit`)."""
        rows = len(self._row_paths)
        if not rows:
            return
        for handle, buffer in zip(self._files, self._buffers, strict=True):
            handle.write(buffer[:rows].tobytes())
        lengths = np.fromiter(map(len, self._row_paths), dtype=np.int64, count=rows)
        ends = self._path_bytes + np.cumsum(lengths)
        self._paths.write(b"".join(self._row_paths))
        self._ends.write(ends.astype(_END).tobytes())
        self._path_bytes = int(ends[-1])
        self._written += rows
        self._row_paths.clear()

    def commit(self) -> int:
        """Write out what is buffered, make it durable, then publish the new count."""
        self.flush()
        for handle in (*self._files, self._paths, self._ends):
            handle.flush()
            os.fsync(handle.fileno())
        meta = {
            **self.meta,
            "count": int(self.meta["count"]) + self._written,
            "path_bytes": self._path_bytes,
            "longest_path": self.longest_path,
        }
        _replace_meta(self.folder, meta)
        self.meta, self._written = meta, 0
        return int(meta["count"])

    def close(self) -> None:
        """Close the files (uncommitted rows stay invisible)."""
        for handle in (*self._files, self._paths, self._ends):
            handle.close()


def _open_at(file: Path, committed: int) -> IO[bytes]:
    """``file`` opened for writing after its ``committed`` bytes (anything past them,
    left by a writer that did not finish, is cut off)."""
    handle = open(file, "a+b")  # noqa: SIM115 (IndexWriter.close closes it)
    handle.truncate(committed)
    handle.seek(committed)
    return handle


def _replace_meta(folder: Path, meta: Mapping[str, Any]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{META}.", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as text:
            _permit_as_umask(Path(temporary))
            json.dump(meta, text, indent=1)
            text.flush()
            os.fsync(text.fileno())
        os.replace(temporary, folder / META)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _permit_as_umask(path: Path) -> None:
    """The permissions ``open`` and ``mkdir`` give (mkstemp and mkdtemp keep files
    private to their owner): a gallery is shared as any other output file is."""
    mask = os.umask(0)
    os.umask(mask)
    path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def _sync_folder(folder: Path) -> None:
    if sys.platform != "win32":
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the index's writers (none on Windows)."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    with open(folder / LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


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


@contextmanager
def creating(
    path: Path, specs: Sequence[FeatureSpec], params: FeatureParams
) -> Iterator[IndexWriter]:
    """A writer of a new index that appears at ``path`` complete, or not at all (an
    earlier index there is replaced; any other file or folder is refused)."""
    if path.exists() and not (path.is_dir() and _kind_of(path) == KIND):
        raise UsageError(
            Wording.concat(
                Wording.of(Argument("out")),
                f" {path}: exists and is not an imgsim gallery index; choose another name",
            )
        )
    parent = path.parent if str(path.parent) else Path()
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
    except OSError as error:
        raise UsageError(
            Wording.concat(
                Wording.of(Argument("out")), f" {path}: cannot write there ({error.strerror})"
            )
        ) from None
    try:
        _permit_as_umask(folder)
        meta = new_meta(specs, params)
        for entry in meta["features"].values():
            (folder / entry["file"]).touch()
        writer = IndexWriter(folder, meta, specs)
        try:
            yield writer
            writer.commit()
        finally:
            writer.close()
        _move_into_place(folder, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _move_into_place(folder: Path, path: Path) -> None:
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.old.{os.getpid()}")
        os.replace(path, old)
    os.replace(folder, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def appending(
    path: Path, specs: Sequence[FeatureSpec], params: FeatureParams
) -> Iterator[IndexWriter]:
    """A writer that adds rows to the index ``path``, which must hold exactly ``specs``
    with ``params`` (a missing one is created); the new rows appear when the block ends
    without an error."""
    check_appendable(path, specs, params)
    if not path.exists():
        with creating(path, specs, params) as writer:
            yield writer
        return
    with _locked(path):
        index = open_index(path)
        check_same_features(index, specs, params)
        writer = IndexWriter(path, dict(index.meta), specs)
        try:
            yield writer
            writer.commit()
        finally:
            writer.close()


def check_appendable(path: Path, specs: Sequence[FeatureSpec], params: FeatureParams) -> None:
    """Refuse to append to anything but a gallery index of ``specs`` with ``params`` (or
    a missing one), before any work is done."""
    if path.suffix.lower() != SUFFIX:
        raise UsageError(
            Wording.concat(
                Wording.of(Argument("append")),
                f": {path} is not a gallery index ({SUFFIX}); an .npz cannot grow without "
                f"being written again: write the gallery as NAME{SUFFIX} to append to it",
            )
        )
    if path.exists():
        check_same_features(open_index(path), specs, params)


def check_same_features(
    index: GalleryIndex, specs: Sequence[FeatureSpec], params: FeatureParams
) -> None:
    """Refuse to append ``specs`` with ``params`` to an index of other features or options."""
    held = list(index.features)
    wanted = [spec.name for spec in specs]
    if sorted(held) != sorted(wanted):
        raise UsageError(
            f"{index.path} holds {', '.join(held) or 'no features'}, not {', '.join(wanted)}; "
            f"append with the same features ({', '.join(held)}), or write a new gallery"
        )
    for spec in specs:
        stored = index.features[spec.name]
        found = {"version": stored.get("version"), "params": stored.get("params")}
        needed = {"version": spec.version, "params": spec.param_values(params)}
        if found != needed:
            raise UsageError(
                f"{index.path} holds {spec.name} {found}, but this run computes {needed}; "
                "append with the same options, or write a new gallery"
            )


__all__ = [
    "SUFFIX",
    "GalleryIndex",
    "IndexWriter",
    "StoredPaths",
    "appending",
    "check_appendable",
    "check_same_features",
    "creating",
    "describe",
    "is_gallery_index",
    "open_index",
]

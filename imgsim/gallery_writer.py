"""Writing gallery indexes (:mod:`imgsim.gallery`): a new one, or rows added to one.

A writer buffers :data:`~imgsim.gallery.BATCH_ROWS` rows, writes them after the committed
ones, and on commit makes them durable (``fsync``) and then replaces ``meta.json``
(``os.replace``: atomic), whose ``count`` is the only thing readers trust: a writer
killed mid-append leaves bytes past the committed rows, which readers ignore and the
next writer cuts off, so the gallery reads as it was. A new index is written in a
temporary folder beside its path and moved there complete. Writers of one index take
an exclusive ``flock`` on its ``lock`` file; readers take no lock.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, UsageError, Wording
from imgsim.gallery import (
    BATCH_ROWS,
    KIND,
    LOCK,
    META,
    PATH_ENDS,
    PATHS,
    SUFFIX,
    GalleryIndex,
    kind_of,
    new_meta,
    open_index,
)
from imgsim.output import atomic_text_file, umask_permissions

if TYPE_CHECKING:
    from imgsim.features import FeatureParams, FeatureSpec

_END = np.dtype("<u8")


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
    with atomic_text_file(folder / META) as text:
        json.dump(meta, text, indent=1)
    _sync_folder(folder)


def _permit_as_umask(path: Path) -> None:
    """The permissions ``mkdir`` gives (mkdtemp keeps a folder private to its owner): a
    gallery is shared as any other output file is."""
    path.chmod(umask_permissions(folder=path.is_dir()))


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


@contextmanager
def creating(
    path: Path, specs: Sequence[FeatureSpec], params: FeatureParams
) -> Iterator[IndexWriter]:
    """A writer of a new index that appears at ``path`` complete, or not at all (an
    earlier index there is replaced; any other file or folder is refused)."""
    if path.exists() and not (path.is_dir() and kind_of(path) == KIND):
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


__all__ = ["IndexWriter", "appending", "check_appendable", "check_same_features", "creating"]

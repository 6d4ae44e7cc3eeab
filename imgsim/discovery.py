"""Find the image files among the inputs: files named directly, and folders walked.

Folders are walked recursively in sorted order, hidden files skipped, files taken by
their extension; what is passed over is counted (other files) or named (folders
that cannot be listed), never dropped unseen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from imgsim.errors import UsageError

IMAGE_EXTENSIONS = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".bmp", ".dib", ".gif",
        ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico", ".jp2",
        ".j2k", ".avif", ".qoi", ".psd", ".sgi", ".pcx",
    }
)  # fmt: skip

UNDECODABLE_EXTENSIONS = frozenset(
    {
        ".heic", ".heif", ".hif", ".jxl", ".svg", ".svgz", ".exr", ".hdr", ".dng", ".cr2",
        ".cr3", ".crw", ".nef", ".nrw", ".arw", ".orf", ".rw2", ".raf", ".pef", ".srw", ".raw",
    }
)  # fmt: skip
"""Image formats Pillow does not decode (HEIC, JPEG XL, SVG, OpenEXR, camera raw): files
with these names are taken from folders anyway, so that each is reported as unreadable,
with its format, instead of vanishing from the count."""


class PathList(Sequence[Path]):
    """Paths found, kept as text and made :class:`~pathlib.Path` objects as they are read:
    a ``Path`` holds about three times the memory of its text (at a million files, about
    330 MB against 110 MB), and a run reads each one once or twice."""

    __slots__ = ("_texts",)

    def __init__(self, paths: Iterable[str | Path] = ()) -> None:
        self._texts: list[str] = [os.fspath(path) for path in paths]

    def append(self, path: str | Path) -> None:
        self._texts.append(os.fspath(path))

    def extend(self, paths: Iterable[str | Path]) -> None:
        if isinstance(paths, PathList):  # the same texts, not a copy of each
            self._texts.extend(paths._texts)
        else:
            self._texts.extend(os.fspath(path) for path in paths)

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, index: int) -> Path: ...

    @overload
    def __getitem__(self, index: slice) -> list[Path]: ...

    def __getitem__(self, index: int | slice) -> Path | list[Path]:
        if isinstance(index, slice):
            return [Path(text) for text in self._texts[index]]
        return Path(self._texts[index])

    def __iter__(self) -> Iterator[Path]:
        return map(Path, self._texts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PathList):
            return self._texts == other._texts
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PathList({self._texts!r})"


@dataclass(frozen=True)
class Discovery:
    """The image files found under the inputs, and what was passed over."""

    files: PathList
    ignored: int
    """Files that are not images by their name (``notes.txt``)."""
    unreadable_folders: list[tuple[Path, str]] = field(default_factory=list)
    """Folders below the inputs that could not be listed, with the reason."""


def is_image_name(path: Path) -> bool:
    """Whether a file name names an image (case-insensitive), decodable here or not."""
    suffix = path.suffix.lower()
    return suffix in IMAGE_EXTENSIONS or suffix in UNDECODABLE_EXTENSIONS


def discover(inputs: Sequence[str | Path]) -> Discovery:
    """Expand files and folders into the list of image files to process.

    A file named directly is always taken (its content decides whether it is an
    image). Folders are walked recursively, following symbolic links but never
    entering the same folder twice; hidden files and folders are skipped; files
    are taken by extension and returned sorted. Raises :class:`UsageError` for a
    path that does not exist.
    """
    files = PathList()
    ignored = 0
    unreadable: list[tuple[Path, str]] = []
    for entry in inputs:
        path = Path(entry)
        if path.is_dir():
            found, skipped = walk_images(path, unreadable)
            files.extend(found)
            ignored += skipped
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{entry}: no such file or folder")
    return Discovery(files=files, ignored=ignored, unreadable_folders=unreadable)


def walk_images(
    folder: Path, unreadable: list[tuple[Path, str]] | None = None
) -> tuple[PathList, int]:
    """Image files below ``folder`` in sorted order (by the names along each path: the
    walk's own order, each folder's entries sorted by name), and the count of other files.

    Folders that cannot be listed are added to ``unreadable`` with the reason.
    """
    found = PathList()
    ignored = 0
    for path in _walk_files(folder, set(), unreadable if unreadable is not None else []):
        if is_image_name(path):
            found.append(path)
        else:
            ignored += 1
    return found, ignored


def _walk_files(
    folder: Path, seen: set[tuple[int, int]], unreadable: list[tuple[Path, str]]
) -> Iterator[Path]:
    try:
        info = folder.stat()
        key = (info.st_dev, info.st_ino)
        if key in seen:  # a symbolic link back to a folder already walked
            return
        seen.add(key)
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as error:
        unreadable.append((folder, f"cannot read folder: {error.strerror or error}"))
        return
    for item in entries:
        if item.name.startswith("."):
            continue
        try:
            is_dir = item.is_dir()
        except OSError:  # a symbolic link loop: the decoder reports it, it is not dropped unseen
            yield Path(item.path)
            continue
        if is_dir:
            yield from _walk_files(Path(item.path), seen, unreadable)
        elif item.is_file() or _is_broken_link(item):
            yield Path(item.path)
        else:  # a FIFO would block the batch until something writes to it
            unreadable.append((Path(item.path), NOT_A_FILE))


NOT_A_FILE = "not a regular file (a FIFO, socket or device): skipped; name a FIFO itself to read it"
"""Why a folder's FIFOs, sockets and devices are not read, but reported."""


def _is_broken_link(item: os.DirEntry[str]) -> bool:
    # Reported as unreadable by the decoder instead of vanishing from the batch unseen.
    return item.is_symlink() and not os.path.exists(item.path)

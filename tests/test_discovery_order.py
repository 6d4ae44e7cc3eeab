"""Folders give their images in the order of the names along each path, which the walk
itself keeps (each folder's entries sorted by name): no sort of every path at the end."""

from __future__ import annotations

from pathlib import Path

from imgsim.discovery import walk_images

NAMES = ["a/x.png", "a.png", "a b.png", "A.png", "a/b/c.png", "a-b/z.png", "b.png", "a/a.png"]


def _tree(root: Path) -> None:
    for name in NAMES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")


def test_a_walk_gives_the_images_sorted_by_the_names_along_their_paths(tmp_path: Path) -> None:
    _tree(tmp_path)

    found, _ = walk_images(tmp_path)

    assert list(found) == sorted(found, key=lambda path: path.relative_to(tmp_path).parts)

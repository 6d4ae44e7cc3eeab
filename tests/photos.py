"""The sample photographs that tests and benchmarks draw from: scikit-image's bundled data.

One list for both, so that a test and the benchmark calibrated on the same photographs
cannot drift apart. The module imports nothing: tests reach it as ``photos`` (pytest
puts tests/ on ``sys.path``, as for ``conftest``), and the bench/ scripts, which run
with bench/ on ``sys.path`` and cannot import tests/ as a package, add this folder.

Order matters: seeded crops and tiles, and the benchmark corpus's files, follow it.
"""

from __future__ import annotations

PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "retina",
    "hubble_deep_field",
    "immunohistochemistry",
    "camera",
    "coins",
)
"""Nine photographs of different content: people, animals, objects, space, microscopy."""

TEXTURES = ("grass", "gravel", "brick", "cell")
"""Textures with no object in them; tiles of them look alike at any position."""

HELD_OUT = ("moon", "clock", "page", "colorwheel", "text")
"""Photographs kept out of a reference set, to stand for unseen images."""

TILE_PHOTOS = (*PHOTOS, *TEXTURES)
"""Photographs cut into tiles: many small images of thirteen kinds."""

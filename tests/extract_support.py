"""The input folders that the ``imgsim extract`` tests share.

Each test module builds them once in module-scoped fixtures of its own (so that a
module can run alone) and only reads them; every image is a real photograph,
scaled down with Lanczos.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from cli_support import RGB, png_header_only, save_image
from conftest import load_photo
from PIL import Image

Mixed = tuple[Path, list[Path], dict[Path, str]]
"""A folder, its valid images, and its bad files with the start of their expected reason."""


def photo(width: int = 96, height: int = 72, name: str = "astronaut") -> RGB:
    """scikit-image's photograph ``name`` at ``width`` x ``height``."""
    small = Image.fromarray(load_photo(name)).resize((width, height), Image.Resampling.LANCZOS)
    return np.asarray(small)


def build_good(folder: Path) -> Path:
    """``folder`` with three small images: a PNG, a JPEG, and a PNG in a subfolder."""
    save_image(folder / "astronaut.png", photo())
    save_image(folder / "chelsea.jpg", photo(name="chelsea"), quality=90)
    save_image(folder / "sub" / "coffee.png", photo(64, 48, name="coffee"))
    return folder


def paths_of_good(folder: Path) -> list[str]:
    """The images of :func:`build_good`'s folder in the order a run lists them."""
    return [
        str(folder / "astronaut.png"),
        str(folder / "chelsea.jpg"),
        str(folder / "sub" / "coffee.png"),
    ]


def _truncated(path: Path, pixels: RGB) -> Path:
    save_image(path, pixels)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def build_mixed(folder: Path) -> Mixed:
    """``folder`` with valid images and every kind of bad file.

    A folder named ``x.png`` is a folder, walked like any other: the image inside
    it is valid, the folder itself is no file at all.
    """
    valid = [
        save_image(folder / "a.png", photo(48, 32)),
        save_image(folder / "b.jpg", photo(48, 32, name="chelsea")),
        save_image(folder / "x.png" / "inside.png", photo(40, 30, name="coffee")),
    ]
    junk = np.random.default_rng(3).integers(0, 256, 2048, dtype=np.uint8).tobytes()
    (folder / "empty.png").write_bytes(b"")
    (folder / "junk.png").write_bytes(junk)
    (folder / "notes.jpg").write_text("not a photo\n")
    (folder / "dangling.png").symlink_to(folder / "nowhere.png")
    bad = {
        _truncated(folder / "cut.jpg", photo(48, 32)): "truncated",
        _truncated(folder / "cut.png", photo(48, 32)): "truncated",
        folder / "empty.png": "empty file",
        folder / "junk.png": "not an image",
        folder / "notes.jpg": "not an image: looks like text",
        png_header_only(folder / "bomb.png", 60000, 60000): "60000x60000 exceeds --max-pixels",
        folder / "dangling.png": "cannot read",
    }
    return folder, sorted(valid), bad


def reported(stderr: str) -> list[str]:
    """The stderr lines about single files (the summary and notes start with ``imgsim:``)."""
    return [line for line in stderr.splitlines() if not line.startswith("imgsim:")]

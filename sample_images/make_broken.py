"""Rebuild ``sample_images/broken/``: five broken generations, for ``imgsim quality``.

Run from the repository root::

    python sample_images/make_broken.py

It writes, next to this script, ``broken/`` with the failures a generator's CI should
catch without a reference, each 256 x 256 (the noise 192 x 192):

- ``black.png``, ``white.png``, ``gray.png``: uniform frames (0, 255 and 128);
- ``blurred.png``: ``reference/astronaut.png`` blurred with a Gaussian of σ = 8 px;
- ``noise.png``: uniform RGB noise (seed 0).

and ``broken/README.md``, which says so. Deterministic: fixed seed, no metadata in the
files. Needs numpy, pillow and scipy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

HERE = Path(__file__).resolve().parent
BROKEN_DIR = HERE / "broken"
SIDE = 256
BLUR_SIGMA = 8.0
NOISE_SIDE = 192

README = f"""# Broken generations

Five images that no generator should output, for `imgsim quality` (see the README's
"Catching broken generations"):

| file | what it is |
|---|---|
| `black.png` | a black {SIDE}×{SIDE} frame |
| `white.png` | a white {SIDE}×{SIDE} frame |
| `gray.png` | a flat gray {SIDE}×{SIDE} frame (level 128) |
| `blurred.png` | `reference/astronaut.png` blurred with a Gaussian of σ = {BLUR_SIGMA:g} px |
| `noise.png` | uniform RGB noise, {NOISE_SIDE}×{NOISE_SIDE} (NumPy seed 0) |

*This file is written by `make_broken.py`; edit the script, not this file.* The
astronaut photograph is public domain (NASA; see `../README.md`).
"""


def flat(level: int) -> Image.Image:
    return Image.fromarray(np.full((SIDE, SIDE, 3), level, dtype=np.uint8))


def blurred() -> Image.Image:
    with Image.open(HERE / "reference" / "astronaut.png") as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    smooth = ndimage.gaussian_filter(pixels, sigma=(BLUR_SIGMA, BLUR_SIGMA, 0))
    return Image.fromarray(np.clip(np.rint(smooth), 0, 255).astype(np.uint8))


def noise() -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (NOISE_SIDE, NOISE_SIDE, 3), dtype=np.uint8))


def main() -> None:
    BROKEN_DIR.mkdir(exist_ok=True)
    images = {
        "black.png": flat(0),
        "white.png": flat(255),
        "gray.png": flat(128),
        "blurred.png": blurred(),
        "noise.png": noise(),
    }
    for name, image in images.items():
        image.save(BROKEN_DIR / name, optimize=True)
        print(BROKEN_DIR.relative_to(HERE) / name)
    (BROKEN_DIR / "README.md").write_text(README, encoding="utf-8")


if __name__ == "__main__":
    main()

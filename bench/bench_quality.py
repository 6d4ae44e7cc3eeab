"""``quality``: every cheap no-reference metric against a plain decode of the same files.

40 photographs as 1024x768 JPEGs (quality 90). imgsim computes every metric but piqe
(``imgsim quality`` without ``-m``) through its job in this process, one worker, one
OpenCV thread, freed memory kept as the command line keeps it, no store: decode,
MATLAB ``rgb2gray`` once, nine metrics. The reference decodes each file in full with
Pillow and does nothing else (target: imgsim at most 3x its time per image, a ratio
of at least 1/3).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from corpus import build
from harness import Result, fastest, speedup
from PIL import Image

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "quality"
FILES = 40
SIZE = (1024, 768)
REPEAT = 3
LIMIT = 3.0


def _decode_all(paths: list[Path]) -> None:
    for path in paths:
        with Image.open(path) as image:
            np.asarray(image.convert("RGB"))


def _quality_all(paths: list[Path]) -> None:
    from imgsim.jobs.quality import QualityOptions, quality_of

    for _ in quality_of(paths, QualityOptions()).rows(workers=1):
        pass


def run() -> list[Result]:
    """The quality benchmark."""
    import cv2

    from imgsim.memory import keep_freed_memory

    # As the command line runs (it keeps freed memory for reuse), on one core as the
    # decode does: OpenCV's own threads would give imgsim a second core.
    keep_freed_memory()
    cv2.setNumThreads(1)
    paths = build(DATA, FILES, size=SIZE)
    _quality_all(paths[:2])  # imports and first-call costs out of the timing
    ours = fastest(lambda: _quality_all(paths), REPEAT) / len(paths)
    reference = fastest(lambda: _decode_all(paths), REPEAT) / len(paths)
    return [
        speedup(
            f"quality, all but piqe, {SIZE[0]}x{SIZE[1]} JPEG vs Pillow decode",
            imgsim_seconds=ours,
            reference_seconds=reference,
            at_least=1 / LIMIT,
            per="image",
            details=[
                f"{FILES} files, best of {REPEAT} runs each, in this process, 1 worker, no "
                f"store; target: at most {LIMIT:g}x a full decode per image"
            ],
        )
    ]

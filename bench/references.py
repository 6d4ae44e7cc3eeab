"""Reference implementations, each timed in a fresh Python process of its own.

    python bench/references.py LOOP REPEAT < file-list

runs ``LOOPS[LOOP]`` over the files named on stdin (one path a line) ``REPEAT``
times in this process and prints ``{"seconds": best, "values": {...}}`` as JSON.

Why not in the benchmark process itself: there, the timing depended on glibc's
heap layout. Once the harness had run an ``imgsim`` subprocess and read its
output, every multi-megabyte Pillow image buffer was handed back to the OS when
freed and page-faulted in again for the next image, and a full-decode loop ran
2.4x slower (450,000 minor page faults per 300 images instead of 64). A fresh
process times the loop the way a user's own script would run it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

Loop = Callable[[Sequence[Path]], dict[str, str]]
"""One pass over the files; returns a value per file name worth checking (or nothing)."""


def imagehash_phash(files: Sequence[Path]) -> dict[str, str]:
    """``imagehash.phash(Image.open(f))`` for every file; the hashes as hex."""
    import imagehash
    from PIL import Image

    hashes: dict[str, str] = {}
    for path in files:
        with Image.open(path) as image:
            hashes[path.name] = str(imagehash.phash(image))
    return hashes


def pillow_decode_rgb(files: Sequence[Path]) -> dict[str, str]:
    """``Image.open(f).convert("RGB")`` for every file: a full decode."""
    from PIL import Image

    for path in files:
        with Image.open(path) as image:
            image.convert("RGB")
    return {}


LOOPS: dict[str, Loop] = {
    "imagehash_phash": imagehash_phash,
    "pillow_decode_rgb": pillow_decode_rgb,
}


def best_pass(loop: Loop, files: Sequence[Path], repeat: int) -> tuple[float, dict[str, str]]:
    """The fastest of ``repeat`` passes, and the values of the last one."""
    best = float("inf")
    values: dict[str, str] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        values = loop(files)
        best = min(best, time.perf_counter() - start)
    return best, values


def main(argv: Sequence[str]) -> int:
    """Command-line entry: ``LOOP REPEAT``, file paths on stdin."""
    if len(argv) != 2 or argv[0] not in LOOPS or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.stderr.write(f"usage: references.py {{{','.join(LOOPS)}}} REPEAT < file-list\n")
        return 2
    files = [Path(line) for line in sys.stdin.read().splitlines() if line]
    LOOPS[argv[0]]([])  # imports happen here, outside the timing
    seconds, values = best_pass(LOOPS[argv[0]], files, int(argv[1]))
    json.dump({"seconds": seconds, "values": values}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

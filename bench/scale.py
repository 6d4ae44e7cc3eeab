"""``make bench-scale``: ``imgsim extract --out`` over a million tiny files, memory and speed.

Not part of ``make bench`` (it writes a million files and runs for tens of minutes).
For each file count it runs ``imgsim extract DIR -f phash,color_hist --out X`` in a
process of its own, samples the summed resident memory of that process and its
workers every 50 ms (Linux ``/proc``), and prints the peak and the throughput. The
targets (issue 19): peak summed RSS under 500 MB at 1,000,000 files, and throughput
per image within 1.2x of the 10,000-file run. The files are 32x32 PNGs, 4,096 distinct
ones written round-robin into folders of 1,000, cached under ``bench/.data/scale``.
``--no-cache`` keeps the feature store out of it (no store hits from repeated contents).

    python bench/scale.py                       # 10,000 and 1,000,000 files, --out .npz
    python bench/scale.py --files 10000,100000 --out-suffix .imgidx

The Makefile's target::

    bench-scale: $(VENV)/.installed-bench
        $(BIN)/python bench/scale.py --files 10000,1000000
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

DATA = Path(__file__).resolve().parent / ".data" / "scale"
DISTINCT = 4096
PER_FOLDER = 1000
RSS_LIMIT_MB = 500.0
THROUGHPUT_RATIO = 1.2
_PAGE = os.sysconf("SC_PAGE_SIZE")


def tiny_pngs() -> list[bytes]:
    """``DISTINCT`` different 32x32 PNGs: seeded gradients with noise (about 1-3 kB each)."""
    generator = np.random.default_rng(0)
    ramp = np.linspace(0, 255, 32, dtype=np.float32)
    encoded = []
    for _ in range(DISTINCT):
        slope = generator.uniform(-1, 1, 3)
        pixels = ramp[None, :, None] * slope + ramp[:, None, None] * (1 - np.abs(slope))
        pixels += generator.normal(0, 12, (32, 32, 3))
        buffer = io.BytesIO()
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
        encoded.append(buffer.getvalue())
    return encoded


def corpus(count: int) -> Path:
    """A folder of ``count`` tiny PNGs (made once, then reused)."""
    folder = DATA / f"files_{count}"
    done = folder / ".complete"
    if done.exists():
        return folder
    images = tiny_pngs()
    for number in range(count):
        sub = folder / f"{number // PER_FOLDER:05d}"
        if number % PER_FOLDER == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{number:07d}.png").write_bytes(images[number % DISTINCT])
    done.touch()
    return folder


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listing:
                found.extend(int(child) for child in listing.read().split())
    except OSError:
        pass
    return found


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants, summed."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm", encoding="ascii") as statm:
                total += int(statm.read().split()[1]) * _PAGE
        except OSError:
            continue
        pending.extend(_children(current))
    return total


def measured_run(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak summed RSS (bytes) and stderr of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(process.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{stderr}")
    return seconds, peak, stderr


def extract_once(count: int, suffix: str, workers: int | None) -> tuple[float, int]:
    """Seconds and peak summed RSS of one ``extract --out`` of ``count`` files."""
    folder = corpus(count)
    imgsim = Path(sys.executable).parent / "imgsim"
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        out = Path(scratch) / f"features{suffix}"
        command = [str(imgsim), "extract", str(folder), "-f", "phash,color_hist", "--out", str(out)]
        command += ["--no-cache", "--quiet", *(["--workers", str(workers)] if workers else [])]
        seconds, peak, _ = measured_run(command)
    return seconds, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="10000,1000000", help="comma-separated file counts")
    parser.add_argument("--out-suffix", default=".npz", choices=[".npz", ".imgidx"])
    parser.add_argument("--workers", type=int, default=None)
    arguments = parser.parse_args()
    counts = [int(value) for value in arguments.files.split(",")]
    rows = []
    for count in counts:
        seconds, peak = extract_once(count, arguments.out_suffix, arguments.workers)
        rows.append((count, seconds, peak))
        print(
            f"{count:>9,} files: {seconds:8.1f} s, {count / seconds:8.0f} images/s, "
            f"peak summed RSS {peak / 1e6:6.1f} MB",
            flush=True,
        )
    smallest, largest = rows[0], rows[-1]
    slowdown = (largest[1] / largest[0]) / (smallest[1] / smallest[0])
    memory_ok = largest[2] / 1e6 < RSS_LIMIT_MB
    speed_ok = slowdown <= THROUGHPUT_RATIO
    print(
        f"time per image at {largest[0]:,} / at {smallest[0]:,}: {slowdown:.3f} "
        f"(target <= {THROUGHPUT_RATIO}) {'ok' if speed_ok else 'MISSED'}; "
        f"peak RSS {largest[2] / 1e6:.1f} MB (target < {RSS_LIMIT_MB:g}) "
        f"{'ok' if memory_ok else 'MISSED'}"
    )
    return 0 if memory_ok and speed_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The feature store and the engine: reruns, parallel scaling, memory at scale.

1. Rerun against first run: ``imgsim extract DIR -f phash,color_hist --out X.npz
   --cache S`` (default workers) over real 1024x768 JPEGs, first with an empty store
   (deleted before every repeat), then again on the filled store. The checked ratio
   is the marginal time per image between folders of 200 and 1,000 images, so that
   process start-up, which the store cannot save, cancels; the whole-process times
   and their ratio are in the details. The rerun must report ``0 computed, 1000 from
   the store`` and write the same vectors as the first run. Target: the rerun at
   least 20x faster per image.
2. Two workers against one: ``--no-cache`` extraction (the computation itself, not
   the store), marginal time per image between 100 and 400 images, ``--workers 2``
   against ``--workers 1``. Target: at least 1.7x the throughput. Needs 2 cores.
3. 100,000 small images (64x64 JPEGs in 100 folders of 1,000, built once):
   ``imgsim extract ROOT -f phash,color_hist --cache S --format csv > file`` with a
   fresh store and the default workers, and the same over the first 10,000, to show
   that memory does not grow with the number of images. Target: the peak of the
   summed resident memory of the main process and its workers under 400 MB.

Everything is built under ``bench/.data`` (git-ignored) on first use; stores and
outputs go to a scratch folder there that is deleted afterwards.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import corpus
import numpy as np
from harness import (
    BenchmarkError,
    Completed,
    Result,
    at_most,
    format_seconds,
    imgsim_executable,
    run_imgsim,
    speedup,
    warm_page_cache,
)
from PIL import Image

FEATURES = ("-f", "phash,color_hist")
SUMMARY = re.compile(
    r"^imgsim: (\d+) images: (\d+) computed, (\d+) from the store, (\d+) unreadable$"
)

RERUN_SIZES = (200, 1000)
RERUN_REPEAT = 5
FROM_STORE_REPEAT = 20
"""Reruns take about 0.2 s: more repeats tame the noise on a difference of some 50 ms."""
RERUN_TARGET = 20.0

SCALING_SIZES = (100, 400)
SCALING_REPEAT = 5
SCALING_TARGET = 1.7

SMALL_ROOT = corpus.DATA / "small_100k"
SMALL_FOLDERS, SMALL_PER_FOLDER, SMALL_SIDE = 100, 1000, 64
SMALL_SUBSET_FOLDERS = 10
MEMORY_LIMIT_MB = 400
SAMPLE_SECONDS = 0.05


def run() -> list[Result]:
    """The three store and engine benchmarks."""
    corpus.DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="store-scratch-", dir=corpus.DATA) as scratch:
        return [
            rerun_speed(Path(scratch)),
            worker_scaling(Path(scratch)),
            memory_at_scale(Path(scratch)),
        ]


# --------------------------------------------------------------------------- 1. rerun


def rerun_speed(scratch: Path) -> Result:
    """Marginal time per image of a first run (empty store) against a rerun (filled store)."""
    folders = {count: corpus.folder_of(count) for count in RERUN_SIZES}
    small, big = RERUN_SIZES
    warm_page_cache(_jpegs(folders[big]))
    first: dict[int, float] = {}
    again: dict[int, float] = {}
    uncached: dict[int, float] = {}
    for count, folder in folders.items():
        store = scratch / f"rerun-{count}.sqlite"
        first_out, again_out = scratch / f"first-{count}.npz", scratch / f"again-{count}.npz"
        first[count] = min(
            _first_run(folder, count, store, first_out).seconds for _ in range(RERUN_REPEAT)
        )
        # The store of the last first run stays for the reruns.
        reruns = [_extract(folder, store, again_out) for _ in range(FROM_STORE_REPEAT)]
        for rerun in reruns:
            _expect_summary(rerun, count, computed=0, stored=count)
        _expect_same_npz(first_out, again_out)
        again[count] = min(rerun.seconds for rerun in reruns)
        no_cache = [*FEATURES, "--out", scratch / "no-cache.npz", "--no-cache"]
        uncached[count] = min(
            run_imgsim(["extract", folder, *no_cache]).seconds for _ in range(RERUN_REPEAT)
        )
    images = big - small
    first_per_image = _marginal(first, "first run")
    again_per_image = _marginal(again, "rerun")
    uncached_per_image = _marginal(uncached, "--no-cache run")
    csv_first, csv_again = _csv_rerun(folders[big], scratch)
    return speedup(
        f"rerun from the store vs first run, per image ({small}→{big} images)",
        imgsim_seconds=again_per_image,
        reference_seconds=first_per_image,
        at_least=RERUN_TARGET,
        per="image",
        details=(
            f"`imgsim extract DIR {' '.join(FEATURES)} --out X.npz --cache S` (default "
            f"workers); 'reference' is the first run on an empty store (deleted before each "
            f"repeat, best of {RERUN_REPEAT}), 'imgsim' the rerun on the store it filled "
            f"(best of {FROM_STORE_REPEAT})",
            f"marginal time per image = (t[{big}] - t[{small}]) / {images}, so process "
            "start-up, which the store cannot save, cancels",
            f"first run: {small} images {first[small]:.3f} s, {big} images {first[big]:.3f} s"
            f" → {format_seconds(first_per_image)}/image",
            f"rerun ({big} images: 0 computed, {big} from the store; same .npz as the first "
            f"run): {again[small]:.3f} s, {again[big]:.3f} s → "
            f"{again_per_image * 1e6:.0f} µs/image, fixed cost "
            f"≈ {again[small] - again_per_image * small:.3f} s",
            f"whole process, {big} images: first run {first[big]:.3f} s, rerun "
            f"{again[big]:.3f} s: {first[big] / again[big]:.1f}x",
            f"cost of filling the store: the same with `--no-cache` takes "
            f"{uncached[small]:.3f} s, {uncached[big]:.3f} s → "
            f"{format_seconds(uncached_per_image)}/image, so hashing the files and writing "
            f"the store add {first_per_image / uncached_per_image - 1:+.0%} per image to a "
            "first run",
            "why .npz and not CSV: CSV prints each image's 512 color_hist numbers as text in "
            "the main process, a cost the store cannot save; with `--format csv` to stdout "
            f"({big} images, whole process, best of {RERUN_REPEAT} and {FROM_STORE_REPEAT}; "
            f"the rerun printed the same CSV text): first run {csv_first:.3f} s, rerun "
            f"{csv_again:.3f} s, "
            f"{csv_first / csv_again:.1f}x; the text adds {csv_again - again[big]:.3f} s to "
            f"the rerun's {again[big]:.3f} s",
        ),
    )


def _first_run(folder: Path, count: int, store: Path, out: Path, *extra: str) -> Completed:
    """One run on a store deleted beforehand: every image is computed."""
    _delete_store(store)
    completed = _extract(folder, store, out, *extra)
    _expect_summary(completed, count, computed=count, stored=0)
    return completed


def _extract(folder: Path, store: Path, out: Path, *extra: str) -> Completed:
    return run_imgsim(["extract", folder, *FEATURES, "--out", out, "--cache", store, *extra])


def _csv_rerun(folder: Path, scratch: Path) -> tuple[float, float]:
    """Best whole-process times of a first run and a rerun printing CSV to stdout."""
    count = len(_jpegs(folder))
    store = scratch / "rerun-csv.sqlite"
    first = [_csv_run(folder, store, first=True) for _ in range(RERUN_REPEAT)]
    again = [_csv_run(folder, store, first=False) for _ in range(FROM_STORE_REPEAT)]
    for completed in again:
        _expect_summary(completed, count, computed=0, stored=count)
        if completed.stdout != first[-1].stdout:
            raise BenchmarkError("the rerun from the store printed a different CSV")
    return min(c.seconds for c in first), min(c.seconds for c in again)


def _csv_run(folder: Path, store: Path, *, first: bool) -> Completed:
    count = len(_jpegs(folder))
    if first:
        _delete_store(store)
    completed = run_imgsim(["extract", folder, *FEATURES, "--format", "csv", "--cache", store])
    if first:
        _expect_summary(completed, count, computed=count, stored=0)
    return completed


def _delete_store(store: Path) -> None:
    for leftover in store.parent.glob(store.name + "*"):  # the database, -wal and -shm
        leftover.unlink()


def _summary(stderr: str) -> tuple[int, int, int, int]:
    """``(images, computed, from the store, unreadable)`` from extract's last stderr line."""
    lines = stderr.strip().splitlines()
    match = SUMMARY.match(lines[-1]) if lines else None
    if match is None:
        raise BenchmarkError(f"no summary line at the end of stderr: {stderr[-500:]!r}")
    images, computed, stored, unreadable = (int(value) for value in match.groups())
    return images, computed, stored, unreadable


def _expect_summary(completed: Completed, count: int, *, computed: int, stored: int) -> None:
    """The last stderr line must read ``N images: C computed, S from the store, 0 unreadable``."""
    if _summary(completed.stderr) != (count, computed, stored, 0):
        raise BenchmarkError(
            f"expected `{count} images: {computed} computed, {stored} from the store, "
            f"0 unreadable`, imgsim said {completed.stderr.strip().splitlines()[-1]!r}"
        )


def _expect_same_npz(first: Path, again: Path) -> None:
    with np.load(first) as a, np.load(again) as b:
        if sorted(a.files) != sorted(b.files):
            raise BenchmarkError(f"the rerun wrote arrays {b.files}, the first run {a.files}")
        for name in a.files:
            if not np.array_equal(a[name], b[name]):
                raise BenchmarkError(f"the rerun from the store wrote a different {name!r}")


def _marginal(seconds: dict[int, float], what: str) -> float:
    """``(t[big] - t[small]) / (big - small)``; a BenchmarkError when noise hides it."""
    (small, t_small), (big, t_big) = sorted(seconds.items())
    per_image = (t_big - t_small) / (big - small)
    if per_image <= 0:
        raise BenchmarkError(
            f"{what}: {big} images took {t_big:.3f} s but {small} images {t_small:.3f} s, "
            "too noisy to give a time per image"
        )
    return per_image


# --------------------------------------------------------------------------- 2. scaling


def worker_scaling(scratch: Path) -> Result:
    """Marginal extraction time per image with 1 and with 2 worker processes."""
    cores = len(os.sched_getaffinity(0))
    if cores < 2:
        raise BenchmarkError(
            f"this process may use {cores} core; 2 workers against 1 needs at least 2"
        )
    folders = {count: corpus.folder_of(count) for count in SCALING_SIZES}
    small, big = SCALING_SIZES
    warm_page_cache(_jpegs(folders[big]))
    times: dict[int, dict[int, float]] = {1: {}, 2: {}}
    for count, folder in folders.items():
        for workers, best in times.items():
            arguments = [*FEATURES, "--out", scratch / "scaling.npz", "--no-cache"]
            arguments += ["--workers", str(workers)]
            runs = [run_imgsim(["extract", folder, *arguments]) for _ in range(SCALING_REPEAT)]
            _expect_written(runs, count)
            best[count] = min(completed.seconds for completed in runs)
    per_image = {workers: _marginal(best, f"{workers} workers") for workers, best in times.items()}
    return speedup(
        f"extract, 2 workers vs 1, per image ({small}→{big} images)",
        imgsim_seconds=per_image[2],
        reference_seconds=per_image[1],
        at_least=SCALING_TARGET,
        per="image",
        details=(
            f"`imgsim extract DIR {' '.join(FEATURES)} --out X.npz --no-cache --workers N`, "
            f"best of {SCALING_REPEAT}; 'reference' is N=1 (in-process), 'imgsim' N=2",
            f"marginal time per image = (t[{big}] - t[{small}]) / {big - small}, so start-up "
            "and the pool's start cancel; .npz output keeps the main process, which shares "
            "the cores with the workers, from formatting 512 numbers per image as text",
            f"1 worker: {times[1][small]:.3f} s, {times[1][big]:.3f} s → "
            f"{format_seconds(per_image[1])}/image",
            f"2 workers: {times[2][small]:.3f} s, {times[2][big]:.3f} s → "
            f"{format_seconds(per_image[2])}/image",
            f"{cores} cores available to this process (os.sched_getaffinity)",
        ),
    )


def _expect_written(runs: Sequence[Completed], count: int) -> None:
    for completed in runs:
        if f"imgsim: wrote {count} images to" not in completed.stderr:
            raise BenchmarkError(f"expected {count} images written: {completed.stderr[-500:]!r}")


# --------------------------------------------------------------------------- 3. memory


@dataclass(frozen=True)
class MemoryRun:
    """One process tree's run: time, output, and its resident memory (MB)."""

    seconds: float
    stderr: str
    rows: int
    summed_rss: float
    """Peak of the main process's and its workers' RSS added up, sampled."""
    summed_pss: float
    """The same with proportional set sizes (shared pages divided among their users)."""
    largest: float
    """Peak RSS of the largest single process (from the kernel, not sampled)."""
    main: float
    """Peak RSS of the main process (its VmHWM at the last sample)."""
    workers: tuple[float, ...]
    """Peak RSS of each worker (its VmHWM at the last sample)."""
    cpu_seconds: float
    """User + system time of the main process and its workers."""


def memory_at_scale(scratch: Path) -> Result:
    """Peak resident memory of extracting 10,000 and 100,000 small images."""
    root = _small_images()
    subset = _subset(root, SMALL_SUBSET_FOLDERS)
    count = SMALL_FOLDERS * SMALL_PER_FOLDER
    subset_count = SMALL_SUBSET_FOLDERS * SMALL_PER_FOLDER
    runs = {
        n: _memory_run(folder, n, scratch) for n, folder in ((subset_count, subset), (count, root))
    }
    big, small = runs[count], runs[subset_count]
    growth = (big.summed_rss - small.summed_rss) * 2**20 / (count - subset_count)
    return at_most(
        f"extract {count:,} small images: peak memory, main + workers",
        measured=big.summed_rss,
        limit=MEMORY_LIMIT_MB,
        unit="MB",
        strictly=True,
        imgsim_seconds=big.seconds,
        details=(
            f"`imgsim extract ROOT {' '.join(FEATURES)} --cache S --format csv > file`, "
            f"default workers, fresh store; {SMALL_SIDE}x{SMALL_SIDE} JPEGs cut from the "
            f"corpus photographs, {SMALL_FOLDERS} folders of {SMALL_PER_FOLDER}",
            "checked: the peak of the RSS of the main process and its workers added up, "
            f"sampled every {SAMPLE_SECONDS * 1e3:.0f} ms from /proc (an upper bound: pages "
            "the forked workers share with the main process count once per process); PSS "
            "counts them once",
            *(_memory_line(n, run) for n, run in runs.items()),
            f"growth from {subset_count:,} to {count:,} images: "
            f"{big.summed_rss - small.summed_rss:+.1f} MB summed RSS ({growth:+.0f} bytes/image):"
            f" main process {big.main - small.main:+.1f} MB, largest worker "
            f"{max(big.workers, default=0) - max(small.workers, default=0):+.1f} MB",
        ),
    )


def _memory_line(count: int, run: MemoryRun) -> str:
    workers = ", ".join(f"{peak:.0f}" for peak in run.workers) or "none"
    return (
        f"{count:,} images in {run.seconds:.1f} s ({format_seconds(run.seconds / count)}/image):"
        f" summed RSS {run.summed_rss:.0f} MB, summed PSS {run.summed_pss:.0f} MB; largest "
        f"process {run.largest:.0f} MB (exact: ru_maxrss); last sampled VmHWM: main "
        f"{run.main:.0f} MB, workers {workers} MB; CPU {run.cpu_seconds / run.seconds:.2f} "
        "cores on average"
    )


def _memory_run(folder: Path, count: int, scratch: Path) -> MemoryRun:
    """Run extract over ``folder`` with a fresh store and check what it printed."""
    store = scratch / f"memory-{count}.sqlite"
    for leftover in scratch.glob(store.name + "*"):
        leftover.unlink()
    out = scratch / f"memory-{count}.csv"
    command = [imgsim_executable(), "extract", folder, *FEATURES, "--cache", store]
    run = _measure_memory([*command, "--format", "csv"], out, scratch / "memory-stderr.txt")
    images, computed, stored, unreadable = _summary(run.stderr)
    # A few crops of flat regions are byte-identical files, found in the store as copies.
    if (images, computed + stored, unreadable) != (count, count, 0):
        raise BenchmarkError(
            f"expected {count} images, all computed or from the store and none unreadable; "
            f"imgsim said {run.stderr.strip().splitlines()[-1]!r}"
        )
    if run.rows != count:
        raise BenchmarkError(f"extract over {count} images printed {run.rows} CSV rows")
    out.unlink()
    return run


_WAITER = """
import os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - start
process.returncode = code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime} {seconds}")
sys.exit(code)
"""
"""Runs a command and reports the ru_maxrss (KiB) and CPU time of it and its descendants,
and its wall time. A small process of its own, because a child's ru_maxrss includes the
memory of the process it was forked from before it ran ``exec``: measured from this
benchmark (numpy, the photographs…) it would report this benchmark's size."""


def _measure_memory(command: Sequence[str | Path], out: Path, errors: Path) -> MemoryRun:
    """Run ``command`` with stdout to ``out``, sampling the memory of it and its children."""
    report = errors.with_suffix(".rusage")
    hwm: dict[int, float] = {}
    main: int | None = None
    summed_rss = summed_pss = 0.0
    with out.open("wb") as stdout, errors.open("wb") as stderr:
        waiter = subprocess.Popen(
            [sys.executable, "-c", _WAITER, report, *command], stdout=stdout, stderr=stderr
        )
        while waiter.poll() is None:
            members = _process_tree(waiter.pid)
            del members[waiter.pid]
            main = main or next((p for p, parent in members.items() if parent == waiter.pid), None)
            rss = pss = 0.0
            for member in members:
                memory = _memory_of(member)
                if memory is not None:
                    hwm[member] = memory["VmHWM"]
                    rss += memory["VmRSS"]
                    pss += memory.get("Pss", 0.0)
            summed_rss, summed_pss = max(summed_rss, rss), max(summed_pss, pss)
            time.sleep(SAMPLE_SECONDS)
    text = errors.read_text(errors="replace")
    if waiter.returncode != 0:
        raise BenchmarkError(f"{command[1]} exited with {waiter.returncode}: {text[-1000:]}")
    max_rss_kib, cpu_seconds, seconds = report.read_text().split()
    return MemoryRun(
        seconds=float(seconds),
        stderr=text,
        rows=_csv_rows(out),
        summed_rss=summed_rss,
        summed_pss=summed_pss,
        largest=int(max_rss_kib) / 1024,
        main=hwm.pop(main, 0.0) if main is not None else 0.0,
        workers=tuple(hwm.values()),
        cpu_seconds=float(cpu_seconds),
    )


def _process_tree(root: int) -> dict[int, int]:
    """``{pid: parent}`` of ``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                parents[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    tree, todo = {root: parents.get(root, 0)}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            tree[child] = parents[child]
            todo.append(child)
    return tree


def _memory_of(pid: int) -> dict[str, float] | None:
    """VmRSS, VmHWM and (when readable) Pss of ``pid`` in MB; ``None`` if it is gone."""
    memory: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    memory[key] = int(value.split()[0]) / 1024
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    memory["Pss"] = int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return memory if "VmRSS" in memory and "VmHWM" in memory else None


def _csv_rows(path: Path) -> int:
    """Data rows of a CSV written by extract; checks the header and the last row."""
    lines, tail = 0, b""
    with path.open("rb") as stream:
        header = stream.readline()
        for block in iter(lambda: stream.read(1 << 20), b""):
            lines += block.count(b"\n")
            tail = (tail + block)[-(1 << 16) :]  # holds the whole last row
    columns = header.decode().strip().split(",")
    if columns[:3] != ["path", "width", "height"]:
        raise BenchmarkError(f"unexpected CSV header from extract: {header[:200]!r}")
    if lines:
        row = next(csv.reader([tail.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode()]))
        if len(row) != len(columns) or not all(row[:5]):
            raise BenchmarkError(f"incomplete last CSV row: {row[:4]}")
    return lines


def _small_images() -> Path:
    """100 folders of 1,000 64x64 JPEGs cut from the corpus photographs (built once).

    Each is a random square crop (64 px up to the photo's shorter side, so the
    content ranges from detail to whole scenes), shrunk with a box filter and saved
    at Pillow's default quality: about 1.6 KB a file. Built in a temporary folder
    that is renamed when complete, so an interrupted build is started afresh.
    """
    if SMALL_ROOT.is_dir():
        return SMALL_ROOT
    partial = SMALL_ROOT.with_name(SMALL_ROOT.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    rng = np.random.default_rng(0)
    photos = [np.asarray(photo) for photo in corpus.load_photos()]
    for folder in range(SMALL_FOLDERS):
        target = partial / f"{folder:03d}"
        target.mkdir(parents=True)
        for index in range(SMALL_PER_FOLDER):
            photo = photos[rng.integers(len(photos))]
            side = int(rng.integers(SMALL_SIDE, min(photo.shape[:2]) + 1))
            top = int(rng.integers(0, photo.shape[0] - side + 1))
            left = int(rng.integers(0, photo.shape[1] - side + 1))
            tile = Image.fromarray(photo[top : top + side, left : left + side])
            tile = tile.resize((SMALL_SIDE, SMALL_SIDE), Image.Resampling.BOX)
            tile.save(target / f"{index:05d}.jpg")
    partial.rename(SMALL_ROOT)
    return SMALL_ROOT


def _subset(root: Path, folders: int) -> Path:
    """A folder of (relative) symbolic links to the first ``folders`` folders of ``root``."""
    subset = root.with_name(f"{root.name}_first{folders}")
    subset.mkdir(exist_ok=True)
    for index in range(folders):
        link = subset / f"{index:03d}"
        if not link.exists():
            link.unlink(missing_ok=True)  # a link left dangling
            link.symlink_to(Path("..") / root.name / link.name, target_is_directory=True)
    return subset


def _jpegs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jpg"))

"""``imgsim extract`` against what a user would otherwise write with Pillow and imagehash.

1. pHash throughput, one process: the marginal time per image of
   ``imgsim extract DIR -f phash --workers 1`` (two folder sizes, so process start-up
   cancels) against an in-process ``imagehash.phash(Image.open(f))`` loop over the
   same files. Target: imgsim at least 3x faster per image.
2. ``imgsim extract DIR -f phash,color_hist`` with the default workers, whole process,
   against decoding the same files in full with Pillow in one process. Target:
   imgsim faster, start-up included.
3. What reading each feature from its own decode costs: the marginal time per image
   of ``-f phash,color_hist --workers 1`` against the sum of ``-f phash`` and
   ``-f color_hist`` (a luma and an RGB decode). Target: one run of both is cheaper
   than a run of each (they share one decode), with the same pHash in both runs.

The reference loops run in a Python process of their own (see ``references.py``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import corpus
from harness import (
    BenchmarkError,
    Completed,
    Result,
    format_seconds,
    imgsim_supports,
    run_imgsim,
    speedup,
    time_reference,
    warm_page_cache,
)

SMALL, BIG = 100, 400
"""Folder sizes of the throughput benchmark: the difference cancels process start-up."""
FULL_RUN = 300
"""Images in the whole-process benchmark."""
REPEAT = 5
PHASH_TARGET = 3.0


def run() -> list[Result]:
    """Both extract benchmarks."""
    small, big, full = corpus.folder_of(SMALL), corpus.folder_of(BIG), corpus.folder_of(FULL_RUN)
    warm_page_cache(_jpegs(big))
    return [
        phash_throughput(small, big),
        phash_color_hist_run(full),
        own_decodes_per_image(small, big),
    ]


def phash_throughput(small: Path, big: Path) -> Result:
    """Per-image pHash time: imgsim's marginal cost per file against an imagehash loop."""
    small_files, big_files = _jpegs(small), _jpegs(big)
    arguments = ["-f", "phash", "--workers", "1", "--format", "csv", "--quiet", *_no_cache()]
    runs_small: list[Completed] = []
    runs_big: list[Completed] = []
    for _ in range(REPEAT):
        runs_small.append(run_imgsim(["extract", small, *arguments]))
        runs_big.append(run_imgsim(["extract", big, *arguments]))
    reference = time_reference("imagehash_phash", big_files, REPEAT)
    t_small = min(run.seconds for run in runs_small)
    t_big = min(run.seconds for run in runs_big)
    per_image = (t_big - t_small) / (len(big_files) - len(small_files))
    if per_image <= 0:
        raise BenchmarkError(
            f"imgsim took {t_big:.3f} s for {len(big_files)} images but {t_small:.3f} s for "
            f"{len(small_files)}: too noisy to give a time per image"
        )
    imgsim_hashes = _csv_column(runs_big[-1].stdout, "phash", len(big_files))
    return speedup(
        "extract phash, 1 process, per image",
        imgsim_seconds=per_image,
        reference_seconds=reference.seconds / len(big_files),
        at_least=PHASH_TARGET,
        per="image",
        details=(
            f"imgsim: `imgsim extract DIR {' '.join(arguments)}`, best of {REPEAT}: "
            f"{len(small_files)} images {t_small:.3f} s, {len(big_files)} images "
            f"{t_big:.3f} s; marginal {format_seconds(per_image)}/image, fixed cost "
            f"≈ {t_small - per_image * len(small_files):.3f} s",
            f"reference: `imagehash.phash(Image.open(f))` looped in one process over the "
            f"{len(big_files)} files, best of {REPEAT}: {reference.seconds:.3f} s",
            _hash_agreement(imgsim_hashes, reference.values),
        ),
    )


def phash_color_hist_run(folder: Path) -> Result:
    """Whole ``imgsim extract -f phash,color_hist`` against a single-process full decode."""
    files = _jpegs(folder)
    arguments = ["-f", "phash,color_hist", "--format", "csv", "--quiet", *_no_cache()]
    runs = [run_imgsim(["extract", folder, *arguments]) for _ in range(REPEAT)]
    reference = time_reference("pillow_decode_rgb", files, REPEAT)
    _csv_column(runs[-1].stdout, "color_hist", len(files))
    return speedup(
        f"extract phash+color_hist, {len(files)} images",
        imgsim_seconds=min(run.seconds for run in runs),
        reference_seconds=reference.seconds,
        at_least=1.0,
        strictly=True,
        per="run",
        details=(
            f"imgsim: `imgsim extract DIR {' '.join(arguments)}` (default workers: all "
            f"cores), whole process, best of {REPEAT}",
            f'reference: `Image.open(f).convert("RGB")` looped in one process over the same '
            f"files, best of {REPEAT}",
        ),
    )


def own_decodes_per_image(small: Path, big: Path) -> Result:
    """Per-image time of ``-f phash,color_hist`` against ``-f phash`` plus ``-f color_hist``."""
    count = len(_jpegs(big)) - len(_jpegs(small))
    common = ["--workers", "1", "--format", "csv", "--quiet", *_no_cache()]
    marginal: dict[str, float] = {}
    last: dict[str, Completed] = {}
    for features in ("phash,color_hist", "phash", "color_hist"):
        runs = [
            (
                run_imgsim(["extract", small, "-f", features, *common]).seconds,
                run_imgsim(["extract", big, "-f", features, *common]),
            )
            for _ in range(REPEAT)
        ]
        t_small = min(seconds for seconds, _ in runs)
        t_big = min(run.seconds for _, run in runs)
        marginal[features] = (t_big - t_small) / count
        last[features] = runs[-1][1]
    if min(marginal.values()) <= 0:
        raise BenchmarkError(f"marginal times per image {marginal}: too noisy to compare")
    together = _csv_column(last["phash,color_hist"].stdout, "phash", len(_jpegs(big)))
    alone = _csv_column(last["phash"].stdout, "phash", len(_jpegs(big)))
    same = sum(together[name] == value for name, value in alone.items())
    return speedup(
        "extract phash+color_hist vs each alone, 1 process, per image",
        imgsim_seconds=marginal["phash,color_hist"],
        reference_seconds=marginal["phash"] + marginal["color_hist"],
        at_least=1.0,
        strictly=True,
        per="image",
        details=(
            f"imgsim: `imgsim extract DIR -f phash,color_hist {' '.join(common)}`, marginal "
            f"time per image over {count} images, best of {REPEAT}: "
            f"{format_seconds(marginal['phash,color_hist'])}/image",
            f"reference: the same with `-f phash` ({format_seconds(marginal['phash'])}/image, "
            f"a luma decode) plus `-f color_hist` ({format_seconds(marginal['color_hist'])}"
            "/image, an RGB decode)",
            f"same result: pHash of the two-feature run identical to `-f phash` for "
            f"{same}/{len(alone)} images",
        ),
    )


def _no_cache() -> list[str]:
    # Measure the computation, not the feature store, once extract grows one.
    return ["--no-cache"] if imgsim_supports("extract", "--no-cache") else []


def _jpegs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jpg"))


def _csv_column(text: str, column: str, expected_rows: int) -> dict[str, str]:
    """``{file name: value}`` of one CSV column; checks that every image has a value."""
    rows = list(csv.DictReader(io.StringIO(text)))
    values = {Path(row["path"]).name: row.get(column) or "" for row in rows}
    missing = [name for name, value in values.items() if not value]
    if len(rows) != expected_rows or missing:
        raise BenchmarkError(
            f"imgsim extract printed {len(rows)} rows for {expected_rows} images, "
            f"{len(missing)} without {column}"
        )
    return values


def _hash_agreement(imgsim: dict[str, str], reference: dict[str, str]) -> str:
    """How far imgsim's hashes are from imagehash's (DCT-scaled decoding may flip a few bits)."""
    distances: Sequence[int] = [
        (int(imgsim[name], 16) ^ int(reference[name], 16)).bit_count() for name in reference
    ]
    exact = sum(distance == 0 for distance in distances)
    return (
        f"same result: imgsim pHash vs imagehash, {exact}/{len(distances)} identical, "
        f"mean {sum(distances) / len(distances):.2f} bits apart, max {max(distances)}"
    )

"""Retrieval report: does ``imgsim rank`` find the edited copy of a photograph among hard negatives?

Issue 14 item 3(b), measured as a user would: through the real command line,
``imgsim rank QUERIES GALLERY -f FEATURE -k 1 --format csv``, on files.

The images are made by ``photographs.py`` (the constants named here are its own):

- Photographs (the queries): 30 large non-overlapping crops of 12 freely licensed
  photographs, scikit-image's and scikit-learn's (``SOURCES``: the halves or the
  quarters of each), shrunk with OpenCV's area filter to at most ``MAX_SIDE`` (400)
  px on their longer side, written as PNG.
- Hard negatives (300, in every gallery): ``SAME_SOURCE`` (6, ``--same-source``)
  other crops per photograph of its source, of 50-100 % of its sides, that straddle
  its neighbours (at most ``MAX_SHARE``, 60 %, of a negative's area lies in any one
  photograph), and ``OTHER_CROPS`` (15) crops of 40-100 % of the sides of each of 8
  photographs that are no query's source (``OTHER_SOURCES``).
- Edits (``EDITS``): 50 % downscale (Lanczos), JPEG quality 30 (written as a
  ``.jpg``), an 80 % crop at a seeded random offset, +25 % brightness (Pillow's
  ``ImageEnhance``), 5° rotation (bicubic, black corners), Gaussian blur σ = 2
  (OpenCV), a semi-transparent text watermark (Pillow ``ImageDraw``); and every
  pair of two of them, applied in that order (21 chained edits).
- One gallery per edit: the 30 edited copies and the 300 negatives (hard links).
  ``rank`` breaks ties by gallery order, and the negatives are listed first, so a
  tie between the copy and a negative counts as a miss.

A query's top-1 is right when it is the edited copy of that photograph. The features
are computed once, by one ``imgsim extract`` run into a temporary feature store,
and every ``rank`` run reads them from it. Deterministic: every random choice is
seeded. Not a timing benchmark: ``bench/run.py`` only collects ``bench_*.py``.

    python bench/retrieval.py -f color_hist -f phash
    python bench/retrieval.py -f thumb --photos 10 --pairs 5      # a quick look
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from photographs import (
    EDITS,
    JPEG_QUALITY,
    PHOTOGRAPHS,
    SAME_SOURCE,
    SEED,
    Image8,
    jpeg_bytes,
    negatives_count,
    photographs_and_negatives,
)
from PIL import Image

import imgsim

OUT_DIR = Path(__file__).resolve().parent / ".data" / "retrieval"
MIN_SINGLE, MIN_CHAINED = 0.95, 0.85
"""Issue 14's targets for top-1 accuracy."""


# --------------------------------------------------------------------------- edits


def chained_edits(pairs: int | None) -> list[tuple[str, str]]:
    """Every pair of two edits, or a seeded sample of ``pairs`` of them."""
    every = list(itertools.combinations(EDITS, 2))
    if pairs is None or pairs >= len(every):
        return every
    chosen = np.random.default_rng(SEED).choice(len(every), pairs, replace=False)
    return [every[index] for index in sorted(chosen)]


def edited_file(image: Image8, edits: Sequence[str], rng: np.random.Generator) -> tuple[bytes, str]:
    """The file a user would save: a ``.jpg`` at quality 30 when JPEG is the last edit."""
    for name in edits[:-1]:
        image = EDITS[name](image, rng)
    if edits[-1] == "jpeg q30":
        return jpeg_bytes(image, JPEG_QUALITY), ".jpg"
    buffer = io.BytesIO()
    Image.fromarray(EDITS[edits[-1]](image, rng)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), ".png"


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class Layout:
    """Where the images of one run are: queries, negatives, edited copies, galleries."""

    root: Path
    labels: tuple[str, ...]
    """Every edit, single ones first: ``blur σ2`` or ``blur σ2 + watermark``."""
    chained: frozenset[str]

    def gallery(self, label: str) -> Path:
        return self.root / "galleries" / label.replace(" ", "_")

    def edited(self, label: str) -> Path:
        return self.root / "edited" / label.replace(" ", "_")


def _png(path: Path, image: Image8) -> None:
    Image.fromarray(image).save(path, format="PNG", compress_level=1)


def build(
    root: Path,
    *,
    photos: int | None = None,
    pairs: int | None = None,
    same_source: int = SAME_SOURCE,
) -> Layout:
    """Write the queries, the negatives, and for each edit its copies and its gallery."""
    photographs, negatives = photographs_and_negatives(same_source)
    chosen = list(photographs)[:photos]
    singles = [(name,) for name in EDITS]
    chains = chained_edits(pairs)
    labels = [" + ".join(edits) for edits in (*singles, *chains)]
    layout = Layout(root, tuple(labels), frozenset(" + ".join(pair) for pair in chains))
    for folder in ("queries", "negatives"):
        (root / folder).mkdir(parents=True)
    for stem in chosen:
        _png(root / "queries" / f"{stem}.png", photographs[stem])
    for stem, pixels in negatives.items():
        _png(root / "negatives" / f"{stem}.png", pixels)
    for index, (label, edits) in enumerate(zip(labels, (*singles, *chains), strict=True)):
        layout.edited(label).mkdir(parents=True)
        layout.gallery(label).mkdir(parents=True)
        for photo_index, stem in enumerate(chosen):
            rng = np.random.default_rng((SEED, index, photo_index))
            data, suffix = edited_file(photographs[stem], edits, rng)
            (layout.edited(label) / f"{stem}{suffix}").write_bytes(data)
            os.link(
                layout.edited(label) / f"{stem}{suffix}", layout.gallery(label) / f"{stem}{suffix}"
            )
        for negative in (root / "negatives").iterdir():
            os.link(negative, layout.gallery(label) / negative.name)
    return layout


# --------------------------------------------------------------------------- measurement


def imgsim_command() -> list[str]:
    """The ``imgsim`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "imgsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "imgsim"]


def run_imgsim(*arguments: str) -> str:
    """Run ``imgsim`` and return its stdout; a failed run stops the report with its stderr."""
    command = [*imgsim_command(), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)}\nexited with {result.returncode}:\n{result.stderr.strip()}"
        )
    return result.stdout


def prime(layout: Layout, features: Sequence[str], cache: Path, workers: int) -> None:
    """Compute every feature of every image once, into the store that ``rank`` then reads."""
    folders = [layout.root / "queries", layout.root / "negatives", layout.root / "edited"]
    run_imgsim(
        *["extract", *map(str, folders), "-f", ",".join(features)],
        *["--out", str(cache.with_suffix(".npz")), "--cache", str(cache), "-j", str(workers), "-q"],
    )


def top1_hits(layout: Layout, label: str, feature: str, cache: Path) -> float:
    """Share of queries whose top-1 in this edit's gallery is their own edited copy."""
    output = run_imgsim(
        *["rank", str(layout.root / "queries"), str(layout.gallery(label)), "-f", feature],
        *["-k", "1", "--format", "csv", "--cache", str(cache), "-j", "1", "-q"],
    )
    rows = list(csv.DictReader(io.StringIO(output)))
    return float(np.mean([Path(row["query"]).stem == Path(row["match"]).stem for row in rows]))


def _progress(stage: str, began: float) -> None:
    print(f"retrieval: {stage} at {time.perf_counter() - began:.1f} s", file=sys.stderr)


@dataclass(frozen=True)
class Retrieval:
    """Top-1 accuracy of one feature under every edit."""

    feature: str
    hits: dict[str, float]
    chained_labels: frozenset[str]

    @property
    def single(self) -> float:
        return float(np.mean([v for k, v in self.hits.items() if k not in self.chained_labels]))

    @property
    def chained(self) -> float:
        values = [v for k, v in self.hits.items() if k in self.chained_labels]
        return float(np.mean(values)) if values else float("nan")


@dataclass(frozen=True)
class Settings:
    """The size of one run: photographs, chained pairs, same-source negatives, processes."""

    photos: int | None = None
    """Only the first N photographs (default: all)."""
    pairs: int | None = None
    """A seeded sample of N chained pairs (default: all)."""
    same_source: int = SAME_SOURCE
    workers: int = 2

    def describe(self) -> str:
        queries = min(self.photos or PHOTOGRAPHS, PHOTOGRAPHS)
        negatives = negatives_count(self.same_source)
        return f"{queries} photographs, {negatives} hard negatives in each edit's gallery"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of :class:`Settings`, for this script and ``choose_default.py``."""
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--photos", type=int, help="only the first N of the 30 photographs")
    parser.add_argument("--pairs", type=int, help="a seeded sample of N of the 21 chained pairs")
    parser.add_argument(
        "--same-source",
        type=int,
        default=SAME_SOURCE,
        help=f"negatives per photograph cut from its source [default: {SAME_SOURCE}]",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(args.photos, args.pairs, args.same_source, args.workers)


def evaluate(features: Sequence[str], settings: Settings) -> list[Retrieval]:
    """Build the images in a temporary folder, rank them, and score every feature."""
    with tempfile.TemporaryDirectory(prefix="imgsim-retrieval-") as folder:
        began = time.perf_counter()
        layout = build(
            Path(folder) / "images",
            photos=settings.photos,
            pairs=settings.pairs,
            same_source=settings.same_source,
        )
        _progress("images written", began)
        cache = Path(folder) / "features.sqlite"
        prime(layout, features, cache, settings.workers)
        _progress("features extracted", began)
        tasks = [(feature, label) for feature in features for label in layout.labels]
        with ThreadPoolExecutor(max_workers=settings.workers) as pool:
            shares = list(pool.map(lambda task: top1_hits(layout, task[1], task[0], cache), tasks))
        _progress(f"{len(tasks)} rank runs", began)
    scores = dict(zip(tasks, shares, strict=True))
    return [
        Retrieval(
            feature, {label: scores[feature, label] for label in layout.labels}, layout.chained
        )
        for feature in features
    ]


# --------------------------------------------------------------------------- output


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def markdown_tables(results: Sequence[Retrieval]) -> str:
    """Per feature: overall and per single edit; then per chained edit and feature."""
    singles = [label for label in results[0].hits if label not in results[0].chained_labels]
    chained = [label for label in results[0].hits if label in results[0].chained_labels]
    header = ["feature", "single edits", "chained edits", *singles]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        cells = [result.feature, percent(result.single), percent(result.chained)]
        lines.append("| " + " | ".join(cells + [percent(result.hits[s]) for s in singles]) + " |")
    if chained:
        lines += ["", "| chained edit | " + " | ".join(r.feature for r in results) + " |"]
        lines.append("|" + "---|" * (len(results) + 1))
        for label in chained:
            lines.append(
                f"| {label} | " + " | ".join(percent(r.hits[label]) for r in results) + " |"
            )
    return "\n".join(lines)


def parse_features(given: Sequence[str] | None, parser: argparse.ArgumentParser) -> list[str]:
    """Feature names from repeatable, comma-separated options (default: every feature)."""
    names = [name for item in given or [] for name in item.split(",") if name]
    names = list(dict.fromkeys(names)) or list(imgsim.FEATURES)
    for name in names:
        if name not in imgsim.FEATURES:
            parser.error(f"unknown feature {name!r}; valid features: {', '.join(imgsim.FEATURES)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--feature", action="append", help="repeatable or comma-separated")
    add_arguments(parser)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where retrieval.md goes")
    args = parser.parse_args(argv)
    features = parse_features(args.feature, parser)
    start = time.perf_counter()
    settings = settings_from(args)
    results = evaluate(features, settings)
    report = (
        f"# Top-1 retrieval with `imgsim rank` ({settings.describe()})\n\n"
        f"{markdown_tables(results)}\n"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "retrieval.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.out_dir} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

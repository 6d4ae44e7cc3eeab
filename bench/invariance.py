"""Invariance report: how far does each feature move when a photograph is lightly edited?

Issue 14 item 4. For each feature and edit, over the 30 photographs of the retrieval
report (``retrieval.py``: non-overlapping crops of 12 bundled photographs):

    moved = d(photograph, edited copy) / median over pairs of different photographs of d

with d the feature's default distance, a similarity s (cosine, correlation,
intersection) taken as 1 − s, its value on identical vectors being 1. So 0 is "did
not move" and 1.0 is "as far as another photograph". The table gives the median
over the photographs and, in brackets, the largest.

Edits: 50 % downscale (Lanczos), a JPEG re-encode at quality 75 (a ``.jpg`` file),
5° rotation (bicubic, black corners), a horizontal flip, +25 % brightness (Pillow's
``ImageEnhance``) and Gaussian blur σ = 2 (OpenCV); ``photographs.py`` has them. The images
are files in a temporary folder, read by ``imgsim.extract`` as the command line reads
them. Deterministic. Not a timing benchmark: ``bench/run.py`` only collects ``bench_*.py``.

    python bench/invariance.py                    # every feature
    python bench/invariance.py -f phash -f color_hist
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from photographs import (
    Edit,
    Image8,
    blur,
    brighten,
    downscale,
    flip,
    jpeg_bytes,
    photographs_and_negatives,
    rotate5,
)
from PIL import Image
from retrieval import parse_features

import imgsim
from imgsim.features import get_feature
from imgsim.metrics.distances import DISTANCES

REENCODE_QUALITY = 75
EDITS: dict[str, Edit | None] = {
    "resize 50%": downscale,
    "jpeg q75": None,
    "rotate 5°": rotate5,
    "flip": flip,
    "brightness +25%": brighten,
    "blur σ2": blur,
}
"""The edits of the table; ``None`` is the re-encode, written as a JPEG file."""
OUT_DIR = Path(__file__).resolve().parent / ".data" / "invariance"


@dataclass(frozen=True)
class Invariance:
    """How far one feature moves under each edit, relative to different photographs."""

    feature: str
    distance: str
    moved: dict[str, NDArray[np.float64]]
    """Per edit: each photograph's distance to its copy over the between-photographs median."""
    between: float
    """The median distance between different photographs."""


def write_files(folder: Path, photographs: dict[str, Image8]) -> dict[str, list[Path]]:
    """The photographs and their edited copies as files; paths per edit, ``""`` the originals."""
    paths: dict[str, list[Path]] = {"": [], **{edit: [] for edit in EDITS}}
    rng = np.random.default_rng(0)  # none of these edits draws from it
    for stem, pixels in photographs.items():
        original = folder / f"{stem}.png"
        Image.fromarray(pixels).save(original, compress_level=1)
        paths[""].append(original)
        for index, (edit, apply) in enumerate(EDITS.items()):
            if apply is None:
                path = folder / f"{stem}-{index}.jpg"
                path.write_bytes(jpeg_bytes(pixels, REENCODE_QUALITY))
            else:
                path = folder / f"{stem}-{index}.png"
                Image.fromarray(apply(pixels, rng)).save(path, compress_level=1)
            paths[edit].append(path)
    return paths


def dissimilarities(
    distance: str, a: NDArray[np.generic], b: NDArray[np.generic]
) -> NDArray[np.float64]:
    """The (n, m) distances between rows; a similarity s becomes 1 − s."""
    values = np.asarray(imgsim.pairwise(distance, a, b), dtype=np.float64)
    return 1.0 - values if DISTANCES[distance].higher_is_closer else values


def measure(feature: str, paths: dict[str, list[Path]]) -> Invariance:
    """One feature's movement under every edit, on the files written by :func:`write_files`."""
    distance = get_feature(feature).default_distance
    originals = imgsim.extract(paths[""], feature)
    pairs = dissimilarities(distance, originals, originals)
    between = float(np.median(pairs[~np.eye(len(pairs), dtype=bool)]))
    moved = {}
    for edit in EDITS:
        copies = imgsim.extract(paths[edit], feature)
        own = np.einsum("ii->i", dissimilarities(distance, originals, copies))
        moved[edit] = own / between if between > 0 else np.full(len(own), np.inf)
    return Invariance(feature, distance, moved, between)


def markdown_table(results: Sequence[Invariance]) -> str:
    """One row per feature: median (largest) movement under each edit."""
    header = ["feature", "distance", "between photos", *EDITS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        cells = [result.feature, result.distance, f"{result.between:.3g}"]
        cells += [
            f"{np.median(result.moved[edit]):.2f} ({np.max(result.moved[edit]):.2f})"
            for edit in EDITS
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(features: Sequence[str]) -> list[Invariance]:
    """Every feature's movement, on files in a temporary folder."""
    photographs, _ = photographs_and_negatives(same_source=0)
    with tempfile.TemporaryDirectory(prefix="imgsim-invariance-") as folder:
        paths = write_files(Path(folder), photographs)
        results = []
        for feature in features:
            began = time.perf_counter()
            results.append(measure(feature, paths))
            print(f"{feature}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--feature", action="append", help="repeatable or comma-separated")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where invariance.md goes")
    args = parser.parse_args(argv)
    features = parse_features(args.feature, parser)
    start = time.perf_counter()
    results = evaluate(features)
    report = (
        "# How far each feature moves under an edit (1.0 = as far as another photograph)\n\n"
        "Median over 30 photographs (largest in brackets) of d(photograph, edited copy) "
        "divided by the median d between different photographs; d is the feature's "
        "default distance, a similarity s taken as 1 − s.\n\n"
        f"{markdown_table(results)}\n"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "invariance.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.out_dir} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

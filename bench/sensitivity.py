"""Sensitivity report: do ``fd`` and ``kid`` on each imgsim feature respond to disturbed images?

The protocol of Heusel et al. 2017, Fig. 1 and Appendix A1 (M. Heusel, H. Ramsauer,
T. Unterthiner, B. Nessler, S. Hochreiter, "GANs trained by a two time-scale update
rule converge to a local Nash equilibrium", NeurIPS 2017, arXiv:1706.08500), on real
photographs instead of CelebA, and on imgsim's features instead of Inception codings:

1. Reference set: ``--crops`` random 128x128 crops (seed 0) of the freely licensed
   photographs bundled with scikit-image and scikit-learn.
2. Generated set: another draw of as many crops (seed 1), disturbed at levels 0-4.
   Level 0 is the undisturbed draw: fd and kid between two clean draws, the baseline
   that sampling alone gives. The disturbances follow the paper's definitions, with
   one lighter level in front of its three (see ``disturbances.py``): Gaussian
   noise, Gaussian blur, black rectangles, swirl, salt and pepper.

   Each disturbance draws its random numbers from the same seed at every level (the
   rectangles stay in place and grow), so the curves differ by the level only.
3. For each feature: ``fd`` and ``kid`` (100 subsets of half the set) between the
   reference features and each generated set's.

A metric *responds* to a disturbance when it grows with the level (Kendall's τ between
level and value at least :data:`MIN_TAU`, i.e. at most two of the ten pairs of levels
out of order) and the heaviest level is well above the baseline: more than
:data:`MIN_RATIO` times the level-0 value, and for kid also more than :data:`MIN_SIGMAS`
subset standard deviations above it.

    python bench/sensitivity.py                      # every feature
    python bench/sensitivity.py -f thumb -f phash --crops 300

Writes ``sensitivity.md`` (the table) and ``sensitivity.png`` (the paper's Fig. 1:
one panel per disturbance, fd above, kid below) into ``--out-dir``. Not a timing
benchmark: ``bench/run.py`` only collects ``bench_*.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from disturbances import DISTURBANCES, Images
from numpy.typing import NDArray

import imgsim
from imgsim.features import DEFAULT_FEATURE, get_feature
from imgsim.metrics.sets import fd, kid
from imgsim.reference import feature_matrix

# The sample photographs are the tests' list (tests/photos.py); bench/ scripts cannot
# import tests/ as a package, so its folder goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from photos import PHOTOS, TEXTURES

Matrix = NDArray[np.float64]
"""Feature vectors, one row per image."""

SKIMAGE_PHOTOS = (*PHOTOS, "moon", *TEXTURES[:3])
"""In this order: the seeded crops, and so the table and plot, follow it."""
SKLEARN_PHOTOS = ("china.jpg", "flower.jpg")
CROP_SIDE = 128
DEFAULT_CROPS = 600
REFERENCE_SEED = 0
GENERATED_SEED = 1
KID_SUBSETS = 100
LEVELS = 5
"""Level 0 (undisturbed) and four disturbance levels."""
MIN_TAU = 0.6
MIN_RATIO = 3.0
MIN_SIGMAS = 3.0
OUT_DIR = Path(__file__).resolve().parent.parent / "docs"
"""The README shows the table and the plot from here."""


# --------------------------------------------------------------------------- images


def load_photos() -> list[Images]:
    """The bundled photographs as H x W x 3 ``uint8`` arrays (gray ones repeated to RGB)."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    photos = [np.asarray(getattr(data, name)()) for name in SKIMAGE_PHOTOS]
    sample = load_sample_images()
    by_name = {
        Path(path).name: image for path, image in zip(sample.filenames, sample.images, strict=True)
    }
    photos.extend(by_name[name] for name in SKLEARN_PHOTOS)
    return [
        np.repeat(photo[..., None], 3, axis=2) if photo.ndim == 2 else photo[..., :3]
        for photo in photos
    ]


def random_crops(photos: Sequence[Images], count: int, seed: int) -> Images:
    """``count`` crops of :data:`CROP_SIDE` pixels: a photograph drawn uniformly, then a place."""
    rng = np.random.default_rng(seed)
    crops = np.empty((count, CROP_SIDE, CROP_SIDE, 3), dtype=np.uint8)
    for index in range(count):
        photo = photos[int(rng.integers(len(photos)))]
        top = rng.integers(photo.shape[0] - CROP_SIDE + 1)
        left = rng.integers(photo.shape[1] - CROP_SIDE + 1)
        crops[index] = photo[top : top + CROP_SIDE, left : left + CROP_SIDE]
    return crops


# --------------------------------------------------------------------------- measurement


@dataclass(frozen=True)
class Curve:
    """One metric of one feature along the levels of one disturbance."""

    feature: str
    metric: str
    disturbance: str
    values: tuple[float, ...]
    stds: tuple[float, ...]
    """KID's standard deviation over its subsets; zeros for fd."""

    @property
    def tau(self) -> float:
        """Kendall's τ between level and value: 1 when the value grows at every level."""
        pairs = [
            np.sign(self.values[j] - self.values[i])
            for i in range(len(self.values))
            for j in range(i + 1, len(self.values))
        ]
        return float(np.mean(pairs))

    @property
    def ratio(self) -> float:
        """Heaviest level over the baseline (infinite when the baseline is not positive)."""
        baseline, heaviest = self.values[0], self.values[-1]
        return heaviest / baseline if baseline > 0 else float("inf")

    @property
    def spread(self) -> float:
        """KID's noise: the larger subset standard deviation of the baseline and heaviest level."""
        return max(self.stds[0], self.stds[-1])

    @property
    def sigmas(self) -> float:
        """How many subset standard deviations the heaviest level is above the baseline."""
        rise = self.values[-1] - self.values[0]
        return rise / self.spread if self.spread > 0 else float("inf")

    def relative(self) -> NDArray[np.float64]:
        """The curve on the scale of its verdict: fd over the baseline, kid's rise in σ."""
        values = np.asarray(self.values, dtype=np.float64)
        if self.metric == "kid":
            rise: NDArray[np.float64] = (values - values[0]) / (self.spread or 1.0)
            return rise
        ratio: NDArray[np.float64] = values / (values[0] or 1.0)
        return ratio

    @property
    def verdict(self) -> str:
        """``yes``, or ``no`` with the criterion that failed."""
        if self.tau < MIN_TAU:
            return f"no (τ {self.tau:.1f})"
        if self.ratio <= MIN_RATIO:
            return f"no ({self.ratio:.2g}x)"
        if self.sigmas <= MIN_SIGMAS:
            return f"no ({self.sigmas:.2g}σ)"
        return "yes"

    @property
    def responds(self) -> bool:
        return self.verdict == "yes"


Scores = tuple[float, float, float]
"""fd, kid's mean and kid's standard deviation over its subsets."""


def feature_matrices(images: Images, features: Sequence[str]) -> dict[str, Matrix]:
    """Each feature of the images as float64 rows (hash bits unpacked to 0/1)."""
    return {
        name: feature_matrix(get_feature(name), imgsim.extract(list(images), name))
        for name in features
    }


def scores(real: Matrix, fake: Matrix) -> Scores:
    """fd and kid of a generated set against the reference (kid on subsets of half the set)."""
    kid_mean, kid_std = kid(real, fake, subsets=KID_SUBSETS, subset_size=len(fake) // 2, seed=0)
    return fd(real, fake), kid_mean, kid_std


def measure(features: Sequence[str], reference: Images, clean: Images) -> list[Curve]:
    """fd and kid of every feature along every disturbance, grouped by feature.

    One disturbed set at a time is held in memory; its features are extracted once
    for all the features' metrics.
    """
    real = feature_matrices(reference, features)
    baseline = {
        name: scores(real[name], fake) for name, fake in feature_matrices(clean, features).items()
    }
    rows: dict[tuple[str, str], list[Scores]] = {}
    for index, disturbance in enumerate(DISTURBANCES):
        began = time.perf_counter()
        for name in features:
            rows[name, disturbance.name] = [baseline[name]]
        for level in disturbance.levels:
            rng = np.random.default_rng((GENERATED_SEED, index))
            disturbed = feature_matrices(disturbance.apply(clean, level, rng), features)
            for name in features:
                rows[name, disturbance.name].append(scores(real[name], disturbed[name]))
        print(f"{disturbance.name}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    curves: list[Curve] = []
    for name in features:
        for disturbance in DISTURBANCES:
            fds, means, stds = zip(*rows[name, disturbance.name], strict=True)
            curves.append(Curve(name, "fd", disturbance.name, fds, (0.0,) * LEVELS))
            curves.append(Curve(name, "kid", disturbance.name, means, stds))
    return curves


# --------------------------------------------------------------------------- output


def markdown_table(curves: Sequence[Curve]) -> str:
    """One row per feature and disturbance: fd and kid at levels 0-4 and their verdicts."""
    levels = [str(level) for level in range(LEVELS)]
    header = ["feature", "disturbance"]
    header += [f"fd {lv}" for lv in levels] + ["fd responds"]
    header += [f"kid {lv}" for lv in levels] + ["kid σ (0 / 4)", "kid responds"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for fd_curve, kid_curve in zip(curves[0::2], curves[1::2], strict=True):
        cells = [fd_curve.feature, fd_curve.disturbance]
        cells += [_number(value) for value in fd_curve.values] + [fd_curve.verdict]
        cells += [_number(value) for value in kid_curve.values]
        cells += [f"{_number(kid_curve.stds[0])} / {_number(kid_curve.stds[-1])}"]
        cells += [kid_curve.verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_table(curves: Sequence[Curve]) -> str:
    """Per feature and metric: the disturbances it responds to."""
    lines = ["| feature | fd responds to | kid responds to |", "|---|---|---|"]
    for feature in dict.fromkeys(curve.feature for curve in curves):
        cells = [f"{feature} (current default)" if feature == DEFAULT_FEATURE else feature]
        for metric in ("fd", "kid"):
            hits = [
                curve.disturbance
                for curve in curves
                if (curve.feature, curve.metric) == (feature, metric) and curve.responds
            ]
            cells.append(f"{len(hits)}/{len(DISTURBANCES)}: {', '.join(hits) or '—'}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def levels_text() -> str:
    """What levels 1-4 of each disturbance are, and what makes a verdict."""
    levels = "; ".join(
        f"{d.name} {', '.join(f'{level:g}' for level in d.levels)}" for d in DISTURBANCES
    )
    return (
        f"Levels 1-4: {levels}. Level 0: two undisturbed draws. A metric responds when "
        f"Kendall's τ(level, value) ≥ {MIN_TAU:g}, level 4 > {MIN_RATIO:g}x level 0 and, "
        f"for kid, level 4 − level 0 > {MIN_SIGMAS:g} subset σ."
    )


def _number(value: float) -> str:
    return f"{value:.3g}"


def plot(curves: Sequence[Curve], path: Path) -> None:
    """The paper's Fig. 1: a panel per disturbance and metric, a line per feature.

    The y axis is the scale of the verdict (fd over its baseline, log scale; kid's
    rise over its baseline in subset standard deviations, symmetric log scale), with
    the threshold dashed, so that features of very different ranges share a panel.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    rows = (
        ("fd", "fd / fd at level 0", MIN_RATIO),
        ("kid", "(kid − kid at level 0) / σ", MIN_SIGMAS),
    )
    figure, axes = plt.subplots(
        len(rows), len(DISTURBANCES), figsize=(3.2 * len(DISTURBANCES), 6.5), sharex=True
    )
    for row, (metric, label, threshold) in enumerate(rows):
        for column, disturbance in enumerate(DISTURBANCES):
            axis = axes[row, column]
            for curve in curves:
                if (curve.metric, curve.disturbance) == (metric, disturbance.name):
                    style = "-" if curve.responds else ":"
                    axis.plot(
                        range(LEVELS), curve.relative(), style, marker="o", label=curve.feature
                    )
            axis.axhline(threshold, color="0.5", linestyle="--", linewidth=0.8)
            if metric == "fd":
                axis.set_yscale("log")
            else:
                axis.set_yscale("symlog", linthresh=1.0)
            axis.yaxis.set_major_formatter(plain)
            axis.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
            axis.set_title(f"{metric}: {disturbance.name}", fontsize=10)
            axis.set_xticks(range(LEVELS))
            if row == len(rows) - 1:
                axis.set_xlabel("disturbance level")
            if column == 0:
                axis.set_ylabel(label)
    axes[0, 0].legend(fontsize=8, title="dotted: no response", title_fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-f",
        "--feature",
        action="append",
        help="feature to test (repeatable, or comma-separated; default: every feature)",
    )
    parser.add_argument("--crops", type=int, default=DEFAULT_CROPS, help="crops per set")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where to write the report")
    args = parser.parse_args(argv)
    if args.crops < 4:
        parser.error(f"--crops must be at least 4, got {args.crops}")
    features = [name for given in args.feature or [] for name in given.split(",") if name]
    features = list(dict.fromkeys(features)) or list(imgsim.FEATURES)
    for name in features:
        if name not in imgsim.FEATURES:
            parser.error(f"unknown feature {name!r}; valid features: {', '.join(imgsim.FEATURES)}")

    start = time.perf_counter()
    photos = load_photos()
    reference = random_crops(photos, args.crops, REFERENCE_SEED)
    clean = random_crops(photos, args.crops, GENERATED_SEED)
    curves = measure(features, reference, clean)

    report = (
        f"# Sensitivity of fd and kid ({args.crops} crops of {CROP_SIDE} px per set)\n\n"
        f"{levels_text()}\n\n{markdown_table(curves)}\n\n"
        f"## Disturbances each metric responds to\n\n"
        f"{summary_table(curves)}\n"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "sensitivity.md").write_text(report, encoding="utf-8")
    plot(curves, args.out_dir / "sensitivity.png")
    print(report)
    print(f"written to {args.out_dir} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

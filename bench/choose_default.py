"""Choose the default feature: every candidate against issue 14's targets, in one table.

For each feature (registered features, compositions such as ``hand`` among them):

- sensitivity, ``sensitivity.py``'s evaluation (Heusel et al. 2017's protocol on
  crops of real photographs; fd and kid at levels 0-4 of five disturbances). Per
  disturbance the targets are: fd and kid rise at every level; fd at the heaviest
  level at least :data:`MIN_FD_RATIO` times fd at level 0 (:data:`MIN_SWIRL_FD_RATIO`
  for swirl, the disturbance most features miss); and ``|kid at level 0|`` at most
  :data:`MAX_KID_SHARE` of kid at the heaviest level. A feature of more than 4096
  dimensions (``sift_vlad``) is not measured and fails: imgsim keeps no covariance
  for it and refuses fd (its d x d matrices would not fit in memory);
- retrieval, ``retrieval.py``'s protocol through ``imgsim rank``: top-1 accuracy at
  least 95 % over the single edits and 85 % over the chained pairs.

    python bench/choose_default.py -f color_hist -f gabor -f hand
    python bench/choose_default.py -f thumb --crops 100 --photos 10 --pairs 5   # quick

Writes ``choose_default.md`` (the table, then the retrieval and sensitivity tables it
is built from) into ``--out-dir``. Not a timing benchmark: ``bench/run.py`` only
collects ``bench_*.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import retrieval
import sensitivity
from disturbances import DISTURBANCES
from sensitivity import Curve

from imgsim.features import FeatureParams, get_feature
from imgsim.metrics.sets import COVARIANCE_MAX_DIMENSION

MIN_FD_RATIO = 2.0
MIN_SWIRL_FD_RATIO = 1.25
MAX_KID_SHARE = 0.1
OUT_DIR = Path(__file__).resolve().parent / ".data" / "choose_default"


def rises(curve: Curve) -> bool:
    """Whether the value grows from every level to the next."""
    return all(b > a for a, b in zip(curve.values, curve.values[1:], strict=False))


@dataclass(frozen=True)
class Response:
    """One feature's fd and kid along one disturbance, against the targets."""

    disturbance: str
    fd: Curve
    kid: Curve

    @property
    def fd_ratio(self) -> float:
        """fd at the heaviest level over fd at level 0."""
        return self.fd.ratio

    @property
    def kid_share(self) -> float:
        """``|kid at level 0|`` over kid at the heaviest level (infinite unless that is > 0)."""
        heaviest = self.kid.values[-1]
        return abs(self.kid.values[0]) / heaviest if heaviest > 0 else float("inf")

    @property
    def min_fd_ratio(self) -> float:
        return MIN_SWIRL_FD_RATIO if self.disturbance == "swirl" else MIN_FD_RATIO

    @property
    def passes(self) -> bool:
        return (
            rises(self.fd)
            and rises(self.kid)
            and self.fd_ratio >= self.min_fd_ratio
            and self.kid_share <= MAX_KID_SHARE
        )

    def cell(self) -> str:
        """``pass: fd ↑ 4.1x, kid ↑ 0.02``; arrows only where the curve rises at every level."""
        verdict = "pass" if self.passes else "**fail**"
        fd_arrow = "↑ " if rises(self.fd) else "not ↑ "
        kid_arrow = "↑ " if rises(self.kid) else "not ↑ "
        share = f"{self.kid_share:.2g}" if self.kid_share < float("inf") else "(level 4 ≤ 0)"
        return f"{verdict}: fd {fd_arrow}{self.fd_ratio:.3g}x, kid {kid_arrow}{share}"


def responses(curves: Sequence[Curve], feature: str) -> list[Response]:
    """The feature's fd and kid curves, paired per disturbance in the table's order."""
    by_key = {(c.metric, c.disturbance): c for c in curves if c.feature == feature}
    return [Response(d.name, by_key["fd", d.name], by_key["kid", d.name]) for d in DISTURBANCES]


def covariance_fits(feature: str) -> bool:
    """Whether fd can be measured: imgsim keeps no covariance (and refuses fd) above
    :data:`~imgsim.metrics.sets.COVARIANCE_MAX_DIMENSION` dimensions."""
    return get_feature(feature).dim(FeatureParams()) <= COVARIANCE_MAX_DIMENSION


def mark(share: float, target: float) -> str:
    verdict = "pass" if share >= target else "**fail**"
    return f"{verdict}: {retrieval.percent(share)}"


def decision_table(curves: Sequence[Curve], results: Sequence[retrieval.Retrieval]) -> str:
    """One row per feature: each disturbance's verdict, retrieval, and the targets met."""
    header = ["feature", *(d.name for d in DISTURBANCES)]
    header += ["top-1 single", "top-1 chained", "targets met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        if covariance_fits(result.feature):
            rows = responses(curves, result.feature)
            met = sum(row.passes for row in rows)
            cells = [result.feature, *(row.cell() for row in rows)]
        else:
            met = 0
            refused = f"**fail**: fd refused above {COVARIANCE_MAX_DIMENSION} d"
            cells = [result.feature, *(refused for _ in DISTURBANCES)]
        met += result.single >= retrieval.MIN_SINGLE
        met += result.chained >= retrieval.MIN_CHAINED
        cells += [mark(result.single, retrieval.MIN_SINGLE)]
        cells += [mark(result.chained, retrieval.MIN_CHAINED)]
        cells += [f"{met}/{len(DISTURBANCES) + 2}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_text() -> str:
    return (
        f"A disturbance passes when fd and kid rise at every level (↑), fd at level 4 "
        f"is at least {MIN_FD_RATIO:g}x fd at level 0 ({MIN_SWIRL_FD_RATIO:g}x for swirl) "
        f"and |kid at level 0| is at most {MAX_KID_SHARE:g} of kid at level 4 (the number "
        f"after kid). Retrieval passes at {retrieval.percent(retrieval.MIN_SINGLE)} top-1 "
        f"over single edits and {retrieval.percent(retrieval.MIN_CHAINED)} over chained pairs."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--feature", action="append", help="repeatable or comma-separated")
    parser.add_argument("--crops", type=int, default=sensitivity.DEFAULT_CROPS, help="per set")
    retrieval.add_arguments(parser)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where the report goes")
    args = parser.parse_args(argv)
    if args.crops < 4:
        parser.error(f"--crops must be at least 4, got {args.crops}")
    features = retrieval.parse_features(args.feature, parser)

    start = time.perf_counter()
    photos = sensitivity.load_photos()
    reference = sensitivity.random_crops(photos, args.crops, sensitivity.REFERENCE_SEED)
    clean = sensitivity.random_crops(photos, args.crops, sensitivity.GENERATED_SEED)
    measurable = [feature for feature in features if covariance_fits(feature)]
    curves = sensitivity.measure(measurable, reference, clean) if measurable else []
    print(f"sensitivity: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    settings = retrieval.settings_from(args)
    results = retrieval.evaluate(features, settings)
    report = (
        f"# Choosing the default feature (sensitivity: {args.crops} crops per set; "
        f"retrieval: {settings.describe()})\n\n{targets_text()}\n\n"
        f"{decision_table(curves, results)}\n\n"
        f"## Retrieval: top-1 per edit\n\n{retrieval.markdown_tables(results)}\n\n"
        f"## Sensitivity: fd and kid per level\n\n{sensitivity.levels_text()}\n\n"
        f"{sensitivity.markdown_table(curves)}\n"
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "choose_default.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.out_dir} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Whole-set jobs: a generated set against a reference, reference statistics, diversity."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgsim.errors import Call, UsageError, Wording, literal
from imgsim.jobs.outcome import Outcome

if TYPE_CHECKING:
    from imgsim.features import FeatureParams
    from imgsim.gates import Gate
    from imgsim.jobs.features import FeatureSource
    from imgsim.reference import ReferenceStats, SetOptions

DIVERSITY_SCORES = ["images", "mean_distance", "vendi", "near_duplicates", "near_duplicate_ratio"]
"""The columns of a diversity row that hold scores (what its gates may test)."""


def score_set(
    generated: Path,
    reference: Path,
    metrics: Sequence[str],
    *,
    feature: str,
    params: FeatureParams,
    options: SetOptions,
    source: FeatureSource,
    gates: Sequence[Gate] = (),
) -> Outcome:
    """One row of set ``metrics`` (canonical names) of the ``generated`` folder against the
    ``reference`` folder or statistics file (``.npz``), with the verdicts of ``gates``."""
    from imgsim.features import get_feature
    from imgsim.gallery import is_gallery_index
    from imgsim.gates import check_rows
    from imgsim.reference import ReferenceStats, score_sets

    names = list(metrics)
    spec = get_feature(feature)
    for path, role in ((generated, "generated"), (reference, "reference")):
        if is_gallery_index(path):
            either = " or a statistics file (from {})" if role == "reference" else ""
            raise UsageError(
                Wording(
                    f"{literal(path)} is a gallery index (from {{}}), which {{}} reads; "
                    f"the {role} set must be an image folder{either}",
                    Call("write_gallery", "imgsim.extract_gallery"),
                    Call("read_gallery", "imgsim.nearest"),
                    *([Call("write_statistics", "imgsim.ReferenceStats.save")] if either else []),
                )
            )
    if reference.is_file() and reference.suffix.lower() == ".npz":
        stats = ReferenceStats.load(reference)
        stats.check_compatible(spec.name, params)
    else:
        stats = ReferenceStats.from_features(
            source([reference], "reference").values, spec.name, params
        )
    generated_values = source([generated], "generated").values
    scores = score_sets(stats, spec.vectors(generated_values), names, options)
    row: dict[str, Any] = {"a": str(generated), "b": str(reference), **scores.values}
    verdicts = check_rows(gates, [row], names)
    return Outcome([row], ["a", "b", *names], names, verdicts, scores.notes)


def reference_stats(
    paths: Sequence[Path], *, feature: str, params: FeatureParams, source: FeatureSource
) -> ReferenceStats:
    """The statistics of the images under ``paths``, read through ``source``."""
    from imgsim.reference import ReferenceStats

    return ReferenceStats.from_features(source(paths, "set").values, feature, params)


def diversity_of(
    paths: Sequence[Path],
    *,
    feature: str,
    params: FeatureParams,
    distance: str,
    threshold: float | None,
    source: FeatureSource,
    gates: Sequence[Gate] = (),
) -> Outcome:
    """One row: mean pairwise ``distance``, Vendi score and the pairs within ``threshold``
    (``None``: no near-duplicate count) of the images under ``paths``."""
    from imgsim.features import get_feature
    from imgsim.gates import check_rows
    from imgsim.metrics.distances import get_distance
    from imgsim.metrics.sets import diversity

    spec = get_feature(feature)
    metric = get_distance(distance)
    metric.require_hash(spec)
    stored = source(paths, "set").values
    vectors = spec.vectors(stored)
    if len(vectors) < 2:
        raise UsageError("diversity needs at least 2 readable images")
    result = diversity(
        stored if metric.needs_bits else vectors,
        metric.name,
        threshold if threshold is not None else float("nan"),
        vendi_features=vectors,
    )
    counted = threshold is not None
    row: dict[str, Any] = {
        "path": " ".join(map(str, paths)),
        "feature": spec.name,
        "distance": metric.name,
        "threshold": threshold,
        "images": result.count,
        "mean_distance": result.mean_distance,
        "vendi": result.vendi,
        "near_duplicates": result.near_duplicate_pairs if counted else None,
        "near_duplicate_ratio": result.near_duplicate_ratio if counted else None,
    }
    verdicts = check_rows(gates, [row], DIVERSITY_SCORES)
    columns = ["path", "feature", "distance", "threshold", *DIVERSITY_SCORES]
    return Outcome([row], columns, DIVERSITY_SCORES, verdicts)

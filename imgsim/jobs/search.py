"""Search jobs: the nearest gallery images of each query, and near-duplicate groups."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgsim.jobs.outcome import Outcome

if TYPE_CHECKING:
    from imgsim.features import FeatureParams
    from imgsim.gates import Gate
    from imgsim.jobs.features import FeatureSource

RANK_KEYS = ("query", "match")
"""A row of a rank is named by its query and match."""


def nearest(
    query: Path,
    gallery: Path,
    *,
    feature: str,
    params: FeatureParams,
    distance: str,
    k: int,
    source: FeatureSource,
    exclude_self: bool = False,
    threshold: float | None = None,
    gates: Sequence[Gate] = (),
) -> Outcome:
    """The ``k`` closest images of the ``gallery`` (a folder, or a gallery index or
    ``.npz`` written by :meth:`Gallery.save <imgsim.neighbours.Gallery.save>`; an index
    is searched memory-mapped, a chunk at a time) for each image of ``query``: rows of
    query, rank, match and the score, named after the distance."""
    from imgsim.features import get_feature
    from imgsim.gallery import is_gallery_index
    from imgsim.gates import check_rows
    from imgsim.metrics.distances import get_distance
    from imgsim.neighbours import Gallery, rank, same_images, search_values

    spec = get_feature(feature)
    metric = get_distance(distance)
    column = metric.name
    if (gallery.suffix.lower() == ".npz" and gallery.is_file()) or is_gallery_index(gallery):
        index = Gallery.load(gallery, spec, params)
    else:
        found = source([gallery], "gallery")
        index = Gallery(found.paths, found.values)
    queries = source([query], "queries")
    exclude = same_images(queries.paths, index.paths) if exclude_self else ()
    matches = rank(
        search_values(spec, metric, queries.values),
        index.values,
        k,
        metric,
        prepare=lambda chunk: search_values(spec, metric, chunk),
        exclude=exclude,
        threshold=threshold,
    )
    rows: list[dict[str, Any]] = [
        {"query": path, "rank": match.rank, "match": index.paths[match.index], column: match.score}
        for path, found_matches in zip(queries.paths, matches, strict=True)
        for match in found_matches
    ]
    verdicts = check_rows(gates, rows, [column])
    return Outcome(rows, ["query", "rank", "match", column], [column], verdicts)


def duplicate_groups(
    paths: Sequence[Path],
    *,
    feature: str,
    params: FeatureParams,
    distance: str,
    threshold: float,
    source: FeatureSource,
) -> Outcome:
    """Groups of images under ``paths`` within ``threshold`` of each other, directly or
    through other members: one row (group, size, path) per image of each group."""
    from imgsim.features import get_feature
    from imgsim.metrics.distances import get_distance
    from imgsim.neighbours import near_duplicate_groups, search_values

    spec = get_feature(feature)
    metric = get_distance(distance)
    found = source(paths, "set")
    groups = near_duplicate_groups(search_values(spec, metric, found.values), metric, threshold)
    rows: list[dict[str, Any]] = [
        {"group": number, "size": len(members), "path": found.paths[member]}
        for number, members in enumerate(groups, start=1)
        for member in members
    ]
    # Groups are not scores: nothing to summarise or gate.
    counts = {"groups": len(groups), "images": len(rows)}
    return Outcome(rows, ["group", "size", "path"], [], [], counts=counts)

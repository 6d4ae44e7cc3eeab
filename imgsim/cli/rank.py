"""``imgsim rank`` (nearest gallery images) and ``imgsim duplicates`` (near-duplicate groups)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from imgsim.cli.common import (
    EXIT_GATE_FAILED,
    EXIT_OK,
    BinsOption,
    CacheOption,
    FeatureOption,
    FormatOption,
    HashSizeOption,
    NoCacheOption,
    OutOption,
    QuietOption,
    SkipBadOption,
    Tally,
    WorkersOption,
    app,
    emit,
    exit_status,
    handle_errors,
    plural,
    report_gates,
    resolve_format,
)
from imgsim.cli.sets import (
    NEAR_DUPLICATE_RULE,
    FeatureRun,
    extract_set,
    finish,
    gates_epilogue,
    no_default_threshold,
    resolve_feature,
)
from imgsim.errors import UsageError

DistanceOption = Annotated[
    str | None, typer.Option("--distance", "-d", help="Distance [default: the feature's own].")
]
_KEYS = ("query", "match")
"""A failing row of a rank gate is named by its query and match."""
ThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        help="Only matches within this distance (at least this similarity, e.g. cosine).",
    ),
]


@app.command(
    epilog='Example: imgsim rank generated/ training/ -f phash -k 1 --gate "min(hamming)>4"'
)
@handle_errors
def rank(
    query: Annotated[Path, typer.Argument(help="Query image or folder.")],
    gallery: Annotated[
        Path,
        typer.Argument(help="Gallery folder, or an .npz written by `imgsim extract --out`."),
    ],
    feature: FeatureOption = None,
    distance: DistanceOption = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, help="Matches per query.")] = 5,
    exclude_self: Annotated[
        bool,
        typer.Option(
            "--exclude-self",
            help="Never match a query with its own file (the same path once resolved); "
            "copies with the same bytes are still shown, first, at distance 0.",
        ),
    ] = False,
    threshold: ThresholdOption = None,
    gate: Annotated[
        list[str] | None,
        typer.Option("--gate", "-g", help='e.g. "max(cosine)<0.95": fail on near-copies.'),
    ] = None,
    fmt: FormatOption = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    hash_size: HashSizeOption = 8,
    bins: BinsOption = 8,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """For each query image, the K most similar gallery images.

    Rows: query, rank, match and the score, named after the distance (e.g. hamming
    or cosine). With a training set as the gallery this finds the nearest training
    image of each generated one: a gate on the score fails a run that memorised.
    Near-duplicates within one folder: `imgsim rank DIR DIR --exclude-self`, or
    `imgsim duplicates DIR`.
    """
    from imgsim.features import FeatureParams, get_feature
    from imgsim.gates import check_rows, parse_gates
    from imgsim.metrics.distances import get_distance
    from imgsim.neighbours import Gallery, same_images, search_values
    from imgsim.neighbours import rank as search

    params = FeatureParams(hash_size=hash_size, bins=bins)
    run = FeatureRun(
        resolve_feature(feature, "rank"), params, workers, cache, no_cache, quiet, skip_bad
    )
    spec = get_feature(run.feature)
    metric = get_distance(distance or spec.default_distance)
    column = metric.name
    gates = parse_gates(gate or [], [column])
    if gallery.suffix.lower() == ".npz" and gallery.is_file():
        index = Gallery.load(gallery, spec, params)
        gallery_tally = None
    else:
        gallery_tally = Tally()
        index = Gallery(*extract_set([gallery], run, gallery_tally))
    query_tally = Tally()
    query_paths, query_values = extract_set([query], run, query_tally)
    exclude = same_images(query_paths, index.paths) if exclude_self else ()
    matches = search(
        search_values(spec, metric, query_values),
        search_values(spec, metric, index.values),
        k,
        metric,
        exclude=exclude,
        threshold=threshold,
    )
    rows: list[dict[str, Any]] = [
        {"query": path, "rank": match.rank, "match": index.paths[match.index], column: match.score}
        for path, found in zip(query_paths, matches, strict=True)
        for match in found
    ]
    verdicts = check_rows(gates, rows, [column])
    emit(
        iter(rows),
        ["query", "rank", "match", column],
        resolve_format(fmt, out),
        out,
        gates_epilogue(verdicts, _KEYS, rows=rows, columns=[column]),
    )
    report_gates(verdicts, quiet=quiet, keys=_KEYS)
    codes = [EXIT_GATE_FAILED if any(not v.passed for v in verdicts) else EXIT_OK]
    codes.append(finish(query_tally, run, f"queries {query}"))
    if gallery_tally is not None:
        codes.append(finish(gallery_tally, run, f"gallery {gallery}"))
    raise typer.Exit(exit_status(*codes))


@app.command(epilog="Example: imgsim duplicates generated/ -f phash --threshold 6")
@handle_errors
def duplicates(
    paths: Annotated[list[Path], typer.Argument(help="Image files and/or folders: one set.")],
    feature: FeatureOption = None,
    distance: DistanceOption = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help=f"Images this close are near-duplicates [default: {NEAR_DUPLICATE_RULE}].",
        ),
    ] = None,
    fmt: FormatOption = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    hash_size: HashSizeOption = 8,
    bins: BinsOption = 8,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Groups of near-duplicate images in one set: one row per image of each group.

    Images are joined when they are within the threshold of each other, directly or
    through other images of the group; each group is listed once.
    """
    from imgsim.features import FeatureParams, get_feature
    from imgsim.metrics.distances import get_distance, near_duplicate_threshold
    from imgsim.neighbours import near_duplicate_groups, search_values

    params = FeatureParams(hash_size=hash_size, bins=bins)
    run = FeatureRun(
        resolve_feature(feature, "duplicates"), params, workers, cache, no_cache, quiet, skip_bad
    )
    spec = get_feature(run.feature)
    metric = get_distance(distance or spec.default_distance)
    limit = (
        threshold if threshold is not None else near_duplicate_threshold(metric.name, spec, params)
    )
    if limit is None:
        raise UsageError(no_default_threshold(metric.name, spec.name))
    tally = Tally()
    names, values = extract_set(paths, run, tally)
    groups = near_duplicate_groups(search_values(spec, metric, values), metric, limit)
    rows = [
        {"group": number, "size": len(members), "path": names[member]}
        for number, members in enumerate(groups, start=1)
        for member in members
    ]
    # Groups are not scores: no summary and no gates, but the same JSON object.
    epilogue = gates_epilogue([], rows=rows, columns=[])
    emit(iter(rows), ["group", "size", "path"], resolve_format(fmt, out), out, epilogue)
    if not quiet:
        grouped = sum(len(members) for members in groups)
        sys.stderr.write(
            f"imgsim: {plural(len(groups), 'group')} of near-duplicates "
            f"({plural(grouped, 'image')}) within {metric.name} {limit:g}\n"
        )
    raise typer.Exit(finish(tally, run, "duplicates"))

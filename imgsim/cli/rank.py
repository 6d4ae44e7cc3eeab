"""``imgsim rank`` (nearest gallery images) and ``imgsim duplicates`` (near-duplicate groups)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from imgsim.cli.common import (
    CacheOption,
    FeatureOption,
    FormatOption,
    NoCacheOption,
    OutOption,
    QuietOption,
    SkipBadOption,
    WorkersOption,
    app,
    exit_status,
    handle_errors,
    input_path,
    plural,
    resolve_format,
)
from imgsim.cli.feature_options import feature_params, with_feature_options
from imgsim.cli.report_options import report_request, run_info, with_report_options, write_reports
from imgsim.cli.run_options import with_run_options
from imgsim.cli.sets import (
    NEAR_DUPLICATE_RULE,
    SetReader,
    emit_outcome,
    gates_status,
    near_duplicate_limit,
    no_default_threshold,
    set_run,
)
from imgsim.errors import UsageError

DistanceOption = Annotated[
    str | None, typer.Option("--distance", "-d", help="Distance [default: the feature's own].")
]
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
@with_run_options
@with_report_options
@with_feature_options
def rank(
    ctx: typer.Context,
    query: Annotated[Path, typer.Argument(parser=input_path, help="Query image or folder.")],
    gallery: Annotated[
        Path,
        typer.Argument(
            parser=input_path,
            help="Gallery folder, or a gallery index (.imgidx) or .npz written by "
            "`imgsim extract --out`.",
        ),
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
    from imgsim.gates import parse_gates
    from imgsim.jobs.search import RANK_KEYS, nearest
    from imgsim.reports.runs import rank_report

    request = report_request(ctx.params)
    run = set_run(
        "rank",
        feature,
        feature_params(ctx.params),
        workers,
        cache,
        no_cache,
        quiet,
        skip_bad,
    )
    metric = run.distance(distance)
    gates = parse_gates(gate or [], [metric.name])
    reader = SetReader(run)
    outcome = nearest(
        query,
        gallery,
        **reader.job_arguments,
        distance=metric.name,
        k=k,
        exclude_self=exclude_self,
        threshold=threshold,
        gates=gates,
    )
    emit_outcome(outcome, resolve_format(fmt, out), out, quiet=quiet, keys=RANK_KEYS)
    write_reports(
        request, lambda: rank_report(run_info(ctx), outcome, unreadable=reader.unreadable())
    )
    raise typer.Exit(
        exit_status(
            gates_status(outcome),
            reader.finish("queries", f"queries {query}"),
            reader.finish("gallery", f"gallery {gallery}"),
        )
    )


@app.command(epilog="Example: imgsim duplicates generated/ -f phash --threshold 6")
@handle_errors
@with_run_options
@with_report_options
@with_feature_options
def duplicates(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(parser=input_path, help="Image files and/or folders: one set.")
    ],
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
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Groups of near-duplicate images in one set: one row per image of each group.

    Images are joined when they are within the threshold of each other, directly or
    through other images of the group; each group is listed once.
    """
    from imgsim.jobs.search import duplicate_groups
    from imgsim.reports.runs import duplicates_report

    request = report_request(ctx.params)
    run = set_run(
        "duplicates",
        feature,
        feature_params(ctx.params),
        workers,
        cache,
        no_cache,
        quiet,
        skip_bad,
    )
    metric = run.distance(distance)
    limit = near_duplicate_limit(threshold, metric.name, run)
    if limit is None:
        raise UsageError(no_default_threshold(metric.name, run.feature))
    reader = SetReader(run)
    outcome = duplicate_groups(paths, **reader.job_arguments, distance=metric.name, threshold=limit)
    emit_outcome(outcome, resolve_format(fmt, out), out, quiet=quiet)
    write_reports(
        request,
        lambda: duplicates_report(
            run_info(ctx),
            outcome,
            feature=run.feature,
            distance=metric.name,
            found=reader.found.get("set"),
            unreadable=reader.unreadable(),
        ),
    )
    if not quiet:
        groups, grouped = outcome.counts["groups"], outcome.counts["images"]
        sys.stderr.write(
            f"imgsim: {plural(groups, 'group')} of near-duplicates "
            f"({plural(grouped, 'image')}) within {metric.name} {limit:g}\n"
        )
    raise typer.Exit(reader.finish("set", "duplicates"))

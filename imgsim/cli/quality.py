"""``imgsim quality``: the no-reference metrics of every image, to catch broken outputs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imgsim.cli.common import (
    DEFAULT_MAX_PIXELS,
    EXIT_GATE_FAILED,
    EXIT_OK,
    CacheOption,
    FormatOption,
    MaxPixelsOption,
    NoCacheOption,
    OutOption,
    QuietOption,
    SkipBadOption,
    Tally,
    WorkersOption,
    app,
    command_line_text,
    discover_images,
    emit,
    exit_status,
    handle_errors,
    input_path,
    open_store,
    progress_bar,
    report_gates,
    resolve_format,
    split_names,
)
from imgsim.cli.report_options import report_request, run_info, with_report_options, write_reports
from imgsim.cli.run_options import with_run_options
from imgsim.metrics.noref_entries import DEFAULT_QUALITY_METRICS
from imgsim.metrics.registry import NO_REFERENCE_METRICS

if TYPE_CHECKING:
    from imgsim.jobs.quality import QualityRun
    from imgsim.output import Epilogue

PATH_KEYS = ("path",)
"""The column that names a row: a failing row is reported by it."""


@app.command(
    epilog='Example: imgsim quality generated/ --gate "contrast>=5" --gate "sharpness>=4" '
    '--gate "noise<=30"'
)
@handle_errors
@with_run_options
@with_report_options
def quality(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(parser=input_path, help="Image files and/or folders.")
    ],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help=f"Metric(s) of each image: {', '.join(NO_REFERENCE_METRICS)}; repeatable or "
            f"comma-separated [default: all but piqe].",
        ),
    ] = None,
    gate: Annotated[
        list[str] | None,
        typer.Option(
            "--gate",
            "-g",
            help='Fail (exit 1) unless it holds, e.g. "contrast>=5" (every image), '
            '"min(sharpness)>=4", "max(flat_fraction)<=0.9". Repeatable.',
        ),
    ] = None,
    fmt: FormatOption = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Score every image on its own, without a reference: one row per image.

    Catches broken generations: black, blank, washed-out, blurred, noisy or blocky
    frames (see `imgsim list` for each metric's range and direction). brightness gives
    three columns: the mean luma and its 5th and 95th percentiles. The table ends with
    mean, min, max and median; values are kept in the feature store. --html,
    --summary and --junit write reports after the rows, with the verdicts of the
    exit status.
    """
    from imgsim.jobs.quality import QualityOptions, parse_quality_gates, quality_of
    from imgsim.reports.runs import quality_keeper, quality_report

    request = report_request(ctx.params)

    options = QualityOptions(
        metrics=tuple(split_names(metric) or DEFAULT_QUALITY_METRICS), max_pixels=max_pixels
    )
    gates = parse_quality_gates(gate or [], options)
    output_format = resolve_format(fmt, out)
    run = quality_of(discover_images(paths), options, gates)
    tally = Tally()
    kept = quality_keeper(options, request, command_line_text)
    rows = run.rows(
        store=open_store(cache, no_cache),
        progress=progress_bar(len(run.files), quiet),
        workers=workers,
        on_result=tally.observe,
        skip_bad=skip_bad,
    )
    if request.wanted:
        rows = kept.watch(rows)
    emit(rows, run.row_columns, output_format, out, lambda: _epilogue(run))
    verdicts = run.verdicts()
    report_gates(verdicts, quiet=quiet, keys=PATH_KEYS)
    write_reports(request, lambda: quality_report(run_info(ctx), kept, run), max_pixels)
    if not quiet:
        sys.stderr.write(f"imgsim: {tally.summary()}\n")
    failed_gate = any(not verdict.passed for verdict in verdicts)
    raise typer.Exit(
        exit_status(EXIT_GATE_FAILED if failed_gate else EXIT_OK, tally.exit_code(skip_bad))
    )


def _epilogue(run: QualityRun) -> Epilogue:
    """The table's summary rows and the JSON's ``summary`` and ``gates``."""
    from imgsim.cli.gate_report import summary_epilogue

    return summary_epilogue(
        "path", run.summary(), run.single_values, run.verdicts(), keys=PATH_KEYS
    )

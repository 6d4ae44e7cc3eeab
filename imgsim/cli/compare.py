"""``imgsim compare``: each image against its reference, with gates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imgsim.cli.common import (
    DEFAULT_K,
    DEFAULT_MAX_PIXELS,
    DEFAULT_SEED,
    DEFAULT_SUBSET_SIZE,
    DEFAULT_SUBSETS,
    EXIT_GATE_FAILED,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    CacheOption,
    FormatOption,
    KOption,
    MaxPixelsOption,
    NoCacheOption,
    OutOption,
    QuietOption,
    SeedOption,
    SkipBadOption,
    SubsetSizeOption,
    SubsetsOption,
    WorkersOption,
    app,
    command_line_text,
    emit,
    exit_status,
    handle_errors,
    input_path,
    one_line,
    open_store,
    plural,
    progress_bar,
    report_gates,
    report_unreadable_folders,
    resolve_format,
    split_names,
    unreadable_folders_note,
)
from imgsim.cli.feature_options import feature_params, with_feature_options
from imgsim.cli.report_options import report_request, run_info, with_report_options, write_reports
from imgsim.cli.run_options import with_run_options
from imgsim.errors import UsageError
from imgsim.metrics.registry import option_readers, pair_metric_help

if TYPE_CHECKING:
    from imgsim.jobs.compare import PairComparison, PairCounts
    from imgsim.output import Epilogue
    from imgsim.pairs import Pairing, PairResult


MetricOption = Annotated[
    list[str] | None,
    typer.Option(
        "--metric",
        "-m",
        help=pair_metric_help(),
    ),
]
GateOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gate",
        "-g",
        help='Fail (exit 1) unless it holds, e.g. "ssim>=0.9", "mean(ssim)>=0.92"; '
        '"unmatched==0" requires every file of two folders to have a partner. Repeatable.',
    ),
]


@app.command(
    epilog="Example: imgsim compare generated/ reference/ -m ssim,psnr,phash "
    '--gate "mean(ssim)>=0.9"'
)
@handle_errors
@with_run_options
@with_report_options
@with_feature_options
def compare(
    ctx: typer.Context,
    a: Annotated[Path, typer.Argument(parser=input_path, help="Generated image or folder.")],
    b: Annotated[Path, typer.Argument(parser=input_path, help="Reference image or folder.")],
    metric: MetricOption = None,
    gate: GateOption = None,
    resize: Annotated[
        bool, typer.Option("--resize", help="Resize B to A's size (anti-aliased) if they differ.")
    ] = False,
    crop_border: Annotated[
        int,
        typer.Option(
            "--crop-border",
            help=f"Pixels removed from each side by {', '.join(option_readers('crop_border'))} "
            "before they score, as super-resolution papers crop the scale factor.",
        ),
    ] = 0,
    fmt: FormatOption = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
    set_: Annotated[
        bool,
        typer.Option(
            "--set",
            help="Compare the two sets as wholes (fd, kid, precision, recall, density, "
            "coverage); B may be a statistics file from `imgsim stats`.",
        ),
    ] = False,
    feature: Annotated[
        list[str] | None,
        typer.Option(
            "--feature", "-f", help="With --set: the feature [default: see `imgsim list`]."
        ),
    ] = None,
    k: KOption = DEFAULT_K,
    subsets: SubsetsOption = DEFAULT_SUBSETS,
    subset_size: SubsetSizeOption = DEFAULT_SUBSET_SIZE,
    seed: SeedOption = DEFAULT_SEED,
) -> None:
    """Score each image of A against its reference in B: one row per pair.

    Folders pair by relative path without extension (gen/cat.png meets
    ref/cat.jpg); a file against a folder is scored against every image in it.
    Files without a partner are listed on stderr; --gate "unmatched==0" fails the
    run unless every file has one (unmatched counts the files in no pair). A pair
    that a pixel metric cannot score keeps its other metrics, with the reason in
    its error column. The table ends with mean, min, max and median (one summary
    row when one pair is scored). With --set, the generated set A is scored as a
    whole against the reference set B (a folder, or a statistics file from
    `imgsim stats`). --html, --summary and --junit write reports after the rows,
    with the verdicts of the exit status; in GitHub Actions: --summary
    "$GITHUB_STEP_SUMMARY".
    """
    from imgsim.jobs.compare import compare_inputs, parse_compare_gates
    from imgsim.metrics import DEFAULT_COMPARE_METRICS, parse_pair_metrics
    from imgsim.pairs import CompareOptions
    from imgsim.reports.runs import pairs_keeper, pairs_report

    request = report_request(ctx.params)
    if set_:
        if crop_border:
            raise UsageError("--crop-border applies to pair metrics, not to --set")
        from imgsim.cli.sets import compare_sets, set_run
        from imgsim.reference import SetOptions

        run = set_run(
            "compare --set",
            feature,
            feature_params(ctx.params),
            workers,
            cache,
            no_cache,
            quiet,
            skip_bad,
        )
        options_ = SetOptions(k=k, subsets=subsets, subset_size=subset_size, seed=seed)
        compare_sets(a, b, split_names(metric), gate or [], run, options_, fmt, out, request, ctx)
        return
    if feature:
        raise UsageError("--feature applies to --set; name pair metrics with -m (e.g. -m thumb)")
    options = CompareOptions(
        metrics=tuple(parse_pair_metrics(split_names(metric) or DEFAULT_COMPARE_METRICS)),
        params=feature_params(ctx.params),
        resize=resize,
        max_pixels=max_pixels,
        crop_border=crop_border,
    )
    gates = parse_compare_gates(gate or [], options)
    output_format = resolve_format(fmt, out)
    comparison = compare_inputs(
        a, b, options, gates, on_pairing=lambda pairing: _report_unpaired(pairing, a, b)
    )
    kept = pairs_keeper(options, request, command_line_text)
    rows = comparison.rows(
        store=open_store(cache, no_cache or not comparison.uses_features),
        progress=progress_bar(comparison.total, quiet),
        workers=workers,
        on_result=_report_result,
        skip_bad=skip_bad,
    )
    if request.wanted:
        rows = kept.watch(rows)
    emit(rows, comparison.row_columns, output_format, out, lambda: _epilogue(comparison))
    verdicts = comparison.verdicts()
    report_gates(verdicts, quiet=quiet)
    write_reports(request, lambda: pairs_report(run_info(ctx), kept, comparison), max_pixels)
    counts = comparison.counts
    if not quiet:
        sys.stderr.write(
            f"imgsim: {_status_summary(counts)}, {_unpaired_summary(comparison.pairing)}\n"
        )
    failed_gate = any(not verdict.passed for verdict in verdicts)
    codes = [
        EXIT_GATE_FAILED if failed_gate else EXIT_OK,
        EXIT_USAGE if counts.size_mismatches else EXIT_OK,
        EXIT_UNREADABLE if counts.unreadable and not skip_bad else EXIT_OK,
    ]
    raise typer.Exit(exit_status(*codes))


def _epilogue(comparison: PairComparison) -> Epilogue:
    """The table's summary rows and the JSON's ``summary`` and ``gates``."""
    from imgsim.cli.gate_report import summary_epilogue

    return summary_epilogue(
        "a", comparison.summary(), comparison.single_values, comparison.verdicts()
    )


def _report_result(result: PairResult) -> None:
    """A pair's notes and error on stderr, as its row is written."""
    for note in result.notes:
        sys.stderr.write(f"imgsim: note: {one_line(command_line_text(note))}\n")
    if result.error is not None:
        sys.stderr.write(f"{one_line(command_line_text(result.error))}\n")


def _status_summary(counts: PairCounts) -> str:
    scored = f"{plural(counts.scored + counts.partial, 'pair')} scored"
    if counts.partial:
        scored += f" ({counts.partial} without some pixel metrics, for the image size)"
    parts = [scored]
    if counts.unreadable:
        parts.append(f"{plural(counts.unreadable, 'pair')} with unreadable images")
    if counts.unscored:
        parts.append(f"{plural(counts.unscored, 'pair')} not scored for the size")
    return ", ".join(parts)


def _unpaired_summary(pairing: Pairing) -> str:
    unpaired = len(pairing.unmatched_a) + len(pairing.unmatched_b)
    text = f"{plural(unpaired, 'file')} without a partner"
    if pairing.ambiguous:
        text += f", {len(pairing.ambiguous)} skipped for a shared name stem"
    return text + unreadable_folders_note()


def _report_unpaired(pairing: Pairing, a: Path, b: Path) -> None:
    for path in pairing.unmatched_a:
        sys.stderr.write(f"{one_line(str(path))}: no partner in {b}\n")
    for path in pairing.unmatched_b:
        sys.stderr.write(f"{one_line(str(path))}: no partner in {a}\n")
    for path in pairing.ambiguous:
        sys.stderr.write(f"{one_line(str(path))}: skipped, another file has the same name stem\n")
    report_unreadable_folders(pairing.unreadable_folders)

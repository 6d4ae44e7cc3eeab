"""Whole-set commands: ``compare --set``, ``imgsim stats`` and ``imgsim diversity``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer

from imgsim.cli.common import (
    EXIT_GATE_FAILED,
    EXIT_OK,
    ROW_KEYS,
    CacheOption,
    FeatureOption,
    FormatOption,
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
    gate_json,
    handle_errors,
    input_path,
    one_line,
    open_store,
    progress_bar,
    report_gates,
    resolve_format,
    split_names,
    summary_json,
)
from imgsim.cli.feature_options import feature_params, with_feature_options
from imgsim.cli.report_options import report_request, run_info, with_report_options, write_reports
from imgsim.cli.run_options import with_run_options
from imgsim.errors import UsageError

if TYPE_CHECKING:
    from imgsim.features import FeatureParams, FeatureSpec
    from imgsim.jobs.features import FeatureSet, FeatureSource
    from imgsim.jobs.outcome import Outcome
    from imgsim.metrics.records import Distance
    from imgsim.output import Epilogue, Format
    from imgsim.reference import SetOptions
    from imgsim.reports import Unreadable
    from imgsim.reports.runs import ReportRequest


NEAR_DUPLICATE_RULE = (
    "a fraction of the largest value the distance can take on the feature: 1/16 (hamming: a "
    "sixteenth of the bits) unless re-encoded and resized photographs called for another "
    "(chi2 on color_hist: 0.125); similarities at least 0.95 (cosine, correlation); "
    "features of other scales: thresholds measured on photographs (gabor euclidean 0.007), "
    "for some distances only"
)
"""The default near-duplicate threshold (``near_duplicate_threshold``) in words."""


@dataclass(frozen=True)
class FeatureRun:
    """How a set's features are extracted: which feature, and the usual run options."""

    feature: str
    params: FeatureParams
    workers: int | None
    cache: Path | None
    no_cache: bool
    quiet: bool
    skip_bad: bool

    @property
    def spec(self) -> FeatureSpec:
        from imgsim.features import get_feature

        return get_feature(self.feature)

    def distance(self, name: str | None) -> Distance:
        """The distance named, else the feature's own."""
        from imgsim.metrics.distances import get_distance

        return get_distance(name or self.spec.default_distance)


def set_run(
    command: str,
    feature: list[str] | None,
    params: FeatureParams,
    workers: int | None,
    cache: Path | None,
    no_cache: bool,
    quiet: bool,
    skip_bad: bool,
) -> FeatureRun:
    """The run of a whole-set ``command`` from its options (the one feature is checked)."""
    return FeatureRun(
        resolve_feature(feature, command), params, workers, cache, no_cache, quiet, skip_bad
    )


class FeatureArguments(TypedDict):
    """What every whole-set job is told about the feature of its sets (``**`` into the call)."""

    feature: str
    params: FeatureParams
    source: FeatureSource


class SetReader:
    """The feature source of a set command: each set is discovered, read through the store
    with a progress bar and tallied, its unreadable files reported on stderr as they come."""

    def __init__(self, run: FeatureRun) -> None:
        self.run = run
        self.tallies: dict[str, Tally] = {}
        self.found: dict[str, FeatureSet] = {}
        """The features of each set read, by role (for the reports)."""

    @property
    def job_arguments(self) -> FeatureArguments:
        """The run's feature and its options, read through this reader."""
        return FeatureArguments(feature=self.run.feature, params=self.run.params, source=self)

    def __call__(self, inputs: Sequence[Path], role: str) -> FeatureSet:
        from imgsim.jobs.features import features_of

        run = self.run
        tally = self.tallies[role] = Tally()
        files = discover_images(list(inputs))
        with (
            open_store(run.cache, run.no_cache) as store,
            progress_bar(len(files), run.quiet) as bar,
        ):
            found = features_of(
                files,
                run.feature,
                run.params,
                store=store,
                workers=run.workers,
                progress=bar,
                on_result=tally.observe,
            )
        self.found[role] = found.require_images(inputs)
        return found

    def unreadable(self) -> tuple[Unreadable, ...]:
        """The files of every set read that could not be read, for the reports."""
        from imgsim.reports.runs import unreadable_inputs

        failures = [failure for found in self.found.values() for failure in found.failures]
        return unreadable_inputs(failures, command_line_text)

    def finish(self, role: str, what: str) -> int:
        """The summary line of the set read as ``role`` (none if it was not read), and its
        exit status."""
        tally = self.tallies.get(role)
        return EXIT_OK if tally is None else finish(tally, self.run, what)


def resolve_feature(feature: list[str] | None, command: str) -> str:
    """The one feature of a whole-set command (``command`` names it in the message)."""
    from imgsim.features import DEFAULT_FEATURE, get_feature

    names = split_names(feature)
    if len(names) > 1:
        raise UsageError(f"{command} takes one feature, got {', '.join(names)}")
    return get_feature(names[0] if names else DEFAULT_FEATURE).name


def finish(tally: Tally, run: FeatureRun, what: str) -> int:
    if not run.quiet:
        sys.stderr.write(f"imgsim: {what}: {tally.summary()}\n")
    return tally.exit_code(run.skip_bad)


# --------------------------------------------------------------------------- compare --set


def compare_sets(
    generated: Path,
    reference: Path,
    metrics: list[str],
    gates: list[str],
    run: FeatureRun,
    set_options: SetOptions,
    fmt: Format | None,
    out: Path | None,
    request: ReportRequest,
    ctx: typer.Context,
) -> None:
    """``imgsim compare GEN REF --set``: one row of set metrics, gates on it."""
    from imgsim.gates import parse_gates
    from imgsim.jobs.sets import score_set
    from imgsim.metrics.sets import get_set_metric
    from imgsim.reference import DEFAULT_SET_METRICS
    from imgsim.reports.runs import set_report

    names = [get_set_metric(name).name for name in metrics or DEFAULT_SET_METRICS]
    parsed_gates = parse_gates(gates, names)  # both checked before any image is read
    output_format = resolve_format(fmt, out)
    reader = SetReader(run)
    outcome = score_set(
        generated, reference, names, **reader.job_arguments, options=set_options, gates=parsed_gates
    )
    for note in outcome.notes:
        sys.stderr.write(f"imgsim: note: {one_line(command_line_text(note))}\n")
    emit_outcome(outcome, output_format, out, quiet=run.quiet)
    write_reports(
        request,
        lambda: set_report(
            run_info(ctx),
            outcome,
            feature=run.feature,
            generated=reader.found["generated"],
            reference=reader.found.get("reference"),
            limit=request.html_limit,
            wording=command_line_text,
        ),
    )
    raise typer.Exit(
        exit_status(
            gates_status(outcome),
            reader.finish("generated", f"generated {generated}"),
            reader.finish("reference", f"reference {reference}"),
        )
    )


def emit_outcome(
    outcome: Outcome,
    fmt: Format,
    out: Path | None,
    *,
    quiet: bool,
    keys: Sequence[str] = ROW_KEYS,
) -> None:
    """The rows of a job (JSON: with the summary of its scores and its gates), then each
    gate's verdict on stderr (``keys`` name a failing row)."""
    emit(iter(outcome.rows), outcome.columns, fmt, out, outcome_epilogue(outcome, keys))
    report_gates(outcome.verdicts, quiet=quiet, keys=keys)


def gates_status(outcome: Outcome) -> int:
    return EXIT_OK if outcome.gates_held else EXIT_GATE_FAILED


# --------------------------------------------------------------------------- stats


@app.command(epilog="Example: imgsim stats data/reference -f thumb --out reference.npz")
@handle_errors
@with_run_options
@with_feature_options
def stats(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(parser=input_path, help="Reference image files and/or folders.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The statistics file to write (.npz).")],
    feature: FeatureOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Reference statistics of a set (features, mean, covariance) for `compare --set`.

    CI jobs can then compare generated images with a small file instead of the
    reference images: `imgsim compare generated/ reference.npz --set`.
    """
    from imgsim.jobs.sets import reference_stats

    if out.suffix.lower() != ".npz":
        raise UsageError(f"--out must name an .npz file, got {out}")
    run = set_run(
        "stats",
        feature,
        feature_params(ctx.params),
        workers,
        cache,
        no_cache,
        quiet,
        skip_bad,
    )
    reader = SetReader(run)
    reference = reference_stats(paths, **reader.job_arguments)
    reference.save(out)
    if not quiet:
        sys.stderr.write(
            f"imgsim: wrote statistics of {reference.count} images "
            f"({reference.feature}, {reference.features.shape[1]} dimensions) to {out}\n"
        )
    raise typer.Exit(reader.finish("set", "reference"))


# --------------------------------------------------------------------------- diversity


@app.command(epilog='Example: imgsim diversity generated/ -f phash --gate "vendi>=20"')
@handle_errors
@with_run_options
@with_report_options
@with_feature_options
def diversity(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(parser=input_path, help="Image files and/or folders: one set.")
    ],
    feature: FeatureOption = None,
    distance: Annotated[
        str | None,
        typer.Option("--distance", "-d", help="Distance [default: the feature's own]."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Near-duplicate pairs are within this distance (at least this similarity) "
            f"[default: {NEAR_DUPLICATE_RULE}].",
        ),
    ] = None,
    gate: Annotated[
        list[str] | None, typer.Option("--gate", "-g", help='e.g. "near_duplicate_ratio<0.01".')
    ] = None,
    fmt: FormatOption = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """How varied one set is: mean pairwise distance, Vendi score, near-duplicate pairs.

    The Vendi score (cosine kernel) is the effective number of distinct images, from
    1 (all alike) to the number of images. A collapsing generator shows a small
    score and many near-duplicate pairs.
    """
    from imgsim.gates import parse_gates
    from imgsim.jobs.sets import DIVERSITY_SCORES, diversity_of
    from imgsim.reports.runs import diversity_report

    request = report_request(ctx.params)
    run = set_run(
        "diversity",
        feature,
        feature_params(ctx.params),
        workers,
        cache,
        no_cache,
        quiet,
        skip_bad,
    )
    metric = run.distance(distance)
    metric.require_hash(run.spec, "--distance")
    limit = near_duplicate_limit(threshold, metric.name, run)
    gates = parse_gates(gate or [], DIVERSITY_SCORES)
    reader = SetReader(run)
    outcome = diversity_of(
        paths, **reader.job_arguments, distance=metric.name, threshold=limit, gates=gates
    )
    if limit is None and not quiet:
        sys.stderr.write(f"imgsim: note: {no_default_threshold(metric.name, run.feature)}\n")
    emit_outcome(outcome, resolve_format(fmt, out), out, quiet=quiet, keys=("path",))
    write_reports(
        request,
        lambda: diversity_report(run_info(ctx), outcome, unreadable=reader.unreadable()),
    )
    raise typer.Exit(exit_status(gates_status(outcome), reader.finish("set", "diversity")))


def near_duplicate_limit(threshold: float | None, distance: str, run: FeatureRun) -> float | None:
    """The threshold given, else the library's default for the distance on the feature;
    a distance that cannot read the feature is refused first."""
    from imgsim.metrics.distances import near_duplicate_threshold

    run.distance(distance).require_hash(run.spec, "--distance")
    if threshold is not None:
        return threshold
    return near_duplicate_threshold(distance, run.spec, run.params)


def no_default_threshold(distance: str, feature: str) -> str:
    """Why a near-duplicate threshold must be given for this distance and feature."""
    from imgsim.features import get_feature
    from imgsim.metrics.distances import no_threshold_reason

    reason = no_threshold_reason(distance, get_feature(feature))
    return (
        f"{distance} has no default near-duplicate threshold on {feature} ({reason}); "
        "pass --threshold"
    )


def outcome_epilogue(outcome: Outcome, keys: Sequence[str]) -> Callable[[], Epilogue]:
    """JSON output of a job: the ``summary`` of its scores and its gates (failing rows named
    by ``keys``)."""

    def epilogue() -> Epilogue:
        from imgsim.output import Epilogue

        gates = [gate_json(v, keys) for v in outcome.verdicts]
        return Epilogue(json_extra={"summary": summary_json(outcome.summary()), "gates": gates})

    return epilogue

"""Whole-set commands: ``compare --set``, ``imgsim stats`` and ``imgsim diversity``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from imgsim.cli.common import (
    EXIT_GATE_FAILED,
    EXIT_OK,
    ROW_KEYS,
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
    discover_images,
    emit,
    exit_status,
    gate_json,
    handle_errors,
    one_line,
    open_store,
    progress_bar,
    report_gates,
    resolve_format,
    split_names,
)
from imgsim.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from imgsim.features import FeatureParams
    from imgsim.gates import GateResult
    from imgsim.output import Epilogue, Format
    from imgsim.reference import SetOptions


NEAR_DUPLICATE_RULE = (
    "a fraction of the largest value the distance can take on the feature: 1/16 (hamming: a "
    "sixteenth of the bits) unless re-encoded and resized photographs called for another "
    "(chi2 on color_hist: 0.125); similarities at least 0.95 (cosine, correlation)"
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


def extract_set(
    paths: list[Path], run: FeatureRun, tally: Tally
) -> tuple[list[str], NDArray[np.generic]]:
    """Paths and stored feature values of every readable image under ``paths`` (unreadable
    ones are reported on stderr by ``tally``)."""
    import numpy as np

    from imgsim.engine import ExtractOptions, extract_files
    from imgsim.features import get_feature

    spec = get_feature(run.feature)
    files = discover_images(paths)
    options = ExtractOptions(features=(spec.name,), params=run.params)
    rows = []
    names = []
    with open_store(run.cache, run.no_cache) as store, progress_bar(len(files), run.quiet) as bar:
        results = extract_files(files, options, workers=run.workers, progress=bar, store=store)
        for result in tally.watch(results, skip_bad=True):
            names.append(str(result.path))
            rows.append(result.features[spec.name])
    if not rows:
        raise UsageError(f"no readable images in {', '.join(map(str, paths))}")
    return names, np.stack(rows)


def resolve_feature(feature: list[str] | None, command: str = "compare --set") -> str:
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
) -> None:
    """``imgsim compare GEN REF --set``: one row of set metrics, gates on it."""
    from imgsim.features import get_feature
    from imgsim.gates import check_rows, parse_gates
    from imgsim.metrics.sets import get_set_metric
    from imgsim.reference import DEFAULT_SET_METRICS, ReferenceStats, feature_matrix, score_sets

    names = [get_set_metric(name).name for name in metrics or DEFAULT_SET_METRICS]
    parsed_gates = parse_gates(gates, names)  # both checked before any image is read
    output_format = resolve_format(fmt, out)
    spec = get_feature(run.feature)
    if reference.is_file() and reference.suffix.lower() == ".npz":
        stats = ReferenceStats.load(reference)
        stats.check_compatible(spec.name, run.params)
        reference_tally = None
    else:
        reference_tally = Tally()
        _, reference_values = extract_set([reference], run, reference_tally)
        stats = ReferenceStats.from_features(reference_values, spec.name, run.params)
    generated_tally = Tally()
    _, generated_values = extract_set([generated], run, generated_tally)
    scores = score_sets(stats, feature_matrix(spec, generated_values), names, set_options)
    for note in scores.notes:
        sys.stderr.write(f"imgsim: note: {one_line(note)}\n")
    row: dict[str, Any] = {"a": str(generated), "b": str(reference), **scores.values}
    verdicts = check_rows(parsed_gates, [row], names)
    epilogue = gates_epilogue(verdicts, rows=[row], columns=names)
    emit(iter([row]), ["a", "b", *names], output_format, out, epilogue)
    report_gates(verdicts, quiet=run.quiet)
    codes = [EXIT_GATE_FAILED if any(not v.passed for v in verdicts) else EXIT_OK]
    codes.append(finish(generated_tally, run, f"generated {generated}"))
    if reference_tally is not None:
        codes.append(finish(reference_tally, run, f"reference {reference}"))
    raise typer.Exit(exit_status(*codes))


# --------------------------------------------------------------------------- stats


@app.command(epilog="Example: imgsim stats data/reference -f thumb --out reference.npz")
@handle_errors
def stats(
    paths: Annotated[list[Path], typer.Argument(help="Reference image files and/or folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The statistics file to write (.npz).")],
    feature: FeatureOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    hash_size: HashSizeOption = 8,
    bins: BinsOption = 8,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Reference statistics of a set (features, mean, covariance) for `compare --set`.

    CI jobs can then compare generated images with a small file instead of the
    reference images: `imgsim compare generated/ reference.npz --set`.
    """
    from imgsim.features import FeatureParams
    from imgsim.reference import ReferenceStats

    if out.suffix.lower() != ".npz":
        raise UsageError(f"--out must name an .npz file, got {out}")
    params = FeatureParams(hash_size=hash_size, bins=bins)
    run = FeatureRun(
        resolve_feature(feature, "stats"), params, workers, cache, no_cache, quiet, skip_bad
    )
    tally = Tally()
    _, values = extract_set(paths, run, tally)
    reference = ReferenceStats.from_features(values, run.feature, params)
    reference.save(out)
    if not quiet:
        sys.stderr.write(
            f"imgsim: wrote statistics of {reference.count} images "
            f"({reference.feature}, {reference.features.shape[1]} dimensions) to {out}\n"
        )
    raise typer.Exit(finish(tally, run, "reference"))


# --------------------------------------------------------------------------- diversity


@app.command(epilog='Example: imgsim diversity generated/ -f phash --gate "vendi>=20"')
@handle_errors
def diversity(
    paths: Annotated[list[Path], typer.Argument(help="Image files and/or folders: one set.")],
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
    hash_size: HashSizeOption = 8,
    bins: BinsOption = 8,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """How varied one set is: mean pairwise distance, Vendi score, near-duplicate pairs.

    The Vendi score (cosine kernel) is the effective number of distinct images, from
    1 (all alike) to the number of images. A collapsing generator shows a small
    score and many near-duplicate pairs.
    """
    from imgsim.features import FeatureParams, get_feature
    from imgsim.gates import check_rows, parse_gates
    from imgsim.metrics.distances import get_distance, near_duplicate_threshold
    from imgsim.metrics.sets import diversity as measure
    from imgsim.reference import feature_matrix

    params = FeatureParams(hash_size=hash_size, bins=bins)
    run = FeatureRun(
        resolve_feature(feature, "diversity"), params, workers, cache, no_cache, quiet, skip_bad
    )
    spec = get_feature(run.feature)
    metric = get_distance(distance or spec.default_distance)
    if metric.needs_bits and spec.kind != "hash":
        raise UsageError(f"--distance {metric.name} works on hashes, not on {spec.name}")
    limit = (
        threshold if threshold is not None else near_duplicate_threshold(metric.name, spec, params)
    )
    columns = ["images", "mean_distance", "vendi", "near_duplicates", "near_duplicate_ratio"]
    gates = parse_gates(gate or [], columns)
    tally = Tally()
    _, stored = extract_set(paths, run, tally)
    vectors = feature_matrix(spec, stored)
    if len(vectors) < 2:
        raise UsageError("diversity needs at least 2 readable images")
    result = measure(
        stored if metric.needs_bits else vectors,
        metric.name,
        limit if limit is not None else float("nan"),
        vendi_features=vectors,
    )
    row: dict[str, Any] = {
        "path": " ".join(map(str, paths)),
        "feature": spec.name,
        "distance": metric.name,
        "threshold": limit,
        "images": result.count,
        "mean_distance": result.mean_distance,
        "vendi": result.vendi,
        "near_duplicates": result.near_duplicate_pairs if limit is not None else None,
        "near_duplicate_ratio": result.near_duplicate_ratio if limit is not None else None,
    }
    if limit is None and not quiet:
        sys.stderr.write(f"imgsim: note: {no_default_threshold(metric.name, spec.name)}\n")
    verdicts = check_rows(gates, [row], columns)
    shown = ["path", "feature", "distance", "threshold", *columns]
    epilogue = gates_epilogue(verdicts, ("path",), rows=[row], columns=columns)
    emit(iter([row]), shown, resolve_format(fmt, out), out, epilogue)
    report_gates(verdicts, quiet=quiet, keys=("path",))
    codes = [EXIT_GATE_FAILED if any(not v.passed for v in verdicts) else EXIT_OK]
    codes.append(finish(tally, run, "diversity"))
    raise typer.Exit(exit_status(*codes))


def no_default_threshold(distance: str, feature: str) -> str:
    """Why a near-duplicate threshold must be given for this distance and feature."""
    return (
        f"{distance} has no default near-duplicate threshold on {feature} (its value on "
        "identical vectors depends on the vector); pass --threshold"
    )


def gates_epilogue(
    verdicts: list[GateResult],
    keys: Sequence[str] = ROW_KEYS,
    *,
    rows: Sequence[Mapping[str, Any]] = (),
    columns: Sequence[str] = (),
) -> Callable[[], Epilogue]:
    """JSON output of a command whose rows are all in hand: the ``summary`` (mean, min,
    max and median) of each numeric column of ``columns`` over ``rows``, and the gates."""

    def epilogue() -> Epilogue:
        from imgsim.gates import ColumnValues
        from imgsim.output import Epilogue, json_value

        values = ColumnValues(columns)
        for row in rows:
            values.observe(row)
        summary = {
            column: {name: json_value(value) for name, value in aggregates.items()}
            for column, aggregates in values.summary().items()
        }
        gates = [gate_json(v, keys) for v in verdicts]
        return Epilogue(json_extra={"summary": summary, "gates": gates})

    return epilogue

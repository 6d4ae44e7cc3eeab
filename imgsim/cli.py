"""The ``imgsim`` command line: thin Typer commands over the engine.

Commands parse options, call the library, print rows and exit with the status
of DESIGN.md: 0 done, 1 a gate failed, 2 usage error, 3 some inputs unreadable.
Heavy modules (numpy, OpenCV, SciPy) are imported inside the commands that need
them, so ``imgsim --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from imgsim.errors import ImgsimError, UsageError
from imgsim.output import Format

if TYPE_CHECKING:
    from imgsim.engine import ImageResult, ProgressCallback
    from imgsim.features import FeatureParams, FeatureSpec
    from imgsim.gates import GateResult
    from imgsim.output import Epilogue
    from imgsim.pairs import Pairing, PairResult
    from imgsim.store import FeatureStore

EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3
DEFAULT_MAX_PIXELS = 89_478_485  # = imgsim.images.DEFAULT_MAX_PIXELS, kept here to stay light

app = typer.Typer(
    name="imgsim",
    help="Score generated images: against references, as a set, and for diversity.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FeatureOption = Annotated[
    list[str] | None,
    typer.Option(
        "--feature",
        "-f",
        help="Feature name(s), repeatable or comma-separated (see `imgsim list`).",
    ),
]
FormatOption = Annotated[
    Format | None,
    typer.Option("--format", help="Output format [default: table on a terminal, else csv]."),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write results to this file; its extension names the format."),
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", "-j", min=1, help="Processes [default: all cores].")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No summary or progress on stderr.")
]
SkipBadOption = Annotated[
    bool, typer.Option("--skip-bad", help="Unreadable files are reported but do not set exit 3.")
]
MaxPixelsOption = Annotated[
    int, typer.Option("--max-pixels", min=1, help="Refuse images with more pixels (bomb guard).")
]
SizeOption = Annotated[
    int | None,
    typer.Option("--size", min=8, help="Resize so the longer side is at most SIZE px first."),
]
HashSizeOption = Annotated[
    int, typer.Option("--hash-size", min=2, help="Hash grid side: HASH_SIZE² bits.")
]
BinsOption = Annotated[
    int, typer.Option("--bins", min=1, max=64, help="color_hist bins per channel.")
]
CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        help="Feature store file [default: $IMGSIM_CACHE, else the user cache directory].",
    ),
]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Neither read nor write the feature store.")
]

Command = TypeVar("Command", bound=Callable[..., None])


def _handle_errors(command: Command) -> Command:
    """Turn library exceptions into one-line messages and exit codes, in one place."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except ImgsimError as error:  # UsageError and every other deliberate error
            _error(str(error))
            raise typer.Exit(EXIT_USAGE) from None
        except BrokenPipeError:  # e.g. `imgsim extract … | head`
            sys.stderr.close()
            raise typer.Exit(EXIT_OK) from None
        except KeyboardInterrupt:
            _error("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _error(message: str) -> None:
    sys.stderr.write(f"imgsim: {_one_line(message)}\n")


def _warn(message: str) -> None:
    sys.stderr.write(f"imgsim: warning: {_one_line(message)}\n")


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _split_names(values: list[str] | None) -> list[str]:
    """``-f a -f b`` and ``-f a,b`` alike."""
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def _resolve_format(fmt: Format | None, out: Path | None) -> Format:
    from imgsim.output import format_for_path

    if out is not None:
        from_suffix = format_for_path(out)
        if fmt is not None and fmt is not from_suffix:
            raise UsageError(f"--format {fmt.value} contradicts --out {out}")
        return from_suffix if from_suffix is not None else Format.csv
    if fmt is not None:
        return fmt
    return Format.table if sys.stdout.isatty() else Format.csv


@app.command(
    epilog="Example: imgsim extract sample_images/reference -f phash,color_hist --format csv"
)
@_handle_errors
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Image files and/or folders.")],
    feature: FeatureOption = None,
    fmt: FormatOption = None,
    out: OutOption = None,
    size: SizeOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    hash_size: HashSizeOption = 8,
    bins: BinsOption = 8,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Compute features of every image: one row per image (path, width, height, features).

    Hashes are printed as hex, vectors in full (JSON arrays; space-separated numbers
    in one CSV cell). With --out X.npz the vectors are written as arrays instead:
    `paths` and one array per feature (packed uint8 bits for hashes). Features are
    kept in the feature store, so a rerun only computes what is new or changed.
    """
    from imgsim.engine import ExtractOptions, extract_files
    from imgsim.features import FeatureParams, resolve_features
    from imgsim.output import format_for_path

    names = _split_names(feature)
    if not names:
        from imgsim.features import FEATURES

        raise UsageError(f"missing --feature/-f; valid features: {', '.join(FEATURES)}")
    specs = resolve_features(names)
    params = FeatureParams(hash_size=hash_size, bins=bins)
    npz_out = out if out is not None and format_for_path(out, allow_npz=True) is None else None
    output_format = Format.csv if npz_out is not None else _resolve_format(fmt, out)
    files = _discover_images(paths)
    options = ExtractOptions(
        features=tuple(spec.name for spec in specs),
        params=params,
        max_pixels=max_pixels,
        max_side=size,
    )
    tally = _Tally()
    with _open_store(cache, no_cache) as store, _progress_bar(len(files), quiet) as progress:
        results = tally.watch(
            extract_files(files, options, workers=workers, progress=progress, store=store),
            skip_bad=skip_bad,
        )
        if npz_out is not None:
            written = _write_extract_npz(npz_out, results, specs, params)
            if not quiet:
                sys.stderr.write(f"imgsim: wrote {written} images to {npz_out}\n")
        else:
            rows = (_extract_row(result, specs, params) for result in results)
            columns = ["path", "width", "height", *(spec.name for spec in specs), "error"]
            _emit(rows, columns, output_format, out)
    if not quiet:
        sys.stderr.write(f"imgsim: {tally.summary()}\n")
    raise typer.Exit(tally.exit_code(skip_bad))


@contextlib.contextmanager
def _open_store(cache: Path | None, no_cache: bool) -> Iterator[FeatureStore | None]:
    """The feature store of this run (closed, i.e. committed, at the end), or ``None``."""
    if no_cache:
        yield None
        return
    from imgsim.store import FeatureStore, default_location

    store = FeatureStore(cache or default_location(), on_problem=_warn)
    try:
        yield store
    finally:
        store.close()


_PROGRESS_MIN_ITEMS = 50
"""Shorter jobs finish before a progress bar would tell anything."""


@contextlib.contextmanager
def _progress_bar(total: int, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on stderr (count, rate, ETA, store hits) when it is a terminal."""
    if quiet or total < _PROGRESS_MIN_ITEMS or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[stored]} from the store"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("images", total=total, stored=0, rate="")
        stored_so_far = 0

        def advance(done: int, stored: int) -> None:
            nonlocal stored_so_far
            stored_so_far += stored
            speed = bar.tasks[0].speed
            rate = f"{speed:,.0f} images/s" if speed else ""
            bar.update(task, advance=done, stored=stored_so_far, rate=rate)

        yield advance


class _Tally:
    """Counts results as they stream by and reports unreadable files on stderr."""

    def __init__(self) -> None:
        self.done = 0
        self.stored = 0
        self.failed = 0

    def watch(self, results: Iterator[ImageResult], *, skip_bad: bool) -> Iterator[ImageResult]:
        for result in results:
            self.done += 1
            self.stored += result.stored
            if result.error is not None:
                self.failed += 1
                sys.stderr.write(f"{_one_line(str(result.path))}: {result.error}\n")
                if skip_bad:
                    continue
            yield result

    def summary(self) -> str:
        computed = self.done - self.stored - self.failed
        return (
            f"{self.done} images: {computed} computed, {self.stored} from the store, "
            f"{self.failed} unreadable"
        )

    def exit_code(self, skip_bad: bool) -> int:
        return EXIT_UNREADABLE if self.failed and not skip_bad else EXIT_OK


def _discover_images(paths: list[Path]) -> list[Path]:
    from imgsim.images import discover

    found = discover(paths)
    if not found.files:
        ignored = f" ({found.ignored} other files ignored)" if found.ignored else ""
        raise UsageError(f"no images found in {', '.join(map(str, paths))}{ignored}")
    return found.files


def _extract_row(
    result: ImageResult, specs: list[FeatureSpec], params: FeatureParams
) -> dict[str, Any]:
    from imgsim.features import output_value

    row: dict[str, Any] = {"path": str(result.path), "width": result.width, "height": result.height}
    for spec in specs:
        value = result.features.get(spec.name)
        row[spec.name] = None if value is None else output_value(spec, value, params)
    row["error"] = result.error
    return row


def _write_extract_npz(
    out: Path, results: Iterator[ImageResult], specs: list[FeatureSpec], params: FeatureParams
) -> int:
    import json

    import numpy as np

    from imgsim import __version__
    from imgsim.output import write_npz

    paths: list[str] = []
    columns: dict[str, list[Any]] = {spec.name: [] for spec in specs}
    for result in results:
        if result.error is not None:
            continue
        paths.append(str(result.path))
        for spec in specs:
            columns[spec.name].append(result.features[spec.name])
    arrays: dict[str, Any] = {"paths": np.array(paths, dtype=str)}
    for spec in specs:
        arrays[spec.name] = np.array(columns[spec.name], dtype=spec.stored_dtype).reshape(
            len(paths), spec.stored_width(params)
        )
    meta = {
        "imgsim_version": __version__,
        "features": {
            spec.name: {
                "kind": spec.kind,
                "version": spec.version,
                "params": spec.param_values(params),
                "bits" if spec.kind == "hash" else "dim": spec.dim(params),
            }
            for spec in specs
        },
    }
    arrays["_meta"] = np.array(json.dumps(meta))
    write_npz(out, arrays)
    return len(paths)


def _emit(
    rows: Iterator[dict[str, Any]],
    columns: list[str],
    fmt: Format,
    out: Path | None,
    epilogue: Callable[[], Epilogue] | None = None,
) -> None:
    from imgsim.output import atomic_text_file, write_rows

    if out is None:
        write_rows(rows, columns, fmt, sys.stdout, epilogue=epilogue)
        sys.stdout.flush()
        return
    with atomic_text_file(out) as stream:
        write_rows(rows, columns, fmt, stream, epilogue=epilogue)


MetricOption = Annotated[
    list[str] | None,
    typer.Option(
        "--metric",
        "-m",
        help="Metric(s): ssim, ms_ssim, psnr, mse, rmse, mae, sift, FEATURE[:DISTANCE]; "
        "repeatable or comma-separated [default: ssim,psnr,phash,color_hist].",
    ),
]
GateOption = Annotated[
    list[str] | None,
    typer.Option(
        "--gate",
        "-g",
        help='Fail (exit 1) unless it holds, e.g. "ssim>=0.9", "mean(ssim)>=0.92". Repeatable.',
    ),
]


@app.command(
    epilog="Example: imgsim compare generated/ reference/ -m ssim,psnr,phash "
    '--gate "mean(ssim)>=0.9"'
)
@_handle_errors
def compare(
    a: Annotated[Path, typer.Argument(help="Generated image or folder.")],
    b: Annotated[Path, typer.Argument(help="Reference image or folder.")],
    metric: MetricOption = None,
    gate: GateOption = None,
    resize: Annotated[
        bool, typer.Option("--resize", help="Resize B to A's size (anti-aliased) if they differ.")
    ] = False,
    fmt: FormatOption = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    hash_size: HashSizeOption = 8,
    bins: BinsOption = 8,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Score each image of A against its reference in B: one row per pair.

    Folders pair by relative path without extension (gen/cat.png meets ref/cat.jpg);
    a file against a folder is scored against every image in it. Files without a
    partner are listed on stderr. The table ends with mean, min, max and median.
    """
    from imgsim.features import FeatureParams
    from imgsim.gates import ColumnValues, GateChecker, parse_gates
    from imgsim.metrics import DEFAULT_COMPARE_METRICS, parse_pair_metrics
    from imgsim.output import Epilogue, json_value
    from imgsim.pairs import CompareOptions, compare_pairs, pair_inputs

    metrics = parse_pair_metrics(_split_names(metric) or DEFAULT_COMPARE_METRICS)
    columns = [m.column for m in metrics]
    gates = parse_gates(gate or [], columns)
    output_format = _resolve_format(fmt, out)
    options = CompareOptions(
        metrics=tuple(metrics),
        params=FeatureParams(hash_size=hash_size, bins=bins),
        resize=resize,
        max_pixels=max_pixels,
    )
    pairing = pair_inputs(a, b)
    _report_unpaired(pairing, a, b)
    if not pairing.pairs:
        raise UsageError(f"no pairs: no image in {a} has a partner in {b}")
    values = ColumnValues(columns)
    checker = GateChecker(gates, values)
    status = _PairStatus()

    uses_features = any(m.kind == "feature" for m in metrics)

    def rows() -> Iterator[dict[str, Any]]:
        with (
            _open_store(cache, no_cache or not uses_features) as store,
            _progress_bar(len(pairing.pairs), quiet) as progress,
        ):
            results = compare_pairs(
                pairing.pairs, options, workers=workers, progress=progress, store=store
            )
            yield from scored(results)

    def scored(results: Iterator[PairResult]) -> Iterator[dict[str, Any]]:
        for result in results:
            if not status.count(result) and skip_bad:
                continue
            row = {"a": str(result.a), "b": str(result.b), **result.values, "error": result.error}
            if result.error is None:
                values.observe(row)
                checker.observe(row)
            yield row

    def epilogue() -> Epilogue:
        summary = values.summary()
        footer = [{"a": name, **{c: summary[c][name] for c in columns}} for name in _AGGREGATES]
        return Epilogue(
            table_rows=footer,
            json_extra={
                "summary": {
                    c: {k: json_value(v) for k, v in s.items()} for c, s in summary.items()
                },
                "gates": [_gate_json(result) for result in checker.results()],
            },
        )

    _emit(rows(), ["a", "b", *columns, "error"], output_format, out, epilogue)
    verdicts = checker.results()
    _report_gates(verdicts, quiet=quiet)
    if not quiet:
        unpaired = len(pairing.unmatched_a) + len(pairing.unmatched_b)
        sys.stderr.write(f"imgsim: {status.summary()}, {unpaired} files without a partner\n")
    failed_gate = any(not verdict.passed for verdict in verdicts)
    codes = [
        EXIT_GATE_FAILED if failed_gate else EXIT_OK,
        EXIT_USAGE if status.size_mismatches else EXIT_OK,
        EXIT_UNREADABLE if status.unreadable and not skip_bad else EXIT_OK,
    ]
    raise typer.Exit(min((code for code in codes if code), default=EXIT_OK))


_AGGREGATES = ("mean", "min", "max", "median")


class _PairStatus:
    """Counts pair results and reports the ones that could not be scored on stderr."""

    def __init__(self) -> None:
        self.scored = 0
        self.unreadable = 0
        self.size_mismatches = 0

    def count(self, result: PairResult) -> bool:
        """Report a result; ``False`` when the pair could not be scored."""
        for note in result.notes:
            sys.stderr.write(f"imgsim: note: {_one_line(note)}\n")
        if result.error is None:
            self.scored += 1
            return True
        sys.stderr.write(f"{_one_line(result.error)}\n")
        if result.unreadable:
            self.unreadable += 1
        if result.size_mismatch:
            self.size_mismatches += 1
        return False

    def summary(self) -> str:
        parts = [f"{self.scored} pairs scored"]
        if self.unreadable:
            parts.append(f"{self.unreadable} with unreadable images")
        if self.size_mismatches:
            parts.append(f"{self.size_mismatches} not scored for their size")
        return ", ".join(parts)


def _report_unpaired(pairing: Pairing, a: Path, b: Path) -> None:
    for path in pairing.unmatched_a:
        sys.stderr.write(f"{_one_line(str(path))}: no partner in {b}\n")
    for path in pairing.unmatched_b:
        sys.stderr.write(f"{_one_line(str(path))}: no partner in {a}\n")
    for path in pairing.ambiguous:
        sys.stderr.write(f"{_one_line(str(path))}: skipped, another file has the same name stem\n")


def _gate_json(result: GateResult) -> dict[str, Any]:
    from imgsim.output import json_value

    entry: dict[str, Any] = {"gate": result.gate.text, "passed": result.passed}
    if result.gate.aggregate is not None:
        entry["value"] = json_value(result.value)
    entry["failing_rows"] = [
        {k: json_value(v) for k, v in row.items() if k in ("a", "b", result.gate.metric)}
        for row in result.failing_rows
    ]
    return entry


def _report_gates(verdicts: list[GateResult], *, quiet: bool) -> None:
    from imgsim.output import format_number

    for verdict in verdicts:
        gate = verdict.gate
        if verdict.passed:
            if not quiet:
                sys.stderr.write(f"imgsim: gate passed: {gate.text}\n")
            continue
        if gate.aggregate is not None:
            shown = "no values" if verdict.value is None else format_number(verdict.value)
            sys.stderr.write(f"imgsim: gate FAILED: {gate.text} ({gate.aggregate} = {shown})\n")
            continue
        count = len(verdict.failing_rows)
        sys.stderr.write(
            f"imgsim: gate FAILED: {gate.text} on {count} row{'s' if count != 1 else ''}"
            f"{'' if count else ' (no values)'}\n"
        )
        for row in verdict.failing_rows:
            value = row.get(gate.metric)
            shown = format_number(value) if isinstance(value, (int, float)) else "not computed"
            sys.stderr.write(
                f"  {_one_line(str(row.get('a')))} vs {_one_line(str(row.get('b')))}: "
                f"{gate.metric} = {shown}\n"
            )


@app.command("list", epilog="Example: imgsim list --format csv")
@_handle_errors
def list_(fmt: FormatOption = None) -> None:
    """Every feature, metric and distance: dimension, direction, range, and when to use it."""
    from imgsim.features import FEATURES, FeatureParams
    from imgsim.metrics import PIXEL_METRICS, SIFT_SUMMARY
    from imgsim.metrics.distances import DISTANCES

    params = FeatureParams()
    rows: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "type": f"feature ({spec.kind})",
            "dim": spec.dim(params),
            "direction": f"default distance: {spec.default_distance}",
            "options": ", ".join(f"--{p.replace('_', '-')}" for p in spec.uses),
            "description": spec.summary,
        }
        for spec in FEATURES.values()
    ]
    rows += [
        {
            "name": metric.name,
            "type": "metric (pixels)",
            "direction": "higher is better" if metric.higher_is_better else "lower is better",
            "range": metric.range,
            "description": metric.summary,
        }
        for metric in PIXEL_METRICS.values()
    ]
    rows.append(
        {
            "name": "sift",
            "type": "metric (keypoints)",
            "direction": "higher is better",
            "range": "[0, 1]",
            "description": SIFT_SUMMARY,
        }
    )
    rows += [
        {
            "name": " | ".join((d.name, *d.aliases)),
            "type": "distance",
            "direction": f"{d.direction} is closer",
            "range": d.range,
            "description": d.summary + "  Use as FEATURE:" + d.name + ".",
        }
        for d in DISTANCES.values()
    ]
    columns = ["name", "type", "dim", "direction", "range", "options", "description"]
    _emit(iter(rows), columns, _resolve_format(fmt, None), None)


cache_app = typer.Typer(
    help="Look after the feature store: where it is, what it holds, clear or prune it.",
    epilog="Example: imgsim cache info",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info", epilog="Example: imgsim cache info --format json")
@_handle_errors
def cache_info(cache: CacheOption = None, fmt: FormatOption = None) -> None:
    """Location and size of the store, and its entries per feature."""
    from imgsim.output import format_size
    from imgsim.store import default_location, store_info

    info = store_info(cache or default_location())
    output_format = _resolve_format(fmt, None)
    if output_format in (Format.json, Format.jsonl):
        import json

        document = {
            "location": str(info.path),
            "bytes": info.bytes_on_disk,
            "files": info.files,
            "images": info.images,
            "features": {
                name: {"entries": entries, "bytes": size}
                for name, (entries, size) in info.entries.items()
            },
        }
        sys.stdout.write(json.dumps(document) + "\n")
        return
    sys.stderr.write(
        f"imgsim: store {info.path}: {format_size(info.bytes_on_disk)}, "
        f"{info.files} files, {info.images} distinct images\n"
    )
    rows = [
        {"feature": name, "entries": entries, "bytes": size}
        for name, (entries, size) in info.entries.items()
    ]
    _emit(iter(rows), ["feature", "entries", "bytes"], output_format, None)


@cache_app.command("clear", epilog="Example: imgsim cache clear -f color_hist")
@_handle_errors
def cache_clear(cache: CacheOption = None, feature: FeatureOption = None) -> None:
    """Delete the whole store (also a corrupt one), or only the entries of some features."""
    from imgsim.store import clear_store, default_location

    path = cache or default_location()
    names = _split_names(feature)
    removed = clear_store(path, names)
    what = f"{', '.join(names)} entries" if names else "the store"
    sys.stderr.write(f"imgsim: cleared {what} at {path}: {removed} feature entries removed\n")


@cache_app.command("prune", epilog="Example: imgsim cache prune data/reference data/generated")
@_handle_errors
def cache_prune(
    folders: Annotated[list[Path], typer.Argument(help="Folders whose files the store tracks.")],
    cache: CacheOption = None,
) -> None:
    """Forget files under FOLDERS that were deleted or changed, and the features only they had."""
    from imgsim.store import default_location, prune_store

    path = cache or default_location()
    forgotten, removed = prune_store(path, folders)
    sys.stderr.write(
        f"imgsim: pruned {path}: {forgotten} files forgotten, {removed} feature entries removed\n"
    )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="imgsim")

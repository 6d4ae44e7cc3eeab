"""The ``imgsim`` command line: thin Typer commands over the engine.

Commands parse options, call the library, print rows and exit with the status
of DESIGN.md: 0 done, 1 a gate failed, 2 usage error, 3 some inputs unreadable.
Heavy modules (numpy, OpenCV, SciPy) are imported inside the commands that need
them, so ``imgsim --help`` stays fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from imgsim.errors import ImgsimError, UsageError
from imgsim.output import Format

if TYPE_CHECKING:
    from imgsim.engine import ImageResult
    from imgsim.features import FeatureParams, FeatureSpec

EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3
DEFAULT_MAX_PIXELS = 89_478_485  # = imgsim.images.DEFAULT_MAX_PIXELS, kept here to stay light

app = typer.Typer(
    name="imgsim",
    help="Score generated images: against references, as a set, and for diversity.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

FeatureOption = Annotated[
    list[str] | None,
    typer.Option(
        "--feature", "-f", help="Feature name(s), repeatable or comma-separated (see `imgsim list`)."
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
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No summary or progress on stderr.")]
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
BinsOption = Annotated[int, typer.Option("--bins", min=1, max=64, help="color_hist bins per channel.")]

Command = TypeVar("Command", bound=Callable[..., None])


def _handle_errors(command: Command) -> Command:
    """Turn library exceptions into one-line messages and exit codes, in one place."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except UsageError as error:
            _error(str(error))
            raise typer.Exit(EXIT_USAGE) from None
        except ImgsimError as error:
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
) -> None:
    """Compute features of every image: one row per image (path, width, height, features).

    Hashes are printed as hex, vectors in full (JSON arrays; space-separated numbers
    in one CSV cell). With --out X.npz the vectors are written as arrays instead:
    `paths` and one array per feature (packed uint8 bits for hashes).
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
    files = _discover_images(paths, quiet=quiet)
    options = ExtractOptions(
        features=tuple(spec.name for spec in specs),
        params=params,
        max_pixels=max_pixels,
        max_side=size,
    )
    tally = _Tally()
    results = tally.watch(extract_files(files, options, workers=workers), skip_bad=skip_bad)
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


class _Tally:
    """Counts results as they stream by and reports unreadable files on stderr."""

    def __init__(self) -> None:
        self.done = 0
        self.failed = 0

    def watch(self, results: Iterator[ImageResult], *, skip_bad: bool) -> Iterator[ImageResult]:
        for result in results:
            self.done += 1
            if result.error is not None:
                self.failed += 1
                sys.stderr.write(f"{_one_line(str(result.path))}: {result.error}\n")
                if skip_bad:
                    continue
            yield result

    def summary(self) -> str:
        good = self.done - self.failed
        return f"{good} images processed, {self.failed} unreadable"

    def exit_code(self, skip_bad: bool) -> int:
        return EXIT_UNREADABLE if self.failed and not skip_bad else EXIT_OK


def _discover_images(paths: list[Path], *, quiet: bool) -> list[Path]:
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
        dtype = np.uint8 if spec.kind == "hash" else np.float32
        width = len(columns[spec.name][0]) if columns[spec.name] else 0
        arrays[spec.name] = np.array(columns[spec.name], dtype=dtype).reshape(len(paths), width)
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


def _emit(rows: Iterator[dict[str, Any]], columns: list[str], fmt: Format, out: Path | None) -> None:
    from imgsim.output import atomic_text_file, write_rows

    if out is None:
        write_rows(rows, columns, fmt, sys.stdout)
        sys.stdout.flush()
        return
    with atomic_text_file(out) as stream:
        write_rows(rows, columns, fmt, stream)


@app.command("list", epilog="Example: imgsim list --format csv")
@_handle_errors
def list_(fmt: FormatOption = None) -> None:
    """Every feature and metric: name, kind, dimension, direction, and when to use it."""
    from imgsim.features import FEATURES, FeatureParams

    params = FeatureParams()
    rows = [
        {
            "name": spec.name,
            "type": f"feature ({spec.kind})",
            "dim": spec.dim(params),
            "default distance": spec.default_distance,
            "options": ", ".join(f"--{p.replace('_', '-')}" for p in spec.uses),
            "description": spec.summary,
        }
        for spec in FEATURES.values()
    ]
    columns = ["name", "type", "dim", "default distance", "options", "description"]
    _emit(iter(rows), columns, _resolve_format(fmt, None), None)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="imgsim")

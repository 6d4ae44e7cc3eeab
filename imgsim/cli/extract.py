"""``imgsim extract``: features of every image, through the feature store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from imgsim.cli.common import (
    DEFAULT_MAX_PIXELS,
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
    discover_images,
    emit,
    handle_errors,
    input_path,
    open_store,
    progress_bar,
    resolve_format,
    split_names,
)
from imgsim.cli.feature_options import feature_params, with_feature_options
from imgsim.cli.run_options import with_run_options
from imgsim.errors import UsageError
from imgsim.output import Format


@app.command(
    epilog="Example: imgsim extract sample_images/reference -f phash,color_hist --format csv"
)
@handle_errors
@with_run_options
@with_feature_options
def extract(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(parser=input_path, help="Image files and/or folders.")
    ],
    feature: Annotated[
        list[str] | None,
        typer.Option(
            "--feature",
            "-f",
            help="Feature(s) to compute, required: repeatable or comma-separated "
            "(see `imgsim list`).",
        ),
    ] = None,
    fmt: FormatOption = None,
    out: OutOption = None,
    append: Annotated[
        bool,
        typer.Option(
            "--append",
            help="With --out GALLERY.imgidx: add the images to that gallery index instead "
            "of writing a new one (same features and options; what is there is not rewritten).",
        ),
    ] = False,
    workers: WorkersOption = None,
    quiet: QuietOption = False,
    skip_bad: SkipBadOption = False,
    max_pixels: MaxPixelsOption = DEFAULT_MAX_PIXELS,
    cache: CacheOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Compute features of every image: one row per image (path, width, height, features).

    Hashes are printed as hex, vectors in full (JSON arrays; space-separated numbers
    in one CSV cell). With --out X.npz the vectors are written as arrays instead:
    `paths` and one array per feature (packed uint8 bits for hashes); with --out
    X.imgidx as a gallery index, which `imgsim rank` opens memory-mapped and --append
    grows. Features are kept in the feature store, so a rerun only computes what is new
    or changed.
    """
    from imgsim.engine import ExtractOptions
    from imgsim.features import resolve_features
    from imgsim.jobs.extract import extract_gallery, extract_rows, extraction_columns
    from imgsim.output import format_for_path

    names = split_names(feature)
    if not names:
        from imgsim.features import FEATURES

        raise UsageError(f"missing --feature/-f; valid features: {', '.join(FEATURES)}")
    specs = resolve_features(names)
    npz_out = out if out is not None and format_for_path(out, allow_npz=True) is None else None
    if append and npz_out is None:
        raise UsageError("--append needs --out GALLERY.imgidx (a gallery index to add to)")
    output_format = Format.csv if npz_out is not None else resolve_format(fmt, out)
    files = discover_images(paths)
    options = ExtractOptions(
        features=tuple(spec.name for spec in specs),
        params=feature_params(ctx.params),
        max_pixels=max_pixels,
    )
    tally = Tally()
    with open_store(cache, no_cache) as store, progress_bar(len(files), quiet) as progress:
        if npz_out is not None:
            written = extract_gallery(
                npz_out,
                files,
                options,
                store=store,
                workers=workers,
                progress=progress,
                on_result=tally.observe,
                append=append,
            )
            if not quiet:
                done = "added" if append else "wrote"
                sys.stderr.write(f"imgsim: {done} {written} images to {npz_out}\n")
        else:
            rows = extract_rows(
                files,
                options,
                skip_unreadable=skip_bad,
                store=store,
                workers=workers,
                progress=progress,
                on_result=tally.observe,
            )
            emit(rows, extraction_columns(specs), output_format, out)
    if not quiet:
        sys.stderr.write(f"imgsim: {tally.summary()}\n")
    raise typer.Exit(tally.exit_code(skip_bad))

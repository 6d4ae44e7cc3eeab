"""``imgsim cache info|clear|prune``: look after the feature store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from imgsim.cli.common import (
    CacheOption,
    FeatureOption,
    FormatOption,
    app,
    emit,
    handle_errors,
    resolve_format,
    split_names,
)
from imgsim.output import Format

cache_app = typer.Typer(
    help="Look after the feature store: where it is, what it holds, clear or prune it.",
    epilog="Example: imgsim cache info",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info", epilog="Example: imgsim cache info --format json")
@handle_errors
def cache_info(cache: CacheOption = None, fmt: FormatOption = None) -> None:
    """Location and size of the store, and its entries per feature."""
    from imgsim.output import format_size
    from imgsim.store import default_location, store_info

    info = store_info(cache or default_location())
    output_format = resolve_format(fmt, None)
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
    emit(iter(rows), ["feature", "entries", "bytes"], output_format, None)


@cache_app.command("clear", epilog="Example: imgsim cache clear -f color_hist")
@handle_errors
def cache_clear(cache: CacheOption = None, feature: FeatureOption = None) -> None:
    """Delete the whole store (also a corrupt one), or only the entries of some features."""
    from imgsim.store import clear_store, default_location

    path = cache or default_location()
    names = split_names(feature)
    removed = clear_store(path, names)
    what = f"{', '.join(names)} entries" if names else "the store"
    sys.stderr.write(f"imgsim: cleared {what} at {path}: {removed} feature entries removed\n")


@cache_app.command("prune", epilog="Example: imgsim cache prune data/reference data/generated")
@handle_errors
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

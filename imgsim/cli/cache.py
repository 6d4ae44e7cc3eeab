"""``imgsim cache info|clear|prune``: look after the feature store."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
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
    input_path,
    resolve_format,
    split_names,
)
from imgsim.errors import UsageError
from imgsim.output import Format

cache_app = typer.Typer(
    help="Look after the feature store: where it is, what it holds, clear or prune it.",
    epilog="Example: imgsim cache info",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(cache_app, name="cache")


def _store_path(cache: Path | None) -> tuple[Path, str | None]:
    """The store file, and how the user named it (for messages that word the flag)."""
    from imgsim.store import default_location

    if cache is not None:
        return cache, "--cache "
    return default_location(), "IMGSIM_CACHE=" if os.environ.get("IMGSIM_CACHE") else None


@contextlib.contextmanager
def _worded(path: Path, named_by: str | None) -> Iterator[None]:
    """A store path that is a folder gets advice in the words the user typed."""
    from imgsim.store_identity import StoreKind
    from imgsim.store_maintenance import NotAStore

    try:
        yield
    except NotAStore as error:
        if error.identity.kind is not StoreKind.FOLDER or named_by is None:
            raise
        example = path / "features.sqlite"
        done = f"; {error.consequence}" if error.consequence else ""
        raise UsageError(
            f"{named_by}{path} is a folder: name the store file, e.g. {named_by}{example}{done}"
        ) from None


@cache_app.command("info", epilog="Example: imgsim cache info --format json")
@handle_errors
def cache_info(cache: CacheOption = None, fmt: FormatOption = None) -> None:
    """Location and size of the store, and its entries per feature."""
    from imgsim.output import Epilogue, format_size
    from imgsim.store_maintenance import store_info

    path, named_by = _store_path(cache)
    with _worded(path, named_by):
        info = store_info(path)
    output_format = resolve_format(fmt, None)
    store = {
        "location": str(info.path),
        "bytes": info.bytes_on_disk,
        "files": info.files,
        "images": info.images,
    }
    if output_format is not Format.json:  # JSON carries these under "store"
        sys.stderr.write(
            f"imgsim: store {info.path}: {format_size(info.bytes_on_disk)}, "
            f"{info.files} files, {info.images} distinct images\n"
        )
    rows = [
        {"feature": name, "entries": entries, "bytes": size}
        for name, (entries, size) in info.entries.items()
    ]
    epilogue = Epilogue(json_extra={"store": store})
    emit(iter(rows), ["feature", "entries", "bytes"], output_format, None, lambda: epilogue)


@cache_app.command("clear", epilog="Example: imgsim cache clear -f color_hist")
@handle_errors
def cache_clear(cache: CacheOption = None, feature: FeatureOption = None) -> None:
    """Delete the whole store (also a corrupt one), or only the entries of some features.

    Only an imgsim feature store is deleted: any other file is refused (exit 2).
    """
    from imgsim.store_maintenance import NoStore, clear_store

    path, named_by = _store_path(cache)
    names = split_names(feature)
    try:
        with _worded(path, named_by):
            removed = clear_store(path, names)
    except NoStore:
        sys.stderr.write(f"imgsim: no feature store at {path}: nothing to clear\n")
        return
    what = f"{', '.join(names)} entries" if names else "the store"
    sys.stderr.write(f"imgsim: cleared {what} at {path}: {removed} feature entries removed\n")


@cache_app.command("prune", epilog="Example: imgsim cache prune data/reference data/generated")
@handle_errors
def cache_prune(
    folders: Annotated[
        list[Path], typer.Argument(parser=input_path, help="Folders whose files the store tracks.")
    ],
    cache: CacheOption = None,
) -> None:
    """Forget files under FOLDERS that were deleted or changed, and the features only they had.

    Only an imgsim feature store is changed: any other file is refused (exit 2).
    """
    from imgsim.store_maintenance import NoStore, prune_store

    path, named_by = _store_path(cache)
    try:
        with _worded(path, named_by):
            forgotten, removed = prune_store(path, folders)
    except NoStore:
        sys.stderr.write(f"imgsim: no feature store at {path}: nothing to prune\n")
        return
    sys.stderr.write(
        f"imgsim: pruned {path}: {forgotten} files forgotten, {removed} feature entries removed\n"
    )

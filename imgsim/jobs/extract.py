"""``imgsim extract`` as a library call: the features of every image, streamed as rows
(one per image, each feature as output shows it) or written as a gallery file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgsim.engine import ExtractOptions, ImageResult, ProgressCallback
    from imgsim.features import FeatureParams, FeatureSpec
    from imgsim.store import FeatureStore

ResultCallback = Callable[["ImageResult"], None]
"""Sees every result as it arrives, unreadable files included (it may raise to stop the run)."""


def extraction_columns(specs: Sequence[FeatureSpec]) -> list[str]:
    """The columns of :func:`extraction_rows` and :func:`extract_rows`."""
    return ["path", "width", "height", *(spec.name for spec in specs), "error"]


def extraction_rows(
    results: Iterable[ImageResult], specs: Sequence[FeatureSpec], params: FeatureParams
) -> Iterator[dict[str, Any]]:
    """One row per result, as they stream: path, size, each feature (hashes as hex,
    vectors in full) and the reason a file could not be read."""
    from imgsim.features import output_value

    for result in results:
        row: dict[str, Any] = {
            "path": str(result.path),
            "width": result.width,
            "height": result.height,
        }
        for spec in specs:
            value = result.features.get(spec.name)
            row[spec.name] = None if value is None else output_value(spec, value, params)
        row["error"] = result.error
        yield row


def extract_rows(
    files: Sequence[Path],
    options: ExtractOptions,
    *,
    skip_unreadable: bool = False,
    store: FeatureStore | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    on_result: ResultCallback | None = None,
) -> Iterator[dict[str, Any]]:
    """The rows of :func:`extraction_rows` for the image ``files``, computed through the
    ``store`` and streamed in input order. An unreadable file is a row with its ``error``,
    or no row with ``skip_unreadable``; ``on_result`` sees it either way."""
    results = _results(files, options, store, workers, progress, on_result)
    if skip_unreadable:
        results = (result for result in results if result.error is None)
    return extraction_rows(results, _specs(options), options.params)


def extract_gallery(
    path: Path,
    files: Sequence[Path],
    options: ExtractOptions,
    *,
    store: FeatureStore | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    on_result: ResultCallback | None = None,
    append: bool = False,
) -> int:
    """Write the features of the readable image ``files`` to the gallery ``path``: a
    gallery index (``.imgidx``, which ``append`` adds to) or an ``.npz`` (see
    :meth:`imgsim.neighbours.Gallery.save`), streamed, so that memory does not grow with
    the number of files; returns the number of images written. ``on_result`` sees every
    result, unreadable files included."""
    from imgsim.gallery_writer import check_appendable
    from imgsim.neighbours import Gallery

    specs = _specs(options)
    if append:
        check_appendable(path, specs, options.params)  # before any image is decoded
    results = _results(files, options, store, workers, progress, on_result)
    return Gallery.save(path, results, specs, options.params, append=append)


def _specs(options: ExtractOptions) -> list[FeatureSpec]:
    from imgsim.features import get_feature

    return [get_feature(name) for name in options.features]


def _results(
    files: Sequence[Path],
    options: ExtractOptions,
    store: FeatureStore | None,
    workers: int | None,
    progress: ProgressCallback | None,
    on_result: ResultCallback | None,
) -> Iterator[ImageResult]:
    from imgsim.engine import extract_files

    # Called here, not in the generator, so that unusable options fail before any output.
    results = extract_files(files, options, workers=workers, progress=progress, store=store)
    return results if on_result is None else _seen(results, on_result)


def _seen(results: Iterator[ImageResult], on_result: ResultCallback) -> Iterator[ImageResult]:
    for result in results:
        on_result(result)
        yield result

"""Run the pipeline over many files: store look-up, decode once, extract, in parallel.

Work is cut into chunks of files. The main process looks each chunk up in the
feature store (unchanged files whose features are all stored are not read at all);
the rest go to the process pool of :mod:`imgsim.parallel`, created only when there
is something to compute. Results stream back in input order while at most a bounded
window of chunks is in flight, so memory does not grow with the number of files, and
the main process writes new features to the store as they arrive. ``workers=1`` runs in this
process. Results are identical for any number of workers or chunk size.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from imgsim.decoding import DecodeGroup, decode_groups, group_by_decode
from imgsim.distributed import ShippedFile, current, ships_bytes
from imgsim.embedding import in_batches, model_specs, split_inputs
from imgsim.errors import BadImage, UnfitImage
from imgsim.features import (
    FEATURES,
    FeatureParams,
    FeatureSpec,
    check_params,
    extract_one,
    get_feature,
    is_model_feature,
    resolve_features,
)
from imgsim.images import DEFAULT_MAX_PIXELS, too_many_pixels
from imgsim.memory import keep_freed_memory
from imgsim.parallel import WorkerSetup, chunking, stream_chunks

if TYPE_CHECKING:
    # The store (SQLite, hashlib) is imported by the functions that use it: runs
    # without a store, such as a one-pair compare, do not pay for it.
    from imgsim.store import FeatureStore, FileStamp, StoredImage, StoreReader

ProgressCallback = Callable[[int, int], None]
"""Called with the number of items just finished and how many of them came from the store."""


def _init_worker() -> None:
    import cv2

    # One process per core already: OpenCV's own thread pool would oversubscribe.
    cv2.setNumThreads(1)
    keep_freed_memory()


WORKERS = WorkerSetup(
    preload=("cv2", "imgsim.pairs", "imgsim.features.hashes"),
    # A forked child can inherit OpenCV's thread pool in a locked state and hang, but
    # only once a multi-threaded cv2 call has run in this process: a process that has
    # not imported cv2 forks its workers, any other starts them from a fork server.
    # So does one that has loaded an ONNX model, whose runtime keeps a thread pool too.
    unforkable_after=("cv2", "onnxruntime"),
    initializer=_init_worker,
)
"""How the workers of the pipeline start (feature extraction and pair scoring alike)."""


@dataclass(frozen=True)
class ExtractOptions:
    """What to compute for each image, and how to decode it."""

    features: tuple[str, ...]
    params: FeatureParams = field(default_factory=FeatureParams)
    max_pixels: int = DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class ImageResult:
    """The features of one file, or the reason it could not be read."""

    path: Path
    width: int | None = None
    height: int | None = None
    features: dict[str, NDArray[np.generic]] = field(default_factory=dict)
    error: str | None = None
    stored: bool = False
    """The features were taken from the feature store, not computed."""
    stamp: FileStamp | None = None
    """The file as it was read (for the store; ``None`` without a store)."""
    digest: bytes | None = None
    """Digest of the file's bytes (for the store; ``None`` without a store)."""
    inputs: dict[str, NDArray[np.generic]] = field(default_factory=dict)
    """Model features still to compute: each one's model input, by feature name
    (:mod:`imgsim.embedding` replaces them with the embeddings)."""


@dataclass(frozen=True)
class _Plan:
    """What :class:`ExtractOptions` imply for every file, worked out once."""

    specs: tuple[FeatureSpec, ...]
    groups: tuple[DecodeGroup, ...]
    """The features by decode: one decode per group."""
    params: FeatureParams

    @functools.cached_property
    def keys(self) -> dict[str, str]:
        """``{feature name: store key}``, worked out on first use: only runs with a store
        need keys (and pay for importing it)."""
        from imgsim.store import feature_key

        # A JPEG's pixels depend on the decode (DCT scaling, luma or RGB, --size), so
        # each feature's own decode is part of its key: values from another decode are
        # never reused, and the key does not depend on the other features of the run.
        decodes = {spec.name: group.decode.label for group in self.groups for spec in group.specs}
        return {
            spec.name: feature_key(
                spec.key_name, spec.version, spec.param_values(self.params), decodes[spec.name]
            )
            for spec in self.specs
        }


def _specs(names: Sequence[str]) -> list[FeatureSpec]:
    """The specs of features and of no-reference metrics (``imgsim quality``), by name,
    in order, without repeats; an unknown name lists the valid features."""
    if all(name in FEATURES or is_model_feature(name) for name in names):
        # Without a no-reference metric nothing of imgsim.metrics is imported: a process
        # that has not imported OpenCV forks its workers (see WORKERS).
        return resolve_features(names)
    from imgsim.metrics.noref_specs import measurement_specs

    measured = measurement_specs()
    return [measured.get(name) or get_feature(name) for name in dict.fromkeys(names)]


@functools.lru_cache(maxsize=16)
def _plan(options: ExtractOptions) -> _Plan:
    specs = tuple(_specs(options.features))
    return _Plan(specs, group_by_decode(specs, options.params), options.params)


def feature_specs(options: ExtractOptions) -> tuple[FeatureSpec, ...]:
    """The specs of the features (and no-reference metrics) that ``options`` name, in order."""
    return _plan(options).specs


def feature_keys(options: ExtractOptions) -> dict[str, str]:
    """``{feature name: store key}``: name, version, parameters and decode of each feature."""
    return dict(_plan(options).keys)


def extract_file(
    path: Path,
    options: ExtractOptions,
    *,
    reader: StoreReader | None = None,
    stamped: bool = False,
    shipped: ShippedFile | None = None,
) -> ImageResult:
    """Read one file once, decode it once per decode its features need, and compute
    every requested feature from its own decode.

    With ``stamped`` (a store is in use) the result carries the file's stamp and
    digest; with a ``reader`` too, content already in the store is not decoded.
    ``shipped``: the file as the client read it (its bytes and stamp), for a worker
    that cannot read ``path`` itself.
    """
    plan = _plan(options)
    stamp = digest = None
    data = shipped.data if shipped is not None else None
    if stamped or reader is not None:
        from imgsim.store import FileStamp, file_digest

        stamp = shipped.stamp if shipped is not None else FileStamp.of(path)
        known = reader.find_file(stamp, list(plan.keys.values())) if reader and stamp else None
        if known is not None:
            return _stored_result(path, known[1], plan, options.max_pixels, stamp, known[0])
        try:
            data = data if data is not None else path.read_bytes()
        except OSError:
            pass  # the decoder reports why the file cannot be read
        else:
            digest = file_digest(data)
            stored = reader.find(digest, list(plan.keys.values())) if reader else None
            if stored is not None:
                return _stored_result(path, stored, plan, options.max_pixels, stamp, digest)
    try:
        decoded = decode_groups(path, plan.groups, max_pixels=options.max_pixels, data=data)
    except BadImage as error:
        return ImageResult(path=path, error=error.reason)
    values: dict[str, NDArray[np.generic]] = {}
    try:
        for group, image in zip(plan.groups, decoded, strict=True):
            values |= extract_one(image.pixels, group.specs, options.params, reduced=image.reduced)
    except UnfitImage as error:
        return ImageResult(path=path, error=str(error))
    features, inputs = split_inputs(
        {spec.name: values[spec.name] for spec in plan.specs}, plan.specs
    )
    return ImageResult(
        path=path,
        width=decoded[0].width,
        height=decoded[0].height,
        features=features,
        stamp=stamp,
        digest=digest,
        inputs=inputs,
    )


def _stored_result(
    path: Path,
    stored: StoredImage,
    plan: _Plan,
    max_pixels: int,
    stamp: FileStamp | None = None,
    digest: bytes | None = None,
) -> ImageResult:
    if stored.width * stored.height > max_pixels:  # refused as a decode would refuse it
        return ImageResult(
            path=path, error=too_many_pixels(stored.width, stored.height, max_pixels)
        )
    features = {name: stored.features[key] for name, key in plan.keys.items()}
    return ImageResult(path, stored.width, stored.height, features, None, True, stamp, digest)


@dataclass(frozen=True)
class _ChunkContext:
    options: ExtractOptions
    store: Path | None
    """The store workers may read from, or ``None`` without a store."""
    prepared: dict[Any, Any] = field(default_factory=dict)
    """The resolved preprocessing of the run's model features
    (:func:`imgsim.features.onnx_feature.known`): workers need not load the models."""
    read_store: bool = True
    """Workers look content up in the store. Not on a cluster: SQLite's write-ahead log
    needs every reader on the writer's machine (the client looks files up itself)."""


def extract_files(
    paths: Sequence[Path],
    options: ExtractOptions,
    *,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    store: FeatureStore | None = None,
) -> Iterator[ImageResult]:
    """Features of every file, in input order, streamed as they are ready.

    With a ``store``, stored features are reused and new ones are written to it
    (the caller closes the store, which commits the last batch).
    """
    size, workers = chunking(len(paths), workers=workers, chunk_size=chunk_size)
    # Unknown names, unusable options and model files fail before any work starts;
    # models are loaded with a runtime thread per worker.
    specs = _specs(options.features)
    check_params(specs, options.params, threads=workers)
    prepared: dict[Any, Any] = {}
    if model_specs(specs):
        from imgsim.features.onnx_feature import known

        prepared = known()
    store_path = store.path if store is not None and store.usable else None
    context = _ChunkContext(options, store_path, prepared, read_store=current() is None)
    return _extract_stream(paths, context, size, workers, progress, store)


def _extract_stream(
    paths: Sequence[Path],
    context: _ChunkContext,
    size: int,
    workers: int,
    progress: ProgressCallback | None,
    store: FeatureStore | None,
) -> Iterator[ImageResult]:
    plan = _plan(context.options)
    keys = plan.keys
    max_pixels = context.options.max_pixels
    jobs = (
        _look_up(list(paths[i : i + size]), plan, max_pixels, store)
        for i in range(0, len(paths), size)
    )
    ship = ships_bytes()
    if ship:
        jobs = (_with_bytes(job, stamped=context.store is not None) for job in jobs)
    idle = store.flush_if_due if store is not None else None
    try:
        yield from _merged(jobs, context, workers, idle, progress, store, keys, ship)
    finally:
        if context.store is not None:
            from imgsim.store_connections import release_reader

            release_reader(context.store)


_Item = Path | ShippedFile
_Job = tuple[tuple[list[Path], dict[int, ImageResult]], list[_Item]]
"""A chunk, its results found in the store, and its files to compute (shipped or not)."""


def _with_bytes(job: _Job, *, stamped: bool) -> _Job:
    """The job with each file to compute read here (unreadable ones are results here)."""
    from imgsim.distributed import read_files

    (chunk, found), misses = job
    paths = [item for item in misses if isinstance(item, Path)]
    shipped, unreadable = read_files(paths, stamped=stamped)
    positions = [index for index in range(len(chunk)) if index not in found]
    for position, reason in unreadable.items():
        found[positions[position]] = ImageResult(path=paths[position], error=reason)
    return (chunk, found), list(shipped)


def _merged(
    jobs: Iterator[_Job],
    context: _ChunkContext,
    workers: int,
    idle: Callable[[], None] | None,
    progress: ProgressCallback | None,
    store: FeatureStore | None,
    keys: dict[str, str],
    ship: bool,
) -> Iterator[ImageResult]:
    """Stored and computed results of each chunk, in input order, model features
    embedded; new ones recorded."""
    streamed = stream_chunks(
        _extract_chunk, jobs, context, workers=workers, idle=idle, setup=WORKERS, carries_bytes=ship
    )
    chunks = (_in_order(chunk, found, computed) for (chunk, found), computed in streamed)
    plan = _plan(context.options)
    for results in in_batches(chunks, plan.specs, plan.params, threads=workers):
        if store is not None:
            for result in results:
                record(store, result, keys)
        if progress is not None:
            progress(len(results), sum(result.stored for result in results))
        yield from results


def _in_order(
    chunk: list[Path], found: dict[int, ImageResult], computed: list[ImageResult]
) -> list[ImageResult]:
    """A chunk's results: those found in the store where they were, computed ones between."""
    fresh = iter(computed)
    return [found.get(index) or next(fresh) for index in range(len(chunk))]


def _look_up(chunk: list[Path], plan: _Plan, max_pixels: int, store: FeatureStore | None) -> _Job:
    """Split a chunk into results found in the store (by position) and files to compute."""
    found: dict[int, ImageResult] = {}
    if store is not None and store.usable:
        from imgsim.store import FileStamp

        stamps = {index: FileStamp.of(path) for index, path in enumerate(chunk)}
        keys = list(plan.keys.values())
        known = store.find([s for s in stamps.values() if s is not None], keys)
        for index, stamp in stamps.items():
            stored = known.get(stamp.path) if stamp is not None else None
            if stored is not None:
                found[index] = _stored_result(chunk[index], stored, plan, max_pixels)
    misses: list[_Item] = [path for index, path in enumerate(chunk) if index not in found]
    return (chunk, found), misses


def record(store: FeatureStore, result: ImageResult, keys: dict[str, str]) -> None:
    """Queue what a worker found for the store: new features, or (for content already
    stored under another name) only the file's path and digest."""
    if result.stamp is None or result.digest is None or result.width is None:
        return  # unreadable, or read without a store
    from imgsim.store import NewEntry

    store.add(
        NewEntry(
            stamp=result.stamp,
            digest=result.digest,
            width=result.width,
            height=result.height or 0,
            features={}
            if result.stored
            else {keys[name]: value for name, value in result.features.items()},
            names={key: name for name, key in keys.items()},
        )
    )


def _extract_chunk(items: list[_Item], context: _ChunkContext) -> list[ImageResult]:
    if context.prepared:
        from imgsim.features.onnx_feature import remember

        remember(context.prepared)
    reader = None
    if context.store is not None and context.read_store:
        from imgsim.store_connections import store_reader

        reader = store_reader(context.store)
    stamped = context.store is not None
    return [
        extract_file(item, context.options, reader=reader, stamped=stamped)
        if isinstance(item, Path)
        else extract_file(item.path, context.options, reader=reader, stamped=stamped, shipped=item)
        for item in items
    ]

"""Nearest gallery images and near-duplicate groups, on top of the exact top-k search.

A gallery is the feature values of a set of images with their paths: extracted from
a folder, or read from an ``.npz`` written by :meth:`Gallery.save` (a reusable
index that needs no decoding). :func:`rank` returns each query's closest gallery
items, optionally without the query's own file (byte-identical copies under another
name are kept) and only within a threshold; :func:`near_duplicate_groups` joins the
images of one set that lie within a threshold of each other into groups.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, Call, UsageError, Wording
from imgsim.features import FeatureParams, FeatureSpec
from imgsim.metrics.distances import Distance
from imgsim.metrics.search import _smallest, distance_blocks, topk

if TYPE_CHECKING:
    from imgsim.engine import ImageResult
    from imgsim.gallery import GalleryIndex
    from imgsim.gallery_writer import IndexWriter
    from imgsim.output import NpzMember


@dataclass(frozen=True)
class Gallery:
    """Feature values (as stored: packed bits for hashes) of images, with their paths."""

    paths: Sequence[str]
    values: NDArray[np.generic]

    @classmethod
    def load(cls, path: Path, spec: FeatureSpec, params: FeatureParams) -> Gallery:
        """Read a gallery (:meth:`save`): a gallery index (:mod:`imgsim.gallery`, opened
        memory-mapped: nothing but its metadata is read here) or an ``.npz`` (read whole),
        refusing another feature or options, any other file, and arrays that disagree with
        each other or with the metadata."""
        from imgsim.gallery import is_gallery_index, open_index

        if is_gallery_index(path):
            index = open_index(path)
            _require_feature(path, index.features, spec, params, index.damaged)
            values = index.values(spec.name)
            if values.shape[1] != spec.stored_width(params):
                raise index.damaged(f"{spec.name} has {values.shape[1]} values per image")
            return cls(index.paths, values)
        return cls._load_npz(path, spec, params)

    @classmethod
    def _load_npz(cls, path: Path, spec: FeatureSpec, params: FeatureParams) -> Gallery:
        from imgsim.npzfile import GALLERY, read_npz

        with read_npz(path, GALLERY) as npz:
            described = npz.meta.get("features")
            if not isinstance(described, dict):
                raise npz.damaged("its _meta does not describe its features")
            _require_feature(path, described, spec, params, npz.damaged)
            paths = npz.array("paths", 1, kinds="U")
            values = npz.array(spec.name, 2, kinds="u" if spec.kind == "hash" else "biuf")
            width = spec.stored_width(params)
            if values.shape != (len(paths), width):
                raise npz.damaged(
                    f"{spec.name} is {values.shape[0]}x{values.shape[1]}, but it lists "
                    f"{len(paths)} paths and {spec.name} has {width} values per image"
                )
            return cls([str(p) for p in paths], values)

    @staticmethod
    def save(
        path: Path,
        results: Iterable[ImageResult],
        specs: Sequence[FeatureSpec],
        params: FeatureParams,
        *,
        append: bool = False,
    ) -> int:
        """Write the readable ``results`` (unreadable ones are left out) as a gallery that
        :meth:`load` reads, streamed: memory holds one batch of rows, whatever their number.

        ``path`` ending in ``.imgidx`` is a gallery index (:mod:`imgsim.gallery`), which
        ``append`` adds to (it must hold the same features with the same options);
        anything else is an ``.npz``: ``paths``, one array per feature of ``specs`` (as
        stored: packed bits for hashes) and the metadata that says which features and
        options made them, copied member by member from a temporary index beside it.
        Returns the number of images written."""
        from imgsim import gallery, gallery_writer

        if append:
            with gallery_writer.appending(path, specs, params) as writer:
                return _add_readable(writer, results)
        if path.suffix.lower() == gallery.SUFFIX:
            with gallery_writer.creating(path, specs, params) as writer:
                return _add_readable(writer, results)
        return _save_npz(path, results, specs, params)


def _add_readable(writer: IndexWriter, results: Iterable[ImageResult]) -> int:
    """Add each readable result to ``writer``; the number added."""
    added = 0
    for result in results:
        if result.error is None:
            writer.add(str(result.path), result.features)
            added += 1
    return added


def _save_npz(
    path: Path, results: Iterable[ImageResult], specs: Sequence[FeatureSpec], params: FeatureParams
) -> int:
    """The ``.npz`` of :meth:`Gallery.save`, through a temporary gallery index beside it."""
    import tempfile

    from imgsim import gallery, gallery_writer
    from imgsim.output import write_npz_members

    parent = path.parent if str(path.parent) else Path()
    try:
        scratch = tempfile.TemporaryDirectory(prefix=f".{path.name}.", dir=parent)
    except OSError as error:
        raise UsageError(
            Wording.concat(
                Wording.of(Argument("out")), f" {path}: cannot write there ({error.strerror})"
            )
        ) from None
    with scratch as folder:
        staged = Path(folder) / f"staged{gallery.SUFFIX}"
        with gallery_writer.creating(staged, specs, params) as writer:
            written = _add_readable(writer, results)
        write_npz_members(path, _npz_members(gallery.open_index(staged), specs, params))
    return written


def _npz_members(
    index: GalleryIndex, specs: Sequence[FeatureSpec], params: FeatureParams
) -> Iterator[NpzMember]:
    """The members of a gallery ``.npz`` (what ``numpy.savez`` wrote before), read from
    ``index`` a block of rows at a time."""
    import json

    from imgsim import __version__
    from imgsim.npzfile import GALLERY
    from imgsim.output import NpzMember

    count = index.count
    text = np.dtype(f"<U{max(1, int(index.meta.get('longest_path', 0)))}")

    def paths() -> Iterator[bytes]:
        for chunk in index.path_chunks(max(1, _NPZ_CHUNK_BYTES // text.itemsize)):
            yield np.array(chunk, dtype=text).tobytes()

    yield NpzMember("paths", text, (count,), paths)
    for spec in specs:
        entry = index.features[spec.name]

        def rows(name: str = spec.name) -> Iterator[bytes]:
            return index.value_chunks(name, _NPZ_CHUNK_BYTES)

        yield NpzMember(spec.name, np.dtype(entry["dtype"]), (count, int(entry["width"])), rows)
    meta = {
        "kind": GALLERY.kind,  # so that a gallery given as statistics says what it is
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
    described = np.array(json.dumps(meta))
    yield NpzMember("_meta", described.dtype, (), lambda: [described.tobytes()])


_NPZ_CHUNK_BYTES = 4 * 1024 * 1024
"""Bytes of an array copied into an ``.npz`` member at a time."""


def _require_feature(
    path: Path,
    described: Mapping[str, Any],
    spec: FeatureSpec,
    params: FeatureParams,
    damaged: Callable[[str], UsageError],
) -> None:
    """Refuse a gallery that does not hold ``spec`` computed with ``params``."""
    stored = described.get(spec.name)
    if stored is None:
        raise UsageError(
            Wording.concat(
                f"{path} holds {', '.join(described) or 'no features'}, not {spec.name}; ",
                Wording.of(_write_gallery_of(spec.name, path)),
            )
        )
    if not isinstance(stored, dict):
        raise damaged(f"its _meta does not describe {spec.name}")
    wanted = {"version": spec.version, "params": spec.param_values(params)}
    found = {"version": stored.get("version"), "params": stored.get("params")}
    if found != wanted:
        raise UsageError(
            f"{path} holds {spec.name} {found}, but this search needs {wanted}; "
            "extract the gallery again with the same options"
        )


def _write_gallery_of(feature: str, path: Path) -> Call:
    """The advice to write a gallery file of ``feature`` at ``path``."""
    return Call(
        "write_gallery_of",
        "write one with imgsim.extract_gallery({path!r}, FILES, "
        "ExtractOptions(features=({feature!r},)))",
        (("feature", feature), ("path", str(path)), ("file", path.name)),
    )


@dataclass(frozen=True)
class Match:
    """One gallery item close to a query."""

    rank: int
    """1 for the closest."""
    index: int
    """Position in the gallery."""
    score: float | int
    """The distance or similarity (an int for hamming: a number of bits)."""


def search_values(
    spec: FeatureSpec, metric: Distance, values: NDArray[np.generic]
) -> NDArray[np.generic]:
    """What the search compares: packed bits for hamming, hash bits unpacked to 0/1 for
    other distances, vectors as stored (float32; the distances compute in float64 or, for
    faiss, float32) for every other feature, without a copy."""
    metric.require_hash(spec)
    if metric.needs_bits:
        return np.asarray(values, dtype=np.uint8)
    if spec.kind == "hash":
        return spec.vectors(values)
    return np.asarray(values)


def _rows(values: NDArray[np.generic], start: int, stop: int) -> NDArray[np.generic]:
    """``values[start:stop]``; of a memory-mapped file, read with a plain read: the
    pages of a map count as the process's resident memory once touched (a search of a
    1,000,000 x 216 gallery index through its map peaked at 976 MB)."""
    if not isinstance(values, np.memmap) or values.filename is None or values.ndim != 2:
        return values[start:stop]
    stop = min(stop, len(values))
    row_bytes = values.shape[1] * values.dtype.itemsize
    rows = np.fromfile(
        values.filename,
        dtype=values.dtype,
        count=(stop - start) * values.shape[1],
        offset=values.offset + start * row_bytes,
    )
    return rows.reshape(stop - start, values.shape[1])


SEARCH_CHUNK_BYTES = 64 * 1024 * 1024
"""Gallery values searched at a time (as the search reads them): a memory-mapped gallery
is read a chunk at a time and never held whole, whatever its size."""

Prepare = Callable[[NDArray[np.generic]], NDArray[np.generic]]
"""Turns a chunk of stored gallery values into what the search compares."""


def rank(
    queries: NDArray[np.generic],
    gallery: NDArray[np.generic],
    k: int,
    metric: Distance,
    *,
    prepare: Prepare | None = None,
    exclude: Sequence[frozenset[int]] = (),
    threshold: float | None = None,
) -> list[list[Match]]:
    """The ``k`` closest gallery items of each query, closest first.

    The gallery is searched in chunks of :data:`SEARCH_CHUNK_BYTES` (each passed through
    ``prepare`` first, e.g. :func:`search_values`) whose best matches are merged: the
    result is exact, ties going to the earlier gallery item as in one search. ``exclude[q]``
    lists gallery positions never returned for query ``q`` (its own file, see
    :func:`same_images`); ``threshold`` keeps only matches within it (at most this
    distance, at least this similarity).
    """
    extra = max((len(skip) for skip in exclude), default=0)
    index, scores = chunked_topk(queries, gallery, k + extra, metric, prepare)
    results: list[list[Match]] = []
    for row in range(len(queries)):
        skip = exclude[row] if exclude else frozenset()
        matches: list[Match] = []
        for position, score in zip(index[row].tolist(), scores[row].tolist(), strict=True):
            if position in skip or not _within(score, threshold, metric):
                continue
            value = int(score) if metric.needs_bits else score
            matches.append(Match(len(matches) + 1, position, value))
            if len(matches) == k:
                break
        results.append(matches)
    return results


def chunked_topk(
    queries: NDArray[np.generic],
    gallery: NDArray[np.generic],
    k: int,
    metric: Distance,
    prepare: Prepare | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """:func:`~imgsim.metrics.search.topk` over ``gallery`` a chunk at a time, merged."""
    prepare = prepare or np.asarray
    if len(gallery) == 0:
        return topk(queries, prepare(gallery), k, metric.name)
    row_bytes = max(1, prepare(gallery[:1]).nbytes)
    step = max(1, SEARCH_CHUNK_BYTES // row_bytes)
    if step >= len(gallery):
        return topk(queries, prepare(_rows(gallery, 0, len(gallery))), k, metric.name)
    sign = -1.0 if metric.higher_is_closer else 1.0
    best_keys = np.zeros((len(queries), 0))
    best_index = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(gallery), step):
        chunk = prepare(_rows(gallery, start, start + step))
        index, scores = topk(queries, chunk, k, metric.name)
        keys = np.concatenate([best_keys, sign * scores], axis=1)
        positions = np.concatenate([best_index, index + start], axis=1)
        best_index, best_keys = _smallest(keys, positions, min(k, keys.shape[1]))
    return best_index, sign * best_keys


def _within(score: float, threshold: float | None, metric: Distance) -> bool:
    return threshold is None or metric.is_within(score, threshold)


def same_images(query_paths: Sequence[str], gallery_paths: Sequence[str]) -> list[frozenset[int]]:
    """For each query, the gallery positions of the same file (the same resolved path).

    A byte-identical copy under another name is *not* the same file: finding such
    copies is what a near-duplicate or memorisation search is for, so they stay, at
    distance 0, ahead of every other match (ties go to the earlier gallery item).
    """
    by_path: dict[str, set[int]] = {}
    for position, path in enumerate(gallery_paths):
        by_path.setdefault(os.path.realpath(path), set()).add(position)
    return [frozenset(by_path.get(os.path.realpath(path), ())) for path in query_paths]


def near_duplicate_groups(
    values: NDArray[np.generic], metric: Distance, threshold: float
) -> list[list[int]]:
    """Groups of positions linked by pairs within ``threshold`` (single linkage), each
    group once, in order of its first member; images without a near-duplicate are left out."""
    parent = list(range(len(values)))

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for row, column, block in distance_blocks(values, values, metric.name):
        near = metric.is_within(block, threshold)
        rows, columns = np.nonzero(near)
        for a, b in zip((rows + row).tolist(), (columns + column).tolist(), strict=True):
            if a < b:
                first, second = root(a), root(b)
                if first != second:
                    parent[max(first, second)] = min(first, second)
    groups: dict[int, list[int]] = {}
    for item in range(len(values)):
        groups.setdefault(root(item), []).append(item)
    return [members for members in groups.values() if len(members) > 1]

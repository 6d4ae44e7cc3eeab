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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Call, UsageError, Wording
from imgsim.features import FeatureParams, FeatureSpec
from imgsim.metrics.distances import Distance
from imgsim.metrics.search import distance_blocks, topk

if TYPE_CHECKING:
    from imgsim.engine import ImageResult


@dataclass(frozen=True)
class Gallery:
    """Feature values (as stored: packed bits for hashes) of images, with their paths."""

    paths: list[str]
    values: NDArray[np.generic]

    @classmethod
    def load(cls, path: Path, spec: FeatureSpec, params: FeatureParams) -> Gallery:
        """Read a gallery file (:meth:`save`), refusing another feature or options,
        any other file, and arrays that disagree with each other or with the metadata."""
        from imgsim.npzfile import GALLERY, read_npz

        with read_npz(path, GALLERY) as npz:
            described = npz.meta.get("features")
            if not isinstance(described, dict):
                raise npz.damaged("its _meta does not describe its features")
            stored = described.get(spec.name)
            if stored is None:
                raise UsageError(
                    Wording.concat(
                        f"{path} holds {', '.join(described) or 'no features'}, not {spec.name}; ",
                        Wording.of(_write_gallery_of(spec.name, path)),
                    )
                )
            if not isinstance(stored, dict):
                raise npz.damaged(f"its _meta does not describe {spec.name}")
            wanted = {"version": spec.version, "params": spec.param_values(params)}
            found = {"version": stored.get("version"), "params": stored.get("params")}
            if found != wanted:
                raise UsageError(
                    f"{path} holds {spec.name} {found}, but this search needs {wanted}; "
                    "extract the gallery again with the same options"
                )
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
    ) -> int:
        """Write the readable ``results`` (unreadable ones are left out) as a gallery file that
        :meth:`load` reads: ``paths``, one array per feature of ``specs`` (as stored: packed
        bits for hashes) and the metadata that says which features and options made them.
        Returns the number of images written."""
        import json

        from imgsim import __version__
        from imgsim.npzfile import GALLERY
        from imgsim.output import write_npz

        paths: list[str] = []
        columns: dict[str, list[NDArray[np.generic]]] = {spec.name: [] for spec in specs}
        for result in results:
            if result.error is not None:
                continue
            paths.append(str(result.path))
            for spec in specs:
                columns[spec.name].append(result.features[spec.name])
        arrays: dict[str, NDArray[np.generic]] = {"paths": np.array(paths, dtype=str)}
        for spec in specs:
            arrays[spec.name] = np.array(columns[spec.name], dtype=spec.stored_dtype).reshape(
                len(paths), spec.stored_width(params)
            )
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
        arrays["_meta"] = np.array(json.dumps(meta))
        write_npz(path, arrays)
        return len(paths)


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
    """What the search compares: packed bits for hamming, float vectors otherwise."""
    metric.require_hash(spec)
    if metric.needs_bits:
        return np.asarray(values, dtype=np.uint8)
    return spec.vectors(values)


def rank(
    queries: NDArray[np.generic],
    gallery: NDArray[np.generic],
    k: int,
    metric: Distance,
    *,
    exclude: Sequence[frozenset[int]] = (),
    threshold: float | None = None,
) -> list[list[Match]]:
    """The ``k`` closest gallery items of each query, closest first.

    ``exclude[q]`` lists gallery positions never returned for query ``q`` (its own
    file, see :func:`same_images`); ``threshold`` keeps only matches within it (at most this
    distance, at least this similarity).
    """
    extra = max((len(skip) for skip in exclude), default=0)
    index, scores = topk(queries, gallery, k + extra, metric.name)
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

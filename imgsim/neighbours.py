"""Nearest gallery images and near-duplicate groups, on top of the exact top-k search.

A gallery is the feature values of a set of images with their paths: extracted from
a folder, or read from an ``.npz`` written by ``imgsim extract --out`` (a reusable
index that needs no decoding). :func:`rank` returns each query's closest gallery
items, optionally without the query itself (same file or same content) and only
within a threshold; :func:`near_duplicate_groups` joins the images of one set that
lie within a threshold of each other into groups.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError
from imgsim.features import FeatureParams, FeatureSpec
from imgsim.metrics.distances import Distance
from imgsim.metrics.search import distance_blocks, topk


@dataclass(frozen=True)
class Gallery:
    """Feature values (as stored: packed bits for hashes) of images, with their paths."""

    paths: list[str]
    values: NDArray[np.generic]

    @classmethod
    def load(cls, path: Path, spec: FeatureSpec, params: FeatureParams) -> Gallery:
        """Read an ``imgsim extract --out X.npz`` file, refusing another feature or options."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["_meta"]))
                stored = meta["features"].get(spec.name)
                if stored is None:
                    raise UsageError(
                        f"{path} holds {', '.join(meta['features'])}, not {spec.name}; "
                        f"run `imgsim extract GALLERY -f {spec.name} --out {path.name}`"
                    )
                wanted = {"version": spec.version, "params": spec.param_values(params)}
                found = {"version": stored["version"], "params": stored["params"]}
                if found != wanted:
                    raise UsageError(
                        f"{path} holds {spec.name} {found}, but this search needs {wanted}; "
                        "extract the gallery again with the same options"
                    )
                return cls([str(p) for p in data["paths"]], np.asarray(data[spec.name]))
        except (OSError, ValueError, KeyError) as error:
            raise UsageError(
                f"{path}: not a feature file written by `imgsim extract --out` ({error})"
            ) from None


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
    from imgsim.reference import feature_matrix

    if metric.needs_bits:
        if spec.kind != "hash":
            raise UsageError(f"distance {metric.name} works on hashes, not on {spec.name}")
        return np.asarray(values, dtype=np.uint8)
    return feature_matrix(spec, values)


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

    ``exclude[q]`` lists gallery positions never returned for query ``q`` (itself,
    copies of it); ``threshold`` keeps only matches within it (at most this
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
    if threshold is None:
        return True
    return score >= threshold if metric.higher_is_closer else score <= threshold


def same_images(query_paths: Sequence[str], gallery_paths: Sequence[str]) -> list[frozenset[int]]:
    """For each query, the gallery positions of the same file or of a file with the same bytes."""
    from imgsim.store import file_digest

    def identity(path: str) -> tuple[str, bytes | None]:
        real = os.path.realpath(path)
        try:
            return real, file_digest(Path(real).read_bytes())
        except OSError:
            return real, None

    by_key: dict[object, set[int]] = {}
    for position, path in enumerate(gallery_paths):
        real, digest = identity(path)
        by_key.setdefault(real, set()).add(position)
        if digest is not None:
            by_key.setdefault(digest, set()).add(position)
    excluded = []
    for path in query_paths:
        real, digest = identity(path)
        same = by_key.get(real, set()) | (by_key.get(digest, set()) if digest else set())
        excluded.append(frozenset(same))
    return excluded


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
        near = block >= threshold if metric.higher_is_closer else block <= threshold
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

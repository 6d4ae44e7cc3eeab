"""Exact nearest-neighbour search and distance blocks of bounded memory.

Every set metric that needs neighbours (precision, recall, density, coverage,
near-duplicates) walks the query x gallery distance matrix through
:func:`distance_blocks`, a block at a time, so that memory stays bounded whatever
the number of vectors. Euclidean distances and cosine similarities use matrix
products (BLAS); every other distance of the registry its own pairwise form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.distances import get_distance, pairwise

Matrix = NDArray[np.float64]

BLOCK_VALUES = 4 * 1024 * 1024
"""Distances per block (32 MB of float64)."""
FAISS_GALLERY_BYTES = 256 * 1024 * 1024
"""Gallery rows handed to faiss at a time (as float32): the extra memory of a search."""
Backend = Literal["auto", "numpy"]
TIE_TOLERANCE = 1e-9
"""Keys closer than this, relative to the largest of the row, are ties: a matrix product
gives identical gallery rows values a few ulps apart, depending on where they sit."""
_UNIT_TOLERANCE = 1e-5
"""Rows whose length is this close to 1 are searched as they are for cosine."""
_FAISS_METRICS = frozenset({"cosine", "euclidean", "sqeuclidean", "manhattan", "hamming"})


def distance_blocks(
    queries: NDArray[np.generic], gallery: NDArray[np.generic], distance: str
) -> Iterator[tuple[int, int, Matrix]]:
    """``(first query, first gallery item, distances)`` blocks covering the whole matrix."""
    metric = get_distance(distance)
    fast = _FAST_KERNELS.get(metric.name)
    if fast is not None:
        queries, gallery = np.asarray(queries, np.float64), np.asarray(gallery, np.float64)
    rows = max(1, min(len(queries), BLOCK_VALUES // max(1, len(gallery))))
    columns = max(1, min(len(gallery), BLOCK_VALUES // rows))
    for row in range(0, len(queries), rows):
        for column in range(0, len(gallery), columns):
            block_queries = queries[row : row + rows]
            block_gallery = gallery[column : column + columns]
            if fast is not None:
                yield row, column, fast(_floats(block_queries), _floats(block_gallery))
            else:
                yield row, column, pairwise(metric.name, block_queries, block_gallery)


def topk(
    queries: NDArray[np.generic],
    gallery: NDArray[np.generic],
    k: int,
    distance: str,
    *,
    backend: Backend = "auto",
) -> tuple[NDArray[np.int64], Matrix]:
    """The ``k`` gallery items closest to each query: indices and scores, (Q, k) each.

    Closest first (smallest distance, or largest similarity); ties go to the
    earlier gallery item. ``k`` larger than the gallery is cut to its size.

    ``backend="auto"`` searches cosine, euclidean, squared euclidean and manhattan
    with faiss's exact brute-force search (in float32, over gallery blocks of bounded
    size) and hamming with faiss's binary flat index; every other distance, and
    ``backend="numpy"``, goes through float64 NumPy blocks.
    """
    metric = get_distance(distance)
    k = min(k, len(gallery))
    if k == 0:
        return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0))
    if backend == "auto" and metric.name in _FAISS_METRICS:
        return _faiss_topk(queries, gallery, k, metric.name)
    return _numpy_topk(queries, gallery, k, metric.name)


def _numpy_topk(
    queries: NDArray[np.generic], gallery: NDArray[np.generic], k: int, distance: str
) -> tuple[NDArray[np.int64], Matrix]:
    sign = -1.0 if get_distance(distance).higher_is_closer else 1.0
    best_keys = np.full((len(queries), k), np.inf)
    best_index = np.zeros((len(queries), k), dtype=np.int64)
    for row, column, block in distance_blocks(queries, gallery, distance):
        rows = slice(row, row + len(block))
        positions = np.arange(column, column + block.shape[1])
        keys = np.concatenate([best_keys[rows], sign * block], axis=1)
        index = np.concatenate([best_index[rows], np.broadcast_to(positions, block.shape)], axis=1)
        best_index[rows], best_keys[rows] = _smallest(keys, index, k)
    return best_index, sign * best_keys


def _faiss_topk(
    queries: NDArray[np.generic], gallery: NDArray[np.generic], k: int, distance: str
) -> tuple[NDArray[np.int64], Matrix]:
    import faiss  # only searches pay for importing faiss

    if distance == "hamming":
        binary = faiss.IndexBinaryFlat(gallery.shape[1] * 8)
        binary.add(np.ascontiguousarray(gallery, dtype=np.uint8))
        found, position = binary.search(np.ascontiguousarray(queries, dtype=np.uint8), k)
        # faiss keeps the first of equal distances, i.e. the earlier gallery item.
        keys = np.asarray(found, dtype=np.float64)
        return _smallest(keys, np.asarray(position, dtype=np.int64), k)
    cosine = distance == "cosine"
    sign = -1.0 if cosine else 1.0
    wanted = min(k + 1, len(gallery))  # one more, to see ties at the k-th place
    query_block = _as_float32(queries, unit=cosine)
    best_keys = np.full((len(queries), wanted), np.inf)
    best_index = np.zeros((len(queries), wanted), dtype=np.int64)
    step = max(1, FAISS_GALLERY_BYTES // (4 * max(1, gallery.shape[1])))
    for start in range(0, len(gallery), step):
        block = _as_float32(gallery[start : start + step], unit=cosine)
        found, position = faiss.knn(
            query_block, block, min(wanted, len(block)), metric=_faiss_metric(faiss, distance)
        )
        keys = np.concatenate([best_keys, sign * np.asarray(found, dtype=np.float64)], axis=1)
        index = np.concatenate([best_index, np.asarray(position, dtype=np.int64) + start], axis=1)
        best_index, best_keys = _smallest(keys, index, wanted)
        del block  # before the next block is made: at most one block of extra memory
    if wanted > k:
        # An item tied with the k-th may hide beyond the places faiss returned:
        # settle those few queries exactly.
        tied = best_keys[:, k - 1] == best_keys[:, k]
        if tied.any():
            searched = "sqeuclidean" if distance == "euclidean" else distance  # keys are squared
            exact_index, exact_scores = _numpy_topk(queries[tied], gallery, wanted, searched)
            best_index[tied], best_keys[tied] = exact_index, sign * exact_scores
    scores = sign * best_keys[:, :k]
    if distance == "euclidean":
        scores = np.sqrt(np.maximum(scores, 0.0))
    return best_index[:, :k], scores


def _faiss_metric(faiss: Any, distance: str) -> Any:
    if distance == "cosine":
        return faiss.METRIC_INNER_PRODUCT  # of unit vectors
    return faiss.METRIC_L1 if distance == "manhattan" else faiss.METRIC_L2


def _as_float32(values: NDArray[np.generic], *, unit: bool) -> NDArray[np.float32]:
    """C-contiguous float32 rows (no copy when they already are); for cosine, rows of unit
    length (copied and scaled unless they already are; zero rows stay zero)."""
    matrix = np.ascontiguousarray(values, dtype=np.float32)
    if unit:
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
        if not np.all(np.abs(norms - 1.0) <= _UNIT_TOLERANCE):
            scale = np.where(norms > 0, norms, 1.0).astype(np.float32)
            matrix = np.asarray(matrix / scale[:, None], dtype=np.float32)
    return matrix


def _smallest(keys: Matrix, index: NDArray[np.int64], k: int) -> tuple[NDArray[np.int64], Matrix]:
    """Per row, the ``k`` entries smallest by key, in order; keys equal up to rounding
    (:data:`TIE_TOLERANCE`) are ties, settled by the smaller index."""
    tolerance = TIE_TOLERANCE * np.maximum(_row_scale(keys), np.finfo(np.float64).tiny)
    if keys.shape[1] > k:
        chosen = np.argpartition(keys, k - 1, axis=1)[:, :k]
        kth = np.take_along_axis(keys, chosen, axis=1).max(axis=1, keepdims=True)
        tied = (keys <= kth + tolerance).sum(axis=1) > k  # more candidates than places
        if tied.any():
            chosen[tied] = _tie_order(keys[tied], index[tied], tolerance[tied])[:, :k]
        keys = np.take_along_axis(keys, chosen, axis=1)
        index = np.take_along_axis(index, chosen, axis=1)
    order = _tie_order(keys, index, tolerance)
    return np.take_along_axis(index, order, axis=1), np.take_along_axis(keys, order, axis=1)


def _row_scale(keys: Matrix) -> Matrix:
    finite = np.where(np.isfinite(keys), np.abs(keys), 0.0)
    return finite.max(axis=1, keepdims=True) if keys.shape[1] else np.ones((len(keys), 1))


def _tie_order(keys: Matrix, index: NDArray[np.int64], tolerance: Matrix) -> NDArray[np.int64]:
    """Per row, positions sorted by key, runs of keys within ``tolerance`` by index."""
    by_key = np.lexsort((index, keys))
    sorted_keys = np.take_along_axis(keys, by_key, axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf for the places not filled yet
        steps = np.diff(sorted_keys, axis=1) > tolerance
    runs = np.concatenate([np.zeros((len(keys), 1), np.int64), np.cumsum(steps, axis=1)], axis=1)
    within = np.lexsort((np.take_along_axis(index, by_key, axis=1), runs))
    return np.take_along_axis(by_key, within, axis=1)


def kth_neighbour_distances(features: NDArray[np.generic], k: int, distance: str) -> Matrix:
    """Distance from each vector to its k-th nearest *other* vector of the same set.

    As Kynkäänniemi et al. and the ``prdc`` package count it: the (k+1)-th smallest
    distance of the row, the vector's zero distance to itself being the first.
    """
    _, scores = topk(features, features, k + 1, distance, backend="numpy")
    return scores[:, k]


def _floats(values: NDArray[np.generic]) -> Matrix:
    return np.asarray(values, dtype=np.float64)


def _euclidean(x: Matrix, y: Matrix) -> Matrix:
    return np.sqrt(_squared_euclidean(x, y))


def _squared_euclidean(x: Matrix, y: Matrix) -> Matrix:
    squares = np.einsum("ij,ij->i", x, x)[:, None] + np.einsum("ij,ij->i", y, y)[None, :]
    return np.asarray(np.maximum(squares - 2.0 * (x @ y.T), 0.0), dtype=np.float64)


def _cosine(x: Matrix, y: Matrix) -> Matrix:
    return pairwise("cosine", x, y)


_FAST_KERNELS = {"euclidean": _euclidean, "sqeuclidean": _squared_euclidean, "cosine": _cosine}

"""``imgsim.topk`` against brute force: every distance, both backends, forced blocks, ties."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

import imgsim
from imgsim.metrics import search
from imgsim.metrics.distances import DISTANCES

SCIPY_NAMES = {
    "euclidean": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "manhattan": "cityblock",
    "chebyshev": "chebyshev",
    "cosine": "cosine",
    "correlation": "correlation",
}
VECTOR_DISTANCES = [name for name, d in DISTANCES.items() if not d.needs_bits]


def full_matrix(
    queries: NDArray[np.float64], gallery: NDArray[np.float64], name: str
) -> NDArray[np.float64]:
    """Every query-gallery value by SciPy's cdist (imgsim.pairwise where SciPy has none)."""
    if name not in SCIPY_NAMES:
        return imgsim.pairwise(name, queries, gallery)
    matrix = cdist(queries, gallery, SCIPY_NAMES[name])
    return 1.0 - matrix if DISTANCES[name].higher_is_closer else matrix  # cosine similarity


def brute_force(
    queries: NDArray[np.float64], gallery: NDArray[np.float64], k: int, name: str
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The full matrix, stably sorted: the k closest of each query and their values."""
    matrix = full_matrix(queries, gallery, name)
    keys = -matrix if DISTANCES[name].higher_is_closer else matrix
    order = np.argsort(keys, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(matrix, order, axis=1)


def _histograms(rows: int, seed: int) -> NDArray[np.float64]:
    return np.random.default_rng(seed).dirichlet(np.full(24, 0.5), rows)


@pytest.mark.parametrize("name", VECTOR_DISTANCES)
@pytest.mark.parametrize("backend", ["auto", "numpy"])
def test_topk_equals_brute_force_on_random_histograms(
    name: str, backend: search.Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "BLOCK_VALUES", 5000)
    monkeypatch.setattr(search, "FAISS_GALLERY_BYTES", 24 * 4 * 300)
    queries, gallery = _histograms(40, 1), _histograms(1000, 2)
    index, scores = search.topk(queries, gallery, 7, name, backend=backend)
    expected_index, expected_scores = brute_force(queries, gallery, 7, name)
    assert (index == expected_index).all()
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["euclidean", "manhattan", "cosine", "chi2"])
def test_topk_equals_brute_force_on_real_features(
    name: str, photos: dict[str, NDArray[np.uint8]]
) -> None:
    rng = np.random.default_rng(0)
    crops = []
    for pixels in photos.values():
        for _ in range(30):
            top = int(rng.integers(0, pixels.shape[0] - 48))
            left = int(rng.integers(0, pixels.shape[1] - 48))
            crops.append(pixels[top : top + 48, left : left + 48])
    vectors = imgsim.extract(crops, "color_hist").astype(np.float64)
    queries, gallery = vectors[:20], vectors[20:]
    index, _ = imgsim.topk(queries, gallery, 5, name)
    _, expected_scores = brute_force(queries, gallery, 5, name)
    # Crops of even regions have histograms a few float32 ulps apart, equal for faiss's
    # float32 search: such near-ties may swap places, so compare what was found by value.
    found = np.take_along_axis(full_matrix(queries, gallery, name), index, axis=1)
    np.testing.assert_allclose(found, expected_scores, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("backend", ["auto", "numpy"])
def test_hamming_topk_equals_a_popcount_brute_force(backend: search.Backend) -> None:
    rng = np.random.default_rng(3)
    gallery = rng.integers(0, 256, (3000, 8), dtype=np.uint8)
    queries = rng.integers(0, 256, (30, 8), dtype=np.uint8)
    bits = np.unpackbits(queries[:, None, :] ^ gallery[None, :, :], axis=2).sum(axis=2)
    expected = np.argsort(bits, axis=1, kind="stable")[:, :10]
    index, scores = search.topk(queries, gallery, 10, "hamming", backend=backend)
    assert ((index == expected).all(), (scores == np.take_along_axis(bits, expected, 1)).all()) == (
        True,
        True,
    )


@pytest.mark.parametrize("name", ["euclidean", "cosine", "manhattan", "chi2", "hamming"])
def test_ties_go_to_the_earlier_gallery_item(name: str) -> None:
    rng = np.random.default_rng(4)
    if name == "hamming":
        distinct = rng.integers(0, 256, (5, 8), dtype=np.uint8)
    else:
        distinct = _histograms(5, 5)
    gallery = np.repeat(distinct, 20, axis=0)[np.random.default_rng(6).permutation(100)]
    queries = distinct[:3]
    index, _ = search.topk(queries, gallery, 12, name)
    for row, query in enumerate(queries):
        copies = np.flatnonzero((gallery == query).all(axis=1))
        assert index[row, :12].tolist()[: len(copies)] == copies.tolist()[:12]


def test_k_larger_than_the_gallery_returns_the_whole_gallery() -> None:
    gallery = _histograms(4, 7)
    index, scores = imgsim.topk(gallery[:2], gallery, 10, "euclidean")
    assert (index.shape, scores.shape) == ((2, 4), (2, 4))

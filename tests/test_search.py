"""``imgsim.topk`` against brute force: the whole distance matrix, stably sorted.

The reference is ``scipy.spatial.distance.cdist`` where SciPy defines the distance
(cosine and correlation as similarities, ``1 - cdist``, sorted descending), and
``imgsim.pairwise`` for the histogram distances SciPy lacks (those are checked
against OpenCV and their formulas in ``test_distances.py``). A stable argsort of
the full matrix breaks ties by gallery order, which is what ``topk`` promises.
``BLOCK_VALUES`` and ``FAISS_GALLERY_BYTES`` are made tiny so that the search
walks many blocks on both backends.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

import imgsim
from imgsim.metrics import search
from imgsim.metrics.distances import get_distance

Matrix = NDArray[np.float64]
Indices = NDArray[np.int64]

SCIPY_NAMES = {
    "euclidean": "euclidean",
    "sqeuclidean": "sqeuclidean",
    "cityblock": "cityblock",
    "manhattan": "cityblock",
    "chebyshev": "chebyshev",
    "cosine": "cosine",
    "correlation": "correlation",
}
WITHOUT_SCIPY = ["chi2", "intersection", "jensenshannon", "bhattacharyya", "hellinger"]
VECTOR_DISTANCES = [*SCIPY_NAMES, *WITHOUT_SCIPY]
BACKENDS = ["auto", "numpy"]
FEATURE_WIDTH = 16


def reference_matrix(queries: Matrix, gallery: Matrix, name: str) -> Matrix:
    """Every query-gallery value: SciPy's cdist (a similarity for cosine and correlation)."""
    if name not in SCIPY_NAMES:
        return np.asarray(imgsim.pairwise(name, queries, gallery), dtype=np.float64)
    values: Matrix = cdist(queries, gallery, SCIPY_NAMES[name])
    return 1.0 - values if get_distance(name).higher_is_closer else values


def brute_force(queries: Matrix, gallery: Matrix, k: int, name: str) -> tuple[Indices, Matrix]:
    """The k closest of each query by a stable sort of the full matrix, and their values."""
    values = reference_matrix(queries, gallery, name)
    keys = -values if get_distance(name).higher_is_closer else values
    order = np.argsort(keys, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(values, order, axis=1)


def histograms(rows: int, seed: int) -> Matrix:
    """Random L1-normalised histograms: valid input for every vector distance."""
    return np.random.default_rng(seed).dirichlet(np.full(FEATURE_WIDTH, 0.5), rows)


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 37 distances (NumPy) and of 23 gallery rows (faiss)."""
    monkeypatch.setattr(search, "BLOCK_VALUES", 37)
    monkeypatch.setattr(search, "FAISS_GALLERY_BYTES", 4 * FEATURE_WIDTH * 23)


# --------------------------------------------------------------------------- brute force


@pytest.mark.usefixtures("tiny_blocks")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", VECTOR_DISTANCES)
def test_topk_finds_the_brute_force_neighbours(name: str, backend: search.Backend) -> None:
    queries, gallery = histograms(25, seed=1), histograms(300, seed=2)
    expected, _ = brute_force(queries, gallery, 7, name)

    found, _ = search.topk(queries, gallery, 7, name, backend=backend)

    np.testing.assert_array_equal(found, expected)


@pytest.mark.usefixtures("tiny_blocks")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", VECTOR_DISTANCES)
def test_topk_scores_are_the_brute_force_values(name: str, backend: search.Backend) -> None:
    queries, gallery = histograms(25, seed=3), histograms(300, seed=4)
    _, expected = brute_force(queries, gallery, 7, name)

    _, scores = search.topk(queries, gallery, 7, name, backend=backend)

    # faiss searches in float32; the NumPy blocks are float64.
    rtol, atol = (1e-5, 1e-6) if backend == "auto" else (1e-12, 0.0)
    np.testing.assert_allclose(scores, expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", ["euclidean", "cosine", "chi2", "bhattacharyya"])
def test_topk_on_real_colour_histograms_finds_the_brute_force_neighbours(
    name: str, photos: dict[str, NDArray[np.uint8]]
) -> None:
    # Whole photographs at nine scales: histograms far enough apart that float32 (faiss)
    # and float64 (cdist) rank them alike.
    images = [pixels[::step, ::step] for pixels in photos.values() for step in range(1, 10)]
    vectors = imgsim.extract(images, "color_hist").astype(np.float64)
    queries, gallery = vectors[::4], vectors
    expected, _ = brute_force(queries, gallery, 5, name)

    found, _ = imgsim.topk(queries, gallery, 5, name)

    np.testing.assert_array_equal(found, expected)


# --------------------------------------------------------------------------- ties


def dyadic_rows() -> tuple[Matrix, Matrix]:
    """A query and a gallery of copies of three rows, in mixed order.

    The values are multiples of 1/4 with dyadic sums, so that every distance of
    the registry, however it is computed, gives the copies exactly equal values.
    """
    a = np.array([1.0, 0.0, 2.0, 1.0])
    b = np.array([0.0, 1.0, 1.0, 2.0])
    c = np.array([2.0, 1.0, 1.0, 0.0])
    query = np.array([[1.0, 2.0, 0.0, 1.0]])
    return query / 4, np.stack([b, a, c, a, b, c, a]) / 4


@pytest.mark.usefixtures("tiny_blocks")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", VECTOR_DISTANCES)
def test_equal_values_go_to_the_earlier_gallery_item(name: str, backend: search.Backend) -> None:
    query, gallery = dyadic_rows()
    expected, _ = brute_force(query, gallery, 7, name)

    found, _ = search.topk(query, gallery, 7, name, backend=backend)

    np.testing.assert_array_equal(found, expected)


def test_copies_of_the_query_come_first_in_gallery_order() -> None:
    _, gallery = dyadic_rows()
    query = gallery[1:2]  # the row `a`, held at gallery positions 1, 3 and 6

    found, _ = imgsim.topk(query, gallery, 3, "euclidean")

    assert found.tolist() == [[1, 3, 6]]


@pytest.mark.usefixtures("tiny_blocks")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["euclidean", "manhattan", "chebyshev", "sqeuclidean"])
def test_integer_vectors_at_equal_distances_go_in_gallery_order(
    name: str, backend: search.Backend
) -> None:
    # Small integers: every distance is exact in float32 and float64, and many are equal.
    rng = np.random.default_rng(5)
    gallery = rng.integers(0, 3, size=(400, 5)).astype(np.float64)
    queries = rng.integers(0, 3, size=(20, 5)).astype(np.float64) + 0.5
    expected, _ = brute_force(queries, gallery, 15, name)

    found, _ = search.topk(queries, gallery, 15, name, backend=backend)

    np.testing.assert_array_equal(found, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cosine_ties_of_rescaled_copies_go_in_gallery_order(backend: search.Backend) -> None:
    # Copies scaled by powers of two have exactly the same cosine similarity to anything.
    rng = np.random.default_rng(6)
    directions = rng.normal(size=(20, 9))
    scales = 2.0 ** rng.integers(-3, 4, size=(600, 1))
    gallery = (np.tile(directions, (30, 1)) * scales)[rng.permutation(600)]
    queries = rng.normal(size=(15, 9))
    expected, _ = brute_force(queries, gallery, 40, "cosine")

    found, _ = search.topk(queries, gallery, 40, "cosine", backend=backend)

    np.testing.assert_array_equal(found, expected)


def _many_copies_cases() -> list[tuple[str, str]]:
    """Every distance on both backends; the NumPy path of cosine, correlation, bhattacharyya
    and (squared) euclidean computes x @ y.T, which gives exact copies values a few ulps
    apart depending on where they sit: those must still count as ties."""
    return [(name, backend) for name in VECTOR_DISTANCES for backend in BACKENDS]


@pytest.mark.parametrize(("name", "backend"), _many_copies_cases())
def test_many_copies_of_one_row_come_in_gallery_order(name: str, backend: search.Backend) -> None:
    rng = np.random.default_rng(0)
    gallery = np.tile(rng.dirichlet(np.full(8, 0.5)), (257, 1))
    queries = rng.dirichlet(np.full(8, 0.5), 25)

    found, _ = search.topk(queries, gallery, 257, name, backend=backend)

    np.testing.assert_array_equal(found, np.tile(np.arange(257), (25, 1)))


# --------------------------------------------------------------------------- hamming


def popcount_brute_force(queries: NDArray[np.uint8], gallery: NDArray[np.uint8], k: int) -> Indices:
    """Differing bits of every pair (XOR, then the bits counted), stably sorted."""
    differing = np.unpackbits(queries[:, None, :] ^ gallery[None, :, :], axis=2).sum(axis=2)
    return np.argsort(differing, axis=1, kind="stable")[:, :k]


@pytest.mark.usefixtures("tiny_blocks")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("hash_bytes", "k"), [(8, 10), (2, 25), (1, 1)])
def test_hamming_topk_equals_a_popcount_brute_force(
    hash_bytes: int, k: int, backend: search.Backend
) -> None:
    # Short hashes make most distances equal: the order among them is the gallery's.
    rng = np.random.default_rng(hash_bytes)
    gallery = rng.integers(0, 256, (2000, hash_bytes), dtype=np.uint8)
    queries = rng.integers(0, 256, (30, hash_bytes), dtype=np.uint8)
    expected = popcount_brute_force(queries, gallery, k)

    found, _ = search.topk(queries, gallery, k, "hamming", backend=backend)

    np.testing.assert_array_equal(found, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hamming_scores_are_the_number_of_differing_bits(backend: search.Backend) -> None:
    rng = np.random.default_rng(7)
    gallery = rng.integers(0, 256, (500, 8), dtype=np.uint8)
    queries = rng.integers(0, 256, (10, 8), dtype=np.uint8)
    found, scores = search.topk(queries, gallery, 5, "hamming", backend=backend)

    differing = [
        [bin(int.from_bytes(q.tobytes(), "big") ^ int.from_bytes(gallery[i].tobytes(), "big"))
         .count("1") for i in row]
        for q, row in zip(queries, found, strict=True)
    ]  # fmt: skip

    np.testing.assert_array_equal(scores, differing)


# --------------------------------------------------------------------------- shapes


def test_k_larger_than_the_gallery_returns_the_whole_gallery_in_order() -> None:
    gallery = histograms(4, seed=8)
    expected, _ = brute_force(gallery[:2], gallery, 4, "euclidean")

    found, _ = imgsim.topk(gallery[:2], gallery, 10, "euclidean")

    np.testing.assert_array_equal(found, expected)

"""SIFT keypoints: the match score of two images, and ``sift_vlad``, a fixed-length vector.

D. G. Lowe, "Distinctive image features from scale-invariant keypoints", IJCV 60(2),
2004: descriptors matched to their two nearest neighbours, kept when the nearest
is closer than 0.75 times the second (the ratio test), then verified by a RANSAC
homography (M. A. Fischler, R. C. Bolles, 1981).

``sift_vlad`` aggregates the SIFT descriptors of the working image into one vector
that any distance can compare (see :func:`vlad`), so that SIFT serves ``rank``,
``duplicates`` and the set metrics as well as pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imgsim.features.spec import FeatureSpec
from imgsim.images import luma

RATIO = 0.75
RANSAC_REPROJECTION_PX = 5.0
MIN_MATCHES = 4
"""A homography needs four point pairs."""


@dataclass(frozen=True)
class KeypointMatch:
    """The match score of two images and, when it is 0 for want of keypoints, why."""

    score: float
    """RANSAC inliers / min(keypoints of the two images), in [0, 1]."""
    keypoints_a: int
    keypoints_b: int
    inliers: int
    note: str | None = None


def _keypoints(image: NDArray[np.uint8]) -> tuple[int, NDArray[np.float32] | None, list[Any]]:
    import cv2

    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    keypoints, descriptors = cv2.SIFT.create().detectAndCompute(gray, None)
    if descriptors is None:
        return len(keypoints), None, list(keypoints)
    return len(keypoints), np.asarray(descriptors, dtype=np.float32), list(keypoints)


def sift_match(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> KeypointMatch:
    """Match SIFT keypoints of two RGB (or gray) ``uint8`` images. Never raises on flat images."""
    import cv2

    count_a, descriptors_a, keypoints_a = _keypoints(image_a)
    count_b, descriptors_b, keypoints_b = _keypoints(image_b)
    fewest = min(count_a, count_b)
    if fewest < MIN_MATCHES or descriptors_a is None or descriptors_b is None:
        which = "first" if count_a <= count_b else "second"
        return KeypointMatch(
            0.0, count_a, count_b, 0, f"too few keypoints ({fewest} in the {which} image)"
        )
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(descriptors_a, descriptors_b, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_MATCHES:
        return KeypointMatch(0.0, count_a, count_b, 0)
    source = np.array([keypoints_a[m.queryIdx].pt for m in good], dtype=np.float32)
    target = np.array([keypoints_b[m.trainIdx].pt for m in good], dtype=np.float32)
    _, mask = cv2.findHomography(source, target, cv2.RANSAC, RANSAC_REPROJECTION_PX)
    inliers = int(mask.sum()) if mask is not None else 0
    return KeypointMatch(min(1.0, inliers / fewest), count_a, count_b, inliers)


DESCRIPTOR_DIM = 128
VLAD_WORDS = 64
CODEBOOK_FILE = "vlad_codebook.npy"
"""In ``imgsim/features/data/``: the 64 x 128 ``float32`` RootSIFT codebook, built by
``scripts/build_vlad_codebook.py`` (provenance: ``docs/vlad_codebook.md``)."""


def sift_descriptors(gray: NDArray[np.uint8]) -> NDArray[np.float32]:
    """OpenCV's SIFT descriptors (``cv2.SIFT.create()`` defaults) of a gray ``uint8``
    image, (n, 128); (0, 128) when it has no keypoints."""
    import cv2

    _, descriptors = cv2.SIFT.create().detectAndCompute(gray, None)
    if descriptors is None:
        return np.zeros((0, DESCRIPTOR_DIM), dtype=np.float32)
    return np.asarray(descriptors, dtype=np.float32)


def root_sift(descriptors: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    """RootSIFT (R. Arandjelović, A. Zisserman, "Three things everyone should know to
    improve object retrieval", CVPR 2012): each descriptor L1-normalised, then its
    element-wise square root, so that Euclidean distance between RootSIFTs is the
    Hellinger kernel between the SIFTs. A descriptor of zeros stays zero."""
    values = np.asarray(descriptors, dtype=np.float64)
    sums = values.sum(axis=1, keepdims=True)
    return np.sqrt(values / np.where(sums > 0, sums, 1.0))


@lru_cache(maxsize=1)
def vlad_codebook() -> NDArray[np.float32]:
    """The packaged 64 x 128 codebook (read-only), read once per process."""
    with resources.files("imgsim.features").joinpath("data", CODEBOOK_FILE).open("rb") as f:
        codebook = np.load(f, allow_pickle=False)
    if codebook.shape != (VLAD_WORDS, DESCRIPTOR_DIM) or codebook.dtype != np.float32:
        raise RuntimeError(
            f"{CODEBOOK_FILE} must be {VLAD_WORDS} x {DESCRIPTOR_DIM} float32, "
            f"got {codebook.shape} {codebook.dtype}: reinstall imgsim"
        )
    codebook.setflags(write=False)
    words: NDArray[np.float32] = codebook
    return words


def nearest_words(
    descriptors: NDArray[np.float64], codebook: NDArray[np.floating[Any]]
) -> NDArray[np.intp]:
    """Index of the nearest codeword (Euclidean) of each descriptor; ties go to the first.

    |x - c|² = |x|² - 2 x·c + |c|², and |x|² is the same for every word of a descriptor.
    The products go through ``np.einsum`` (its own loops, never BLAS): a few hundred
    descriptors x 64 words x 128 is above the size at which OpenBLAS wakes its thread
    pool, whose threads would compete with the worker processes for the cores (see
    ``_SMALL_PRODUCT`` in :mod:`imgsim.features.hashes`).
    """
    words = np.asarray(codebook, dtype=np.float64)
    products = np.einsum("nd,kd->nk", descriptors, words, optimize=False)
    squared_norms = np.einsum("kd,kd->k", words, words, optimize=False)
    result: NDArray[np.intp] = np.argmin(squared_norms[None, :] - 2.0 * products, axis=1)
    return result


def vlad(
    descriptors: NDArray[np.floating[Any]], codebook: NDArray[np.floating[Any]]
) -> NDArray[np.float32]:
    """VLAD of local descriptors (H. Jégou, M. Douze, C. Schmid, P. Pérez, "Aggregating
    local descriptors into a compact image representation", CVPR 2010): for each
    codeword, the sum of the residuals x - c of the descriptors whose nearest word it is;
    the k x d sums flattened word by word (word 0's 128 values first). Then power
    normalisation, sign(v)·sqrt(|v|) (Jégou et al., "Aggregating local image descriptors
    into compact codes", TPAMI 34(9), 2012, α = 0.5), which damps the bursts of
    near-identical descriptors of repeated structure, and L2 normalisation, so that
    vectors are unit length and cosine and Euclidean distance rank alike.

    No intra-normalisation (R. Arandjelović, A. Zisserman, "All about VLAD", CVPR
    2013, each word's block L2-normalised on its own): a 256 px photograph has some 50
    to 500 descriptors for the 64 words, 7 to 24 words hold only one or two of them, and
    intra-normalisation gives each such block the weight of the busiest word (13 to 25
    descriptors); it found fewer edited copies (``docs/vlad_codebook.md``).

    No descriptors (a flat image has no keypoints) give the zero vector: it has no
    direction, and cosine similarity scores it 0 against any vector.
    """
    words = np.asarray(codebook, dtype=np.float64)
    count, dim = words.shape
    values = np.asarray(descriptors, dtype=np.float64)
    if len(values) == 0:
        return np.zeros(count * dim, dtype=np.float32)
    nearest = nearest_words(values, words)
    residuals = values - words[nearest]
    # One bincount sums every word's residuals in descriptor order, in float64.
    slots = (nearest[:, None] * dim + np.arange(dim)).ravel()
    sums = np.bincount(slots, weights=residuals.ravel(), minlength=count * dim)
    powered = np.sign(sums) * np.sqrt(np.abs(sums))
    norm = float(np.sqrt(np.dot(powered, powered)))
    if norm == 0.0:
        return np.zeros(count * dim, dtype=np.float32)
    return (powered / norm).astype(np.float32)


def sift_vlad(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    """``sift_vlad`` of the working image (RGB or gray): VLAD of the RootSIFT descriptors
    of its luma over the packaged codebook, 64 x 128 = 8192 values."""
    return vlad(root_sift(sift_descriptors(luma(image))), vlad_codebook())


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="sift_vlad",
        kind="vector",
        version=1,
        default_distance="cosine",
        summary="VLAD of the RootSIFT descriptors of the working image over a 64-word "
        "codebook, power- and L2-normalised: local structure and objects, whatever their "
        "position.",
        use_when="copies and near-duplicates under crops, shifts and edits; object retrieval",
        uses=("size", "crop"),
        dim=lambda p: VLAD_WORDS * DESCRIPTOR_DIM,
        work_side=lambda p: None,
        needs_color=True,
        compute=lambda image, p, reduced: sift_vlad(image),
        signed=True,
        working=True,
    ),
)

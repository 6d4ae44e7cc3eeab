"""Memorisation distance and memorisation-informed FID (MiFID) of a generated set.

- ``memorization``: how far the generated images are from the training (reference)
  images, by cosine: for each generated vector the smallest ``1 − |cos|`` to any
  reference vector, averaged, and replaced by 1 when the average is at least ε. It is
  the memorisation term of the Kaggle "Generative Dog Images" competition (2019) and of
  Bai et al. 2021, "On training sample memorization: lessons from benchmarking
  generative modeling with a large-scale competition" (KDD).
- ``mifid``: FD divided by that distance, the competition's score: a generator that
  copies its training images has a memorisation distance near 0, and its FD divided by
  it is large, however good the FD alone looks.

Both follow the competition's published scoring code (``cosine_distance``,
``distance_thresholding``, and ``fid_value / (distance + fid_epsilon)`` with
``cosine_distance_eps = 0.1`` and ``fid_epsilon = 10e-15``). torchmetrics'
``MemorizationInformedFrechetInceptionDistance`` (``_compute_cosine_distance``) takes the
minimum the other way, for each reference vector over the generated ones, and averages
over the reference set: ``direction="reference"`` computes that.

The nearest neighbours come from :func:`imgsim.metrics.search.topk` (faiss's exact
search, in float32, in blocks of bounded memory), and the chosen pairs' cosines are then
computed again in float64, so that an exact copy scores 0 to within 1e-15, not 1e-7.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError
from imgsim.metrics.search import topk
from imgsim.metrics.sets import _matrix, _same_dimension, fd

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]
Direction = Literal["generated", "reference"]

DEFAULT_EPSILON = 0.1
"""The competition's ``cosine_distance_eps``: averages at least this count as 1."""
MIFID_CONSTANT = 10e-15
"""The competition's ``fid_epsilon`` (``10e-15``, i.e. 1e-14), added to the distance
so that a distance of 0 does not divide by zero."""
_DOT_ROWS = 4096
"""Rows whose float64 cosines are computed at a time (a bounded copy of the pairs)."""
DIRECTIONS: tuple[Direction, ...] = ("generated", "reference")


def memorization(
    reference: NDArray[np.generic],
    generated: NDArray[np.generic],
    *,
    epsilon: float | None = DEFAULT_EPSILON,
    direction: Direction = "generated",
) -> float:
    r"""Thresholded memorisation distance between a training and a generated set.

    With :math:`g_i` the generated and :math:`r_j` the reference (training) vectors,

    .. math::

        d = \frac{1}{m} \sum_{i=1}^{m} \min_j \left(1 - \frac{|g_i \cdot r_j|}
            {\lVert g_i \rVert \lVert r_j \rVert}\right),
        \qquad
        d_\varepsilon = \begin{cases} d & d < \varepsilon \\ 1 & d \ge \varepsilon
        \end{cases}

    The threshold applies to the average, not to each image, as the competition's
    ``distance_thresholding(cosine_distance(...), eps)`` does.

    Parameters
    ----------
    reference, generated : (n, d) and (m, d) arrays
        Feature vectors of the training set and of the generated set. All-zero rows have
        no direction and are left out, as the competition's code leaves out rows whose
        sum is 0 (the same rows for non-negative features such as Inception's).
    epsilon : float or None
        ε of the threshold, in (0, 1]; ``None`` gives the average :math:`d` itself,
        a continuous measure of how close the generated images are to training images.
    direction : {"generated", "reference"}
        ``"generated"`` (the competition's, the default): for each generated vector the
        minimum over the reference set, averaged over the generated set: "how close
        is each generated image to some training image". ``"reference"`` (torchmetrics'):
        for each reference vector the minimum over the generated set, averaged over the
        reference set: "how close is each training image to some generated image".

    Returns
    -------
    float
        In [0, 1]. Higher is better: near 0 the generated images copy training images
        (up to scale and sign: the cosine's absolute value is taken); thresholded,
        1 (the ideal) means "no memorisation found".

    References
    ----------
    Bai, C.-Y., Lin, H.-T., Raffel, C., Kan, W. C.-W., "On training sample memorization:
    lessons from benchmarking generative modeling with a large-scale competition",
    KDD 2021. Code followed: the competition's scoring kernel (``cosine_distance``,
    ``distance_thresholding``); torchmetrics ``image/mifid.py``
    (``_compute_cosine_distance``) for ``direction="reference"``.
    """
    x, y = _matrix(reference, "reference"), _matrix(generated, "generated")
    _same_dimension(x, y)
    _check_epsilon(epsilon)
    if direction not in DIRECTIONS:
        raise ArgumentError(
            f"{{}} must be 'generated' or 'reference', got {direction!r}", Argument("direction")
        )
    queries, gallery = (y, x) if direction == "generated" else (x, y)
    queries_name, gallery_name = (
        ("generated", "reference") if direction == "generated" else ("reference", "generated")
    )
    distance = float(
        nearest_cosine_distances(
            _directed(queries, queries_name), _directed(gallery, gallery_name)
        ).mean()
    )
    if epsilon is None:
        return distance
    return distance if distance < epsilon else 1.0


def mifid(
    reference: NDArray[np.generic],
    generated: NDArray[np.generic],
    *,
    epsilon: float = DEFAULT_EPSILON,
    direction: Direction = "generated",
) -> float:
    r"""Memorisation-informed Fréchet distance: FD over the thresholded memorisation.

    .. math::

        \mathrm{MiFID} = \frac{\mathrm{FD}(\text{reference}, \text{generated})}
            {d_\varepsilon + 10^{-14}}

    with :math:`d_\varepsilon` from :func:`memorization` (``epsilon``, ``direction``)
    and FD from :func:`imgsim.metrics.sets.fd` on all rows (zero rows included, as the
    competition's FID). When the generated images are not close to training images,
    :math:`d_\varepsilon = 1` and MiFID is FD; when their average distance is below ε,
    FD is divided by it and grows as they copy more closely.

    Parameters
    ----------
    reference, generated : (n, d) and (m, d) arrays
        Feature vectors of the training set and of the generated set (at least 2 each,
        for the covariances of FD).
    epsilon, direction
        As for :func:`memorization` (the competition's ε = 0.1 and direction by default).

    Returns
    -------
    float
        In [0, ∞). Lower is better; 0 only when FD is 0. A generated set that is the
        whole training set has FD 0 up to rounding and a distance of 0: its MiFID is that
        rounding over 1e-14, anything from 0 up, as in the competition's code
        (torchmetrics returns 0 whenever FD ≤ 1e-8). Neither flags such a copy; a
        memorisation distance near 0 does.

    References
    ----------
    Bai et al., KDD 2021 (see :func:`memorization`); the competition's
    ``fid_value / (distance + fid_epsilon)``; torchmetrics ``_mifid_compute``.
    """
    x, y = _matrix(reference, "reference"), _matrix(generated, "generated")  # converted once
    distance = memorization(x, y, epsilon=epsilon, direction=direction)
    return fd(x, y) / (distance + MIFID_CONSTANT)


def nearest_cosine_distances(queries: Matrix, gallery: Matrix) -> Vector:
    """For each query row, the smallest ``1 − |cos|`` to any gallery row.

    max |cos| is the larger of the best cosine to the gallery and the best cosine of the
    negated query: two exact cosine searches through :func:`imgsim.metrics.search.topk`.
    When no cosine can be negative (both sets non-negative, as Inception's pooled
    features and histograms are, or both non-positive) the first search is enough, in
    half the time. The winners' cosines are computed again in float64. Rows must be
    non-zero.
    """
    unit_queries, unit_gallery = _unit_float32(queries), _unit_float32(gallery)
    nearest, _ = topk(unit_queries, unit_gallery, 1, "cosine")
    best = np.abs(_row_cosines(queries, gallery, nearest[:, 0]))
    if not _same_signs(queries, gallery):
        opposite, _ = topk(np.negative(unit_queries), unit_gallery, 1, "cosine")
        best = np.maximum(best, np.abs(_row_cosines(queries, gallery, opposite[:, 0])))
    return np.asarray(np.clip(1.0 - best, 0.0, 1.0), dtype=np.float64)


def _unit_float32(rows: Matrix) -> NDArray[np.float32]:
    """The rows scaled to length 1, in float32: what the cosine search reads, made once
    for both searches (topk takes unit float32 rows as they are)."""
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def _same_signs(queries: Matrix, gallery: Matrix) -> bool:
    """Whether every dot product between the rows is at least 0."""
    non_negative = queries.min() >= 0 and gallery.min() >= 0
    return bool(non_negative or (queries.max() <= 0 and gallery.max() <= 0))


def _row_cosines(queries: Matrix, gallery: Matrix, partner: NDArray[np.int64]) -> Vector:
    """cos(queries[i], gallery[partner[i]]) in float64, a bounded block of rows at a time."""
    cosines = np.empty(len(queries))
    for start in range(0, len(queries), _DOT_ROWS):
        rows = queries[start : start + _DOT_ROWS]
        partners = gallery[partner[start : start + _DOT_ROWS]]
        dots = np.einsum("ij,ij->i", rows, partners)
        norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(partners, axis=1)
        cosines[start : start + len(rows)] = np.clip(dots / norms, -1.0, 1.0)
    return cosines


def _directed(matrix: Matrix, name: str) -> Matrix:
    """The rows that have a direction (not all zero); at least one."""
    if not np.isfinite(matrix).all():
        raise ArgumentError("{} holds values that are not finite", Argument(name))
    nonzero = np.any(matrix != 0, axis=1)
    if not nonzero.any():
        raise ArgumentError("{} has no non-zero vector: cosines are undefined", Argument(name))
    return matrix if nonzero.all() else matrix[nonzero]


def _check_epsilon(epsilon: float | None) -> None:
    if epsilon is not None and not 0.0 < epsilon <= 1.0:
        raise ArgumentError(
            "{} must be in (0, 1], got {}", Argument("epsilon"), Argument(str(epsilon))
        )

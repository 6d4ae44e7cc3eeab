"""Two-sample tests between a reference and a generated set of feature vectors.

- ``nn_accuracy``: accuracy of the leave-one-out 1-nearest-neighbour classifier that
  tells the two sets apart (Lopez-Paz & Oquab 2017, "Revisiting classifier two-sample
  tests", ICLR; recommended for GANs by Xu et al. 2018, "An empirical study on evaluation
  metrics of generative adversarial networks"). 0.5 when the sets cannot be told apart,
  1 when they are disjoint, below 0.5 when generated vectors sit on top of reference ones
  (memorisation).
- ``swd``: sliced Wasserstein-2 distance (Rabin et al. 2011, "Wasserstein barycenter and
  its application to texture mixing"; Bonneel et al. 2015; used for GANs by Karras et al.
  2018, "Progressive growing of GANs"): the 1-D Wasserstein-2 distance between the sets'
  projections on random unit directions, averaged over the directions.

Both work on the n x d and m x d matrices only: the neighbour search goes through
:func:`imgsim.metrics.search.topk` (exact, in blocks of bounded memory) and the
projections are taken a bounded block of directions at a time, so 100k x 100k sets
never need an n x m matrix.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError
from imgsim.metrics.search import BLOCK_VALUES, topk
from imgsim.metrics.sets import _matrix, _same_dimension

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]
Indices = NDArray[np.int64]

DEFAULT_PROJECTIONS = 256
"""Random directions of ``swd``. The Monte-Carlo spread of SWD² over directions falls as
1/√L: at 256 it is 9% of SWD² (measured: 1000 vs 1000 Gaussians in 64-d, one set shifted
by 0.3 in every coordinate; standard deviation over 50 seeds), and 10,000 vs 10,000
vectors of 512-d take 0.8 s on 2 cores."""
_CANDIDATES = 3
"""Neighbours fetched per vector at first: itself and two others, so that the float32
search only has to bring the nearest other vector into the first three, and the float64
distances decide between them."""


# --------------------------------------------------------------------------- 1-NN accuracy


@dataclass(frozen=True)
class NNAccuracy:
    """Leave-one-out 1-NN accuracy, over both sets and within each."""

    overall: float
    """Share of all n + m vectors whose nearest other vector is from their own set."""
    reference: float
    """Share of the reference vectors whose nearest other vector is a reference vector."""
    generated: float
    """Share of the generated vectors whose nearest other vector is a generated vector."""


def nn_accuracy(reference: NDArray[np.generic], generated: NDArray[np.generic]) -> NNAccuracy:
    r"""Leave-one-out 1-nearest-neighbour two-sample test accuracy (Euclidean).

    The n reference and m generated vectors are pooled and labelled by their set; each
    vector is classified by the label of its nearest *other* vector of the pool (the
    leave-one-out 1-NN classifier), and the accuracy is the share classified correctly:

    .. math::

        \mathrm{acc} = \frac{1}{n+m} \sum_{z \in R \cup G}
            \mathbb{1}\left[\mathrm{label}(\mathrm{NN}(z)) = \mathrm{label}(z)\right],
        \qquad \mathrm{NN}(z) = \arg\min_{w \in R \cup G,\ w \ne z} \lVert z - w \rVert

    Ties: among vectors at exactly the same distance the earliest of the pool wins, the
    reference set coming before the generated one, each in its row order. So an exact
    copy of a reference vector among the generated ones is misclassified both ways (each
    is the other's nearest), as memorisation should be.

    Parameters
    ----------
    reference, generated : (n, d) and (m, d) arrays
        Feature vectors of the two sets, at least one each.

    Returns
    -------
    NNAccuracy
        ``overall``, ``reference`` and ``generated`` accuracies, each in [0, 1].
        ``overall`` is ideally 0.5 (for n = m: the sets cannot be told apart), 1 at
        worst (disjoint sets); well below 0.5 the generated vectors copy reference ones.
        For n ≠ m the ideal moves: for one distribution, a reference vector's nearest
        other is a reference vector with chance (n−1)/(n+m−1), so the per-set
        accuracies are not 0.5 either; compare sets of equal size.

    Notes
    -----
    Candidates come from :func:`imgsim.metrics.search.topk` (faiss's exact search in
    float32: the vector itself and its two nearest others); their distances are computed
    again in float64 from the differences, exact for duplicates. When every candidate
    is at the nearest distance (groups of identical vectors), more candidates are
    fetched until the group is complete, so the tie rule holds for any number of
    duplicates.

    References
    ----------
    Lopez-Paz, D., Oquab, M., "Revisiting classifier two-sample tests", ICLR 2017.
    Xu, Q., Huang, G., Yuan, Y., Guo, C., Sun, Y., Wu, F., Weinberger, K., "An empirical
    study on evaluation metrics of generative adversarial networks", 2018 (1-NN
    accuracy). Code followed: scikit-learn's ``KNeighborsClassifier(n_neighbors=1)``
    evaluated leave-one-out, which the tests compare against.
    """
    x, y = _matrix(reference, "reference"), _matrix(generated, "generated")
    _same_dimension(x, y)
    for matrix, name in ((x, "reference"), (y, "generated")):
        _check_rows(matrix, name)
    pool = np.concatenate([x, y])
    is_generated = np.arange(len(pool)) >= len(x)
    correct = is_generated[nearest_others(pool)] == is_generated
    return NNAccuracy(
        overall=float(correct.mean()),
        reference=float(correct[: len(x)].mean()),
        generated=float(correct[len(x) :].mean()),
    )


def nearest_others(points: Matrix) -> Indices:
    """Index of each row's nearest other row (Euclidean); among rows at exactly the same
    distance, the one with the smallest index. Needs at least 2 rows."""
    count = len(points)
    nearest = np.empty(count, dtype=np.int64)
    pending = np.arange(count)
    wanted = min(_CANDIDATES, count)
    while True:
        queries = points if len(pending) == count else points[pending]
        candidates, _ = topk(queries, points, wanted, "euclidean")
        chosen, incomplete = _closest_candidates(points, pending, candidates)
        nearest[pending] = chosen
        if wanted == count or not incomplete.any():
            return nearest
        pending = pending[incomplete]
        wanted = min(2 * wanted, count)


def _closest_candidates(
    points: Matrix, rows: Indices, candidates: Indices
) -> tuple[Indices, NDArray[np.bool_]]:
    """Per row, the candidate other than itself at the smallest float64 distance (the
    smallest index among equals), and whether every other candidate is at that distance
    (then more may lie beyond the candidates)."""
    candidates = np.sort(candidates, axis=1)  # by index: argmin keeps the first of equals
    squared = np.empty(candidates.shape)
    step = max(1, BLOCK_VALUES // (candidates.shape[1] * max(1, points.shape[1])))
    for start in range(0, len(rows), step):
        block = candidates[start : start + step]
        difference = points[block] - points[rows[start : start + step], None, :]
        squared[start : start + step] = np.einsum("ijk,ijk->ij", difference, difference)
    squared[candidates == rows[:, None]] = np.inf
    best = np.argmin(squared, axis=1)
    nearest = np.take_along_axis(squared, best[:, None], axis=1)
    others = np.isfinite(squared).sum(axis=1)
    incomplete = (squared == nearest).sum(axis=1) == others
    return np.take_along_axis(candidates, best[:, None], axis=1)[:, 0], incomplete


# --------------------------------------------------------------------------- SWD


def swd(
    reference: NDArray[np.generic],
    generated: NDArray[np.generic],
    *,
    projections: int = DEFAULT_PROJECTIONS,
    seed: int = 0,
) -> float:
    r"""Sliced Wasserstein-2 distance between two sets of vectors.

    .. math::

        \mathrm{SWD} = \left(\frac{1}{L} \sum_{l=1}^{L}
            W_2^2\left(\theta_l^\top R,\ \theta_l^\top G\right)\right)^{1/2},
        \qquad
        W_2^2(\mu, \nu) = \int_0^1 \left(F_\mu^{-1}(t) - F_\nu^{-1}(t)\right)^2 dt

    with L unit directions θ drawn by :func:`random_directions` (Gaussian, normalised)
    and :math:`W_2` the exact Wasserstein-2 distance between the two empirical 1-D
    distributions of the projections, through their quantile functions (steps of 1/n and
    1/m): for n = m it is the mean squared difference of the sorted projections; for
    n ≠ m the integral is summed exactly over the merged steps, which equals pairing the
    sorted projections each repeated m (resp. n) times. No interpolation, no resampling.

    Parameters
    ----------
    reference, generated : (n, d) and (m, d) arrays
        Feature vectors of the two sets, at least one each; any sizes.
    projections : int
        Number L of random directions (at least 1).
    seed : int
        Seed of NumPy's PCG64 generator that draws the directions: the same seed, size
        and dimension give the same directions, so values are reproducible.

    Returns
    -------
    float
        In [0, ∞), in the features' units. Lower is better; 0 (the ideal) for sets with
        the same empirical distribution. For isotropic sets shifted by δ, each direction
        sees the shift θ·δ, whose square averages |δ|²/d: SWD ≈ |δ|/√d.

    References
    ----------
    Rabin, J., Peyré, G., Delon, J., Bernot, M., "Wasserstein barycenter and its
    application to texture mixing", SSVM 2011; Bonneel, N., Rabin, J., Peyré, G.,
    Pfister, H., "Sliced and Radon Wasserstein barycenters of measures", JMIV 2015.
    Code followed: POT's ``ot.sliced_wasserstein_distance(p=2)`` (``ot/sliced.py``:
    normalised Gaussian directions, the root of the mean of W2² over them) and its
    ``ot.wasserstein_1d`` (the exact 1-D distance over the merged quantile steps).
    """
    x, y = _matrix(reference, "reference"), _matrix(generated, "generated")
    _same_dimension(x, y)
    for matrix, name in ((x, "reference"), (y, "generated")):
        _check_rows(matrix, name)
    directions = random_directions(x.shape[1], projections, seed)
    weights, reference_steps, generated_steps = _quantile_steps(len(x), len(y))
    per_block = max(1, BLOCK_VALUES // (len(x) + len(y) + len(weights)))
    total = 0.0
    for start in range(0, len(directions), per_block):
        block = directions[start : start + per_block].T
        sorted_x = np.sort(x @ block, axis=0)
        sorted_y = np.sort(y @ block, axis=0)
        gaps = sorted_x[reference_steps] - sorted_y[generated_steps]
        total += float(weights @ (gaps * gaps).sum(axis=1))
    return float(np.sqrt(max(total, 0.0) / len(directions)))


def random_directions(dimension: int, projections: int, seed: int) -> Matrix:
    """``projections`` x ``dimension`` unit rows, uniform on the sphere: standard normal
    draws of ``numpy.random.default_rng(seed)``, each row divided by its length."""
    count = _whole(projections, "projections")
    if count < 1:
        raise ArgumentError(f"{{}} must be at least 1, got {count}", Argument("projections"))
    draws = np.random.default_rng(seed).standard_normal((count, dimension))
    norms = np.linalg.norm(draws, axis=1, keepdims=True)
    return np.asarray(draws / np.where(norms > 0, norms, 1.0), dtype=np.float64)


def _quantile_steps(n: int, m: int) -> tuple[Vector, Indices, Indices]:
    """The merged steps of two empirical quantile functions, of n and m points.

    F⁻¹ of n points is the i-th smallest on ((i−1)/n, i/n]. In units of 1/(n m) the
    breakpoints are the integers i·m and j·n, so the merged steps are exact integer
    intervals (a, b]: their widths (b − a)/(n m) and, for each, the order statistics
    ⌈b/m⌉ − 1 and ⌈b/n⌉ − 1 that the two quantile functions take on it.
    """
    ends = np.union1d(np.arange(1, n + 1, dtype=np.int64) * m, np.arange(1, m + 1) * n)
    widths = np.diff(ends, prepend=0).astype(np.float64) / (float(n) * float(m))
    return widths, -(-ends // m) - 1, -(-ends // n) - 1


# --------------------------------------------------------------------------- checks


def _check_rows(matrix: Matrix, name: str) -> None:
    if len(matrix) == 0:
        raise ArgumentError("{} needs at least one vector, got none", Argument(name))
    if not np.isfinite(matrix).all():
        raise ArgumentError("{} holds values that are not finite", Argument(name))


def _whole(value: int, name: str) -> int:
    if isinstance(value, bool):
        raise ArgumentError(f"{{}} must be a whole number, got {value!r}", Argument(name))
    try:
        return operator.index(value)
    except TypeError:
        raise ArgumentError(f"{{}} must be a whole number, got {value!r}", Argument(name)) from None

"""α-precision, β-recall and authenticity of a generated set (Alaa et al. 2022).

Alaa, van Breugel, Saveliev & van der Schaar, "How Faithful is your Synthetic Data?
Sample-level Metrics for Evaluating and Auditing Generative Models", ICML 2022.

The paper's definitions. The α-support :math:`S_r^α` of the reference distribution is
its smallest region of probability mass α (α ∈ [0, 1]); :math:`S_g^β` that of the
generated distribution. Then

- α-precision :math:`P_α = P(\\tilde X_g ∈ S_r^α)`: the share of generated samples in
  the most typical α of the reference (fidelity);
- β-recall :math:`R_β = P(X_r ∈ S_g^β)`: the share of reference samples in the most
  typical β of the generated set (diversity);
- a generator that reproduces the reference distribution has :math:`P_α = α` and
  :math:`R_β = β` for every α and β, and the integrated scores measure the distance from
  that diagonal: :math:`ΔP_α = 1 - 2\\int_0^1 |P_α - α|\\,dα`, :math:`ΔR_β = 1 -
  2\\int_0^1 |R_β - β|\\,dβ`, in [0, 1], 1 best;
- authenticity :math:`A`: the share of generated samples that are not copies of a
  reference sample. A generated sample is a copy when it is closer to its nearest
  reference sample :math:`x_{i^*}` than :math:`x_{i^*}` is to its own nearest other
  reference sample.

What is computed: the "naive" variant of the authors' code, which needs no learned
network (the paper first embeds the data with a one-class Deep SVDD network so that the
supports are balls; synthcity's ``AlphaPrecision`` computes this variant as
``delta_precision_alpha_naive`` … on min-max scaled features). It follows synthcity's
``AlphaPrecision.metrics`` (vanderschaarlab/synthcity,
``src/synthcity/metrics/eval_statistical.py``) step for step, on Euclidean distances:

- :math:`S_r^α` is the ball around the reference mean whose radius is the α-quantile of
  the reference samples' distances to that mean (NumPy's default, linear quantiles), for
  the 30 values of α in ``linspace(0, 1, 30)``;
- a reference sample counts for :math:`R_β` when its nearest generated sample
  :math:`\\tilde x^*` lies within the β-quantile of the distances of all these nearest
  generated samples (one per reference sample) to the generated mean, and the reference
  sample is at least as close to :math:`\\tilde x^*` as to its nearest other reference
  sample;
- the integrals are sums over the grid: :math:`Δ = 1 - Σ_k |c_k - α_k| / Σ_k α_k`
  (synthcity's current code; the authors' first repository, ahmedmalaa/evaluating-
  generative-models, divides by :math:`1/(2Δα) = 14.5` instead of :math:`Σα = 15`, so its
  :math:`1 - Δ` is 30/29 times this one). For the monotone curves these radii give, the
  value is in [0, 1];
- authenticity as in the authors' repository (``metrics/evaluation.py``, the version that
  searches the reference set for each generated sample): the share of generated samples
  strictly farther from their nearest reference sample than that sample is from its
  nearest other reference sample. synthcity's line ``real_to_real[real_to_synth_args] <
  real_to_synth`` compares, for each reference sample, the distance to its nearest
  generated sample with the nearest-neighbour distance of the reference sample that has
  that generated sample's position: it is defined only for sets of equal size and is not
  the paper's rule, so it is not followed.

What the values mean (measured on two independent draws of 500 or 2000 vectors from one
standard Gaussian in 2, 16, 64 and 512 dimensions): α-precision is about 1 (0.97 to
0.99); β-recall is about 0.5 (0.48 to 0.62), not 1, because a fresh generated sample is
closer to a reference sample than that sample's nearest other reference sample only about
half the time; authenticity grows with the dimension, from 0.4 in 2-d through 0.7 in 16-d
to 0.9 in 512-d, and is 0 for a copy of the reference (in any order). Sets far apart score
0 in α-precision and β-recall (and 1 in authenticity); a generated set collapsed onto the
reference mean scores 0 in α-precision and about 0 in β-recall.

Neighbours are found by :func:`imgsim.metrics.search.topk` (faiss's exact flat search, in
float32, on the features minus the reference mean), a few candidates per sample, whose
distances are then recomputed in float64 and the nearest taken (equal distances: the
earlier sample). Memory is bounded by blocks: no n x m matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError
from imgsim.metrics.search import BLOCK_VALUES, topk
from imgsim.metrics.sets import _matrix, _same_dimension

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]

ALPHAS: Vector = np.linspace(0.0, 1.0, 30)
"""The grid of α (and β) of the authors' code: ``np.linspace(0, 1, 30)``."""
CANDIDATES = 4
"""Neighbours taken from the float32 search and re-ranked by their float64 distance: the
nearest sample is missed only when four others are within float32 rounding of it, and
then its distance differs from the one returned by that rounding alone."""


class AlphaBeta(NamedTuple):
    """The three scores of :func:`alpha_beta`, each in [0, 1], higher is better."""

    alpha_precision: float
    beta_recall: float
    authenticity: float


class AlphaBetaCurves(NamedTuple):
    """:math:`P_α` and :math:`R_β` on the grid :data:`ALPHAS` (ideal: the diagonal)."""

    alphas: Vector
    alpha_precision: Vector
    beta_recall: Vector


def alpha_beta(
    reference: NDArray[np.generic], generated: NDArray[np.generic], *, minmax: bool = False
) -> AlphaBeta:
    """Integrated α-precision, integrated β-recall and authenticity, computed together.

    Parameters
    ----------
    reference, generated : (n, d) and (m, d) arrays
        Feature vectors, one row per image; n ≥ 2, m ≥ 1. The sets may differ in size
        (synthcity requires equal sizes; nothing in these definitions does).
    minmax : bool
        Scale each feature to [0, 1] by the reference set's minimum and maximum first, as
        synthcity does before its naive variant (scikit-learn's ``MinMaxScaler`` fitted on
        the reference; a constant feature is only shifted). Off by default, as for the
        other set metrics, which read the features as they are.

    Returns
    -------
    AlphaBeta
        ``alpha_precision`` :math:`= 1 - Σ|P_α - α| / Σα`, ``beta_recall`` :math:`= 1 -
        Σ|R_β - β| / Σβ` over :data:`ALPHAS`, and ``authenticity``; each in [0, 1],
        higher is better; see the module's documentation for the definitions and the
        values to expect.

    References
    ----------
    Alaa et al., ICML 2022; synthcity's ``AlphaPrecision.metrics`` and the authors'
    ``compute_alpha_precision`` (module documentation).
    """
    sets = _Prepared.of(reference, generated, minmax)
    real_to_real = sets.reference_nearest_other()
    curves = _curves(sets, real_to_real)
    return AlphaBeta(
        _integrated(curves.alpha_precision),
        _integrated(curves.beta_recall),
        _authenticity(sets, real_to_real),
    )


def alpha_beta_curves(
    reference: NDArray[np.generic], generated: NDArray[np.generic], *, minmax: bool = False
) -> AlphaBetaCurves:
    """:math:`P_α` and :math:`R_β` at each α of :data:`ALPHAS`, to plot against the
    diagonal or to audit (arguments as :func:`alpha_beta`)."""
    sets = _Prepared.of(reference, generated, minmax)
    return _curves(sets, sets.reference_nearest_other())


def alpha_precision(
    reference: NDArray[np.generic], generated: NDArray[np.generic], *, minmax: bool = False
) -> float:
    """Integrated α-precision :math:`1 - Σ_α |P_α - α| / Σ_α α`: fidelity, in [0, 1],
    higher is better, 1 when the generated samples fill the reference's α-balls as the
    reference does (arguments and definitions: :func:`alpha_beta`). Needs no neighbour
    search."""
    sets = _Prepared.of(reference, generated, minmax)
    return _integrated(_precision_curve(sets))


def beta_recall(
    reference: NDArray[np.generic], generated: NDArray[np.generic], *, minmax: bool = False
) -> float:
    """Integrated β-recall :math:`1 - Σ_β |R_β - β| / Σ_β β`: diversity, in [0, 1],
    higher is better; about 0.5 for two draws of one distribution (arguments and
    definitions: :func:`alpha_beta`)."""
    sets = _Prepared.of(reference, generated, minmax)
    return _integrated(_recall_curve(sets, sets.reference_nearest_other()))


def authenticity(
    reference: NDArray[np.generic], generated: NDArray[np.generic], *, minmax: bool = False
) -> float:
    """Share of generated samples that are not copies of a reference sample: in [0, 1],
    higher is better, 0 for a copy of the reference; a fresh draw of its distribution
    scores from about 0.4 (2-d features) to 0.9 (512-d) (arguments and definitions:
    :func:`alpha_beta`)."""
    sets = _Prepared.of(reference, generated, minmax)
    return _authenticity(sets, sets.reference_nearest_other())


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Prepared:
    """The two validated matrices and the reference mean; float32 copies of both sets
    minus that mean for the searches, made when a search first needs them (distances do
    not change; the subtraction keeps faiss's float32 squared norms small)."""

    reference: Matrix
    generated: Matrix
    centre: Vector

    @cached_property
    def reference32(self) -> NDArray[np.float32]:
        return _centred32(self.reference, self.centre)

    @cached_property
    def generated32(self) -> NDArray[np.float32]:
        return _centred32(self.generated, self.centre)

    @classmethod
    def of(
        cls, reference: NDArray[np.generic], generated: NDArray[np.generic], minmax: bool
    ) -> _Prepared:
        x, y = _matrix(reference, "reference"), _matrix(generated, "generated")
        _same_dimension(x, y)
        if len(x) < 2:
            raise ArgumentError(
                f"{{}} needs at least 2 vectors (a nearest other one), got {len(x)}",
                Argument("reference"),
            )
        if len(y) < 1:
            raise ArgumentError("{} needs at least 1 vector, got 0", Argument("generated"))
        for matrix, name in ((x, "reference"), (y, "generated")):
            if not np.isfinite(matrix).all():
                raise ArgumentError("{} holds NaN or infinite values", Argument(name))
        if minmax:
            x, y = _minmax_scaled(x, y)
        centre = np.mean(x, axis=0)
        return cls(x, y, centre)

    def reference_nearest_other(self) -> Vector:
        """Distance from each reference vector to its nearest other reference vector."""
        distances, _ = _nearest(
            self.reference, self.reference32, self.reference, self.reference32, exclude_self=True
        )
        return distances


def _minmax_scaled(x: Matrix, y: Matrix) -> tuple[Matrix, Matrix]:
    """``MinMaxScaler().fit(x)`` applied to both: ``v * scale + offset`` with ``scale =
    1 / (max - min)`` (1 where the reference's range is 0) and ``offset = -min * scale``,
    scikit-learn's arithmetic."""
    low, high = x.min(axis=0), x.max(axis=0)
    spread = high - low
    scale = 1.0 / np.where(spread == 0.0, 1.0, spread)
    offset = -low * scale
    return x * scale + offset, y * scale + offset


def _centred32(matrix: Matrix, centre: Vector) -> NDArray[np.float32]:
    """``matrix - centre`` as float32, a block of rows at a time (no float64 copy)."""
    out = np.empty(matrix.shape, dtype=np.float32)
    step = max(1, BLOCK_VALUES // max(1, matrix.shape[1]))
    for start in range(0, len(matrix), step):
        np.subtract(
            matrix[start : start + step], centre, out=out[start : start + step], casting="same_kind"
        )
    return out


def _distances_to(matrix: Matrix, point: Vector) -> Vector:
    """``sqrt(sum((matrix - point) ** 2, axis=1))``, the authors' arithmetic, in blocks."""
    out = np.empty(len(matrix))
    step = max(1, BLOCK_VALUES // max(1, matrix.shape[1]))
    for start in range(0, len(matrix), step):
        block = matrix[start : start + step]
        out[start : start + step] = np.sqrt(np.sum((block - point) ** 2, axis=1))
    return out


def _nearest(
    queries: Matrix,
    queries32: NDArray[np.float32],
    gallery: Matrix,
    gallery32: NDArray[np.float32],
    *,
    exclude_self: bool = False,
) -> tuple[Vector, NDArray[np.int64]]:
    """For each query its nearest gallery vector: float64 distance and index.

    :data:`CANDIDATES` candidates from the float32 search, re-ranked by their float64
    distances (equal distances: the smaller index). ``exclude_self``: gallery is the
    query set, and each query's own row does not count.
    """
    wanted = CANDIDATES + 1 if exclude_self else CANDIDATES
    candidates, _ = topk(queries32, gallery32, wanted, "euclidean")
    distances = np.empty(len(queries))
    nearest = np.empty(len(queries), dtype=np.int64)
    step = max(1, BLOCK_VALUES // max(1, candidates.shape[1] * queries.shape[1]))
    for start in range(0, len(queries), step):
        rows = slice(start, start + step)
        chosen = candidates[rows]
        exact = np.sqrt(np.sum((queries[rows, None, :] - gallery[chosen]) ** 2, axis=2))
        if exclude_self:
            own = np.arange(start, start + len(chosen))[:, None]
            exact[chosen == own] = np.inf
        order = np.lexsort((chosen, exact))[:, 0]
        picked = np.arange(len(chosen))
        distances[rows] = exact[picked, order]
        nearest[rows] = chosen[picked, order]
    return distances, nearest


def _precision_curve(sets: _Prepared) -> Vector:
    """:math:`P_α`: share of generated vectors within the α-quantile radius of the
    reference's distances to its mean, for each α."""
    radii = np.quantile(_distances_to(sets.reference, sets.centre), ALPHAS)
    to_centre = np.sort(_distances_to(sets.generated, sets.centre))
    inside = np.searchsorted(to_centre, radii, side="right")
    return np.asarray(inside / len(to_centre), dtype=np.float64)


def _recall_curve(sets: _Prepared, real_to_real: Vector) -> Vector:
    """:math:`R_β`: share of reference vectors at least as close to their nearest
    generated vector as to their nearest other reference vector, that generated vector
    being within the β-quantile of these nearest generated vectors' distances to the
    generated mean."""
    real_to_synth, closest = _nearest(
        sets.reference, sets.reference32, sets.generated, sets.generated32
    )
    synth_centre = np.mean(sets.generated, axis=0)
    closest_to_centre = _distances_to(sets.generated[closest], synth_centre)
    radii = np.quantile(closest_to_centre, ALPHAS)
    counted = np.sort(closest_to_centre[real_to_synth <= real_to_real])
    inside = np.searchsorted(counted, radii, side="right")
    return np.asarray(inside / len(real_to_real), dtype=np.float64)


def _curves(sets: _Prepared, real_to_real: Vector) -> AlphaBetaCurves:
    return AlphaBetaCurves(ALPHAS.copy(), _precision_curve(sets), _recall_curve(sets, real_to_real))


def _integrated(curve: Vector) -> float:
    """``1 - Σ|curve - α| / Σα`` (synthcity's), clipped to [0, 1] against rounding."""
    value = 1.0 - float(np.sum(np.abs(ALPHAS - curve)) / np.sum(ALPHAS))
    return min(1.0, max(0.0, value))


def _authenticity(sets: _Prepared, real_to_real: Vector) -> float:
    """Share of generated vectors strictly farther from their nearest reference vector
    than that vector is from its nearest other reference vector."""
    synth_to_real, nearest_real = _nearest(
        sets.generated, sets.generated32, sets.reference, sets.reference32
    )
    return float(np.mean(real_to_real[nearest_real] < synth_to_real))


__all__: Sequence[str] = [
    "ALPHAS",
    "CANDIDATES",
    "AlphaBeta",
    "AlphaBetaCurves",
    "alpha_beta",
    "alpha_beta_curves",
    "alpha_precision",
    "authenticity",
    "beta_recall",
]

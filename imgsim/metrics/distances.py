"""Vector-to-vector distances and similarities: one registry.

Every entry says its direction (``cosine``, ``correlation`` and ``intersection``
are similarities, higher is closer; all others are distances, lower is closer),
its range, a function on one pair, and a batched pairwise form on two matrices.
Computation is in float64. Definitions follow SciPy (``scipy.spatial.distance``)
and OpenCV (``cv2.compareHist``) where those define the metric.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import UsageError

if TYPE_CHECKING:
    from imgsim.features import FeatureKind, FeatureParams, FeatureSpec

Vector = NDArray[np.generic]
Matrix = NDArray[np.float64]

_BLOCK_BYTES = 64 * 1024 * 1024
"""Scratch memory per block of the broadcast pairwise forms."""


@dataclass(frozen=True)
class Span:
    """The scale of a distance on feature values: the largest value it can take (for a
    similarity: its value on identical vectors), ``None`` where it has none.

    Every feature's values lie in [0, 1]; histograms also sum to 1. ``box`` gives the
    span on d values in [0, 1] (hash bits, thumbnails) as a function of d.
    """

    histogram: float | None
    box: Callable[[int], float] | None

    def on(self, kind: FeatureKind, dim: int) -> float | None:
        """The span on a feature of this kind and dimension."""
        if kind == "histogram":
            return self.histogram
        return self.box(dim) if self.box is not None else None


@dataclass(frozen=True)
class NearDuplicate:
    """Fractions of the span within which two images are near-duplicates, per kind of
    feature: a distance of at most ``fraction * span``, or a similarity of at least
    ``(1 - fraction) * span``."""

    histogram: float
    hash: float
    vector: float

    def fraction(self, kind: FeatureKind) -> float:
        """The fraction on a feature of this kind."""
        return {"histogram": self.histogram, "hash": self.hash, "vector": self.vector}[kind]


def _everywhere(fraction: float) -> NearDuplicate:
    return NearDuplicate(fraction, fraction, fraction)


@dataclass(frozen=True)
class Distance:
    """One distance or similarity between feature vectors."""

    name: str
    higher_is_closer: bool
    range: str
    summary: str
    pairwise: Callable[[Matrix, Matrix], Matrix]
    """(n, d) and (m, d) float64 → (n, m)."""
    span: Span
    """Largest value on feature values (similarities: value on identical vectors)."""
    near_duplicate: NearDuplicate
    """Where near-duplicates end, as fractions of :attr:`span` (calibrated: see DISTANCES)."""
    aliases: tuple[str, ...] = ()
    needs_bits: bool = False
    """Works on packed hash bytes (``hamming``) instead of float vectors."""

    @property
    def direction(self) -> str:
        """``higher`` or ``lower``: which values mean closer."""
        return "higher" if self.higher_is_closer else "lower"

    def require_hash(self, spec: FeatureSpec, argument: str = "distance") -> None:
        """Raise a :class:`UsageError` when this distance needs hash bits and ``spec``
        is not a hash; ``argument`` names the distance in the message."""
        if self.needs_bits and spec.kind != "hash":
            raise UsageError(f"{argument} {self.name} works on hashes, not on {spec.name}")

    @overload
    def is_within(self, values: float, threshold: float) -> bool: ...
    @overload
    def is_within(self, values: NDArray[np.float64], threshold: float) -> NDArray[np.bool_]: ...

    def is_within(
        self, values: float | NDArray[np.float64], threshold: float
    ) -> bool | NDArray[np.bool_]:
        """Whether ``values`` (a float or an array) are within ``threshold``: at most it
        for a distance, at least it for a similarity."""
        within = values >= threshold if self.higher_is_closer else values <= threshold
        return within if isinstance(within, np.ndarray) else bool(within)


# --------------------------------------------------------------------------- helpers


def _blocked(
    kernel: Callable[[Matrix, Matrix], Matrix],
) -> Callable[[Matrix, Matrix], Matrix]:
    """Apply an (n, 1, d) x (1, m, d) broadcasting kernel in row blocks of bounded memory."""

    def pairwise(x: Matrix, y: Matrix) -> Matrix:
        out = np.empty((x.shape[0], y.shape[0]), dtype=np.float64)
        per_row = max(1, y.shape[0] * max(1, x.shape[1]) * 8)
        step = max(1, _BLOCK_BYTES // per_row)
        for start in range(0, x.shape[0], step):
            out[start : start + step] = kernel(x[start : start + step, None, :], y[None, :, :])
        return out

    return pairwise


def _sq_euclidean(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.square(a - b).sum(axis=-1))(x, y)


def _euclidean(x: Matrix, y: Matrix) -> Matrix:
    return np.sqrt(_sq_euclidean(x, y))


def _manhattan(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.abs(a - b).sum(axis=-1))(x, y)


def _chebyshev(x: Matrix, y: Matrix) -> Matrix:
    if x.shape[1] == 0:
        return np.zeros((x.shape[0], y.shape[0]))
    return _blocked(lambda a, b: np.abs(a - b).max(axis=-1))(x, y)


_CONSTANT_SPREAD = 1e-12
"""A vector whose values spread less than this, relative to their size, is constant."""


def _unit_peak_rows(x: Matrix) -> Matrix:
    """Rows divided by their largest magnitude (zero rows stay zero).

    Cosine and correlation do not change, and their sums of squares can then
    neither underflow nor overflow, whatever the scale of the vectors.
    """
    peak = np.abs(x).max(axis=1, keepdims=True) if x.shape[1] else np.ones((x.shape[0], 1))
    return np.asarray(x / np.where(peak > 0, peak, 1.0), dtype=np.float64)


def _cosine(x: Matrix, y: Matrix) -> Matrix:
    """u·v / (|u| |v|); 0 when either vector is all zeros (it has no direction)."""
    x, y = _unit_peak_rows(x), _unit_peak_rows(y)
    norm_x = np.linalg.norm(x, axis=1)
    norm_y = np.linalg.norm(y, axis=1)
    denominator = np.outer(norm_x, norm_y)
    dots = x @ y.T
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.where(denominator > 0, dots / denominator, 0.0)
    return np.clip(similarity, -1.0, 1.0)


def _centred_rows(x: Matrix) -> Matrix:
    """Rows minus their mean, scaled to a peak of 1; constant rows become zero."""
    x = _unit_peak_rows(x)
    centred = _unit_peak_rows(x - x.mean(axis=1, keepdims=True))
    spread = (x.max(axis=1) - x.min(axis=1)) if x.shape[1] else np.zeros(x.shape[0])
    return np.where((spread > _CONSTANT_SPREAD)[:, None], centred, 0.0)


def _correlation(x: Matrix, y: Matrix) -> Matrix:
    """OpenCV HISTCMP_CORREL: Pearson correlation; 1 when either vector is constant.

    Unlike OpenCV, which calls a pair constant when the product of its variances is
    below 2.2e-16 (so [0, 0.01] and [1e-6, 0] would correlate perfectly), "constant"
    is relative to the size of the values: the result does not depend on their scale.
    """
    xc, yc = _centred_rows(x), _centred_rows(y)
    denominator = np.outer(np.linalg.norm(xc, axis=1), np.linalg.norm(yc, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(denominator > 0, (xc @ yc.T) / denominator, 1.0)
    return np.clip(result, -1.0, 1.0)


def _chi2_kernel(a: Matrix, b: Matrix) -> Matrix:
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(total != 0, np.square(a - b) / total, 0.0)
    return np.asarray(0.5 * terms.sum(axis=-1), dtype=np.float64)


def _intersection(x: Matrix, y: Matrix) -> Matrix:
    return _blocked(lambda a, b: np.minimum(a, b).sum(axis=-1))(x, y)


def _bhattacharyya(x: Matrix, y: Matrix) -> Matrix:
    """OpenCV HISTCMP_BHATTACHARYYA: sqrt(1 - sum(sqrt(a b)) / sqrt(sum(a) sum(b)))."""
    overlap = np.sqrt(x) @ np.sqrt(y).T
    mass = np.outer(x.sum(axis=1), y.sum(axis=1))
    scale = np.where(np.abs(mass) > np.finfo(np.float32).eps, 1.0 / np.sqrt(np.abs(mass)), 1.0)
    return np.asarray(np.sqrt(np.maximum(1.0 - overlap * scale, 0.0)), dtype=np.float64)


def _hellinger(x: Matrix, y: Matrix) -> Matrix:
    """||sqrt(a) - sqrt(b)||_2 / sqrt(2): in [0, 1] for L1-normalised histograms."""
    return np.asarray(_euclidean(np.sqrt(x), np.sqrt(y)) / np.sqrt(2.0), dtype=np.float64)


def _jensenshannon_kernel(a: Matrix, b: Matrix) -> Matrix:
    """SciPy's definition: sqrt of the JS divergence (natural log) of the normalised vectors."""
    p = a / a.sum(axis=-1, keepdims=True)
    q = b / b.sum(axis=-1, keepdims=True)
    m = (p + q) / 2.0
    # Where (p + q) / 2 underflows to 0 (a subnormal p), SciPy's log(p / m) is inf;
    # log p - log(p + q) + log 2 is the finite value. Elsewhere p / m is kept: it is
    # exactly 1 for equal bins, so that a histogram is at distance 0 from itself.
    with np.errstate(invalid="ignore", divide="ignore"):
        log_m = np.log(p + q) - np.log(2.0)
        log_p = np.where(m > 0, np.log(p / m), np.log(p) - log_m)
        log_q = np.where(m > 0, np.log(q / m), np.log(q) - log_m)
        left = np.where(p > 0, p * log_p, 0.0).sum(axis=-1)
        right = np.where(q > 0, q * log_q, 0.0).sum(axis=-1)
    return np.asarray(np.sqrt(np.maximum((left + right) / 2.0, 0.0)), dtype=np.float64)


_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint8)


def _hamming(x: Matrix, y: Matrix) -> Matrix:
    """Differing bits between packed hashes (rows of uint8 bytes)."""
    a = x.astype(np.uint8)
    b = y.astype(np.uint8)
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    step = max(1, _BLOCK_BYTES // max(1, b.size))
    for start in range(0, a.shape[0], step):
        xor = np.bitwise_xor(a[start : start + step, None, :], b[None, :, :])
        out[start : start + step] = _POPCOUNT[xor].sum(axis=-1, dtype=np.int64)
    return out


# Spans of the distances on feature values (all in [0, 1]; histograms sum to 1).
_SQRT2 = math.sqrt(2.0)
_SQRT_LN2 = math.sqrt(math.log(2.0))
_UNIT = Span(1.0, lambda d: 1.0)
_LENGTH = Span(2.0, float)  # manhattan, sqeuclidean: disjoint histograms; 0s against 1s

# Near-duplicate fractions: 1/16 (hamming's 4 of 64 bits) unless real photographs said
# otherwise. Calibrated on the 9 photographs of tests/conftest.py PHOTO_NAMES, each
# re-encoded as JPEG quality 75 and resized to half (18 copies, to be found; the 72
# ordered pairs of different photographs, to be left apart), and on 120 random 128 px
# tiles of 13 photographs, re-encoded, resized to 102 and 64 px and cropped to 90 % (480
# copies) against the tiles of other photographs (bench/near_duplicates.py). "c/18, p":
# copies within, pairs of different photographs within; "tiles c, p": the same as shares.
#
# color_hist (histograms): hubble_deep_field is nearly black, so a JPEG moves a large
# share of its pixels to other hue bins (chi2 0.175 after JPEG, 0.112 at half size); the
# other photographs' copies are within chi2 0.025 and different photographs at least
# 0.294 apart (chelsea and immunohistochemistry). Most close tiles of different
# photographs are pairs of grayscale textures (grass, gravel, brick, coins): a colour
# histogram sees only their brightness distribution.
# - chi2 1/8: 17/18, 0; tiles 0.95, 0.009 (1/16: 16/18, 0.92). 1/5 would take in all 18,
#   but also sample_images' unrelated pair of grayscale photographs (generated/clock.png,
#   which is gravel, against reference/clock.png: 0.1995).
# - hellinger, bhattacharyya 1/3: 18/18, 0; tiles 0.98, 0.014 (1/16: 12/18); hellinger^2
#   lies between chi2/2 and chi2, so hellinger 1/3 is chi2 between 1/9 and 2/9.
# - jensenshannon 1/3: 17/18, 0; tiles 0.96, 0.010 (1/16: 12/18).
# - manhattan, intersection (= 1 - manhattan/2 on histograms) 1/4: 17/18, 0; tiles 0.94,
#   0.008 (1/16: 14/18).
# - euclidean 1/16: 17/18, 0; tiles 0.95, 0.003 (1/5 takes hubble in, and 12 pairs).
#   sqeuclidean (1/16)^2 = 1/256: the same pairs.
# - chebyshev 1/20: 17/18, 0; tiles 0.95, 0.001 (1/16 takes chelsea and
#   immunohistochemistry together).
# - cosine, correlation 0.95: 16/18, 0; tiles 0.91, 0.007.
# thumb (1024 values in [0, 1]): every copy of a whole photograph is within all of the
# fractions below, no two photographs are; the fractions keep tiles of different
# photographs apart. The largest values (d/2 for chi2) are far from what real thumbnails
# reach, and bhattacharyya and jensenshannon compare the thumbnails as distributions,
# which differ little: chi2 1/256 (tiles 0.85, 0.001; 1/16: 31 % of the tile pairs);
# bhattacharyya, jensenshannon 1/64 (tiles 0.78 and 0.72, 0.001 and 0); hellinger 1/20
# (0.86, 0.002); manhattan 1/20 (0.93, 0.003; 1/16: 0.013); euclidean 1/16 (0.88, 0.002)
# and sqeuclidean 1/256; chebyshev 1/20 (0.79, 0). cosine 0.95 takes 35 % of the tile
# pairs in: thumbnails of photographs all point in much the same direction.
# Hashes (bits 0/1): manhattan, sqeuclidean and 2 chi2 are the Hamming distance, so 1/16
# is hamming's bits/16; euclidean and hellinger are square roots of it, so 1/4; and
# bhattacharyya and jensenshannon behave the same way (1/4: 18/18, 0). chebyshev is 0 or
# 1 on bits: its 1/16 means identical hashes.
DISTANCES: dict[str, Distance] = {
    d.name: d
    for d in (
        Distance(
            "euclidean", False, "[0, inf)", "L2 distance.", _euclidean,
            Span(_SQRT2, math.sqrt), NearDuplicate(1 / 16, 1 / 4, 1 / 16),
        ),
        Distance(
            "sqeuclidean", False, "[0, inf)", "Squared L2 distance.", _sq_euclidean,
            _LENGTH, NearDuplicate(1 / 256, 1 / 16, 1 / 256),
        ),
        Distance(
            "manhattan", False, "[0, inf)", "L1 distance.", _manhattan,
            _LENGTH, NearDuplicate(1 / 4, 1 / 16, 1 / 20), ("cityblock",),
        ),
        Distance(
            "chebyshev", False, "[0, inf)", "Largest coordinate difference.", _chebyshev,
            _UNIT, NearDuplicate(1 / 20, 1 / 16, 1 / 20),
        ),
        Distance(
            "cosine", True, "[-1, 1]", "Cosine similarity (1: same direction).", _cosine,
            _UNIT, _everywhere(1 / 20),
        ),
        Distance(
            "correlation", True, "[-1, 1]", "Pearson correlation (OpenCV HISTCMP_CORREL).",
            _correlation, _UNIT, _everywhere(1 / 20),
        ),
        Distance(
            "chi2", False, "[0, 1] on histograms", "Chi-square: ½Σ(a−b)²/(a+b).",
            _blocked(_chi2_kernel), Span(1.0, lambda d: d / 2),
            NearDuplicate(1 / 8, 1 / 16, 1 / 256),
        ),
        Distance(
            "intersection", True, "[0, 1] on histograms", "Histogram intersection Σmin(a,b).",
            # Identical vectors that are not histograms score their own sum: no fixed scale.
            _intersection, Span(1.0, None), _everywhere(1 / 4),
        ),
        Distance(
            "bhattacharyya", False, "[0, 1]", "Bhattacharyya (OpenCV HISTCMP_BHATTACHARYYA).",
            _bhattacharyya, _UNIT, NearDuplicate(1 / 3, 1 / 4, 1 / 64),
        ),
        Distance(
            "hellinger", False, "[0, 1] on histograms", "Hellinger distance.", _hellinger,
            Span(1.0, lambda d: math.sqrt(d / 2)), NearDuplicate(1 / 3, 1 / 4, 1 / 20),
        ),
        Distance(
            "jensenshannon", False, "[0, sqrt(ln 2)]", "Jensen-Shannon distance (SciPy).",
            _blocked(_jensenshannon_kernel), Span(_SQRT_LN2, lambda d: _SQRT_LN2),
            NearDuplicate(1 / 3, 1 / 4, 1 / 64),
        ),
        Distance(
            "hamming", False, "[0, bits]", "Differing bits of perceptual hashes.", _hamming,
            Span(None, float), _everywhere(1 / 16), needs_bits=True,
        ),
    )
}  # fmt: skip

_ALIASES = {alias: d.name for d in DISTANCES.values() for alias in d.aliases}


def get_distance(name: str) -> Distance:
    """A distance by name or alias; an unknown name lists the valid ones."""
    key = _ALIASES.get(name, name)
    if key not in DISTANCES:
        valid = ", ".join([*DISTANCES, *_ALIASES])
        raise UsageError(f"unknown distance {name!r}; valid distances: {valid}")
    return DISTANCES[key]


def _as_matrix(values: object, argument: str, bits: bool) -> NDArray[np.generic]:
    array = np.asarray(values)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"{argument} must be a vector or a 2-D matrix, got shape {array.shape}")
    if bits:
        if array.dtype != np.uint8:
            raise ValueError(f"{argument} must hold packed hash bytes (uint8), got {array.dtype}")
        return array
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{argument} must be real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def pairwise(name: str, x: object, y: object) -> Matrix:
    """All distances between rows of ``x`` (n, d) and rows of ``y`` (m, d): (n, m) float64."""
    metric = get_distance(name)
    a = _as_matrix(x, "x", metric.needs_bits)
    b = _as_matrix(y, "y", metric.needs_bits)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x and y must have the same number of columns, got {a.shape[1]} and {b.shape[1]}"
        )
    return metric.pairwise(a, b)  # type: ignore[arg-type]


def distance(name: str, u: object, v: object) -> float:
    """The distance (or similarity) ``name`` between two vectors."""
    metric = get_distance(name)
    a = np.asarray(u)
    b = np.asarray(v)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"u and v must be 1-D vectors, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"u and v must have the same length, got {a.size} and {b.size}")
    return float(pairwise(metric.name, a, b)[0, 0])


def near_duplicate_threshold(
    distance: str, spec: FeatureSpec, params: FeatureParams
) -> float | None:
    """The default near-duplicate threshold of ``distance`` on feature ``spec``.

    Two images are near-duplicates when their distance is within a fraction of the
    largest value the distance can take on that feature's values (all features have
    values in [0, 1], histograms sum to 1), or their similarity within that fraction
    of its value on identical vectors. The fraction is 1/16 (4 of the 64 bits of a
    hash) unless measurements on real photographs chose another for a distance (its
    :class:`NearDuplicate`; cosine and correlation: at least 0.95; chi2 on histograms:
    0.125). ``None`` where the distance has no fixed scale on the feature
    (``intersection`` of vectors that are not histograms).
    """
    metric = get_distance(distance)
    dim = spec.dim(params)
    span = metric.span.on(spec.kind, dim)
    if span is None:
        return None
    fraction = metric.near_duplicate.fraction(spec.kind)
    return span * (1.0 - fraction) if metric.higher_is_closer else span * fraction

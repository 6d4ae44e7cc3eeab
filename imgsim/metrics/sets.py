"""Set-versus-set metrics on feature matrices (rows are images).

- ``fd``: Fréchet distance between Gaussians fitted to the two sets (Heusel et al.
  2017, "GANs trained by a two time-scale update rule…"), the formula of FID on
  any feature.
- ``kid``: kernel distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the
  unbiased MMD² with the cubic polynomial kernel (x·y/d + 1)³, averaged over
  random subsets; ``kid_std`` is its standard deviation over the subsets.
- ``precision``, ``recall`` (Kynkäänniemi et al. 2019), ``density``, ``coverage``
  (Naeem et al. 2020): k-nearest-neighbour balls around real and fake samples.
- ``vendi``: the Vendi score of one set (Friedman & Dieng 2023) with the cosine
  kernel, the effective number of distinct samples, from 1 to n.

``real`` is always the reference set and ``fake`` the generated one. Everything is
computed in float64; the neighbour searches go through bounded-memory blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from imgsim.defaults import DEFAULT_K as DEFAULT_K
from imgsim.defaults import DEFAULT_SUBSET_SIZE as DEFAULT_SUBSET_SIZE
from imgsim.defaults import DEFAULT_SUBSETS as DEFAULT_SUBSETS
from imgsim.metrics.records import Metric
from imgsim.metrics.registry import SET_METRICS, get_set_metric
from imgsim.metrics.search import distance_blocks, kth_neighbour_distances

Matrix = NDArray[np.float64]
Vector = NDArray[np.float64]

_CLIP_REPORT = 1e-6
"""Negative eigenvalues larger than this (relative to the largest) are reported."""
COVARIANCE_MAX_DIMENSION = 4096
"""Widest features whose covariance is computed (for fd). A d x d float64 matrix is 8d²
bytes, 128 MiB at 4096, and fd holds about seven at once (two covariances, a square root,
eigenvectors, products): measured 0.9 GiB peak and 36 s on 2 cores at d = 4096, 6 s at
2048 (Inception's width). Each doubling is 4x the memory and about 6x the time; kid and
the k-NN metrics work on the n x d matrices and need no d x d one."""


SetMetric = Metric
"""The record of a set metric (see :mod:`imgsim.metrics.registry`)."""

PRDC = ("precision", "recall", "density", "coverage")


def min_set_size(name: str, k: int = DEFAULT_K) -> int:
    """Fewest vectors each set needs for the set metric ``name``: 2 for fd (a covariance)
    and kid (its unbiased sums leave out i = j), k + 1 for precision, recall, density and
    coverage (k neighbours besides the vector itself)."""
    return k + 1 if get_set_metric(name).name in PRDC else 2


def covariance_mebibytes(dimension: int) -> int:
    """Size of one d x d float64 covariance, in MiB (rounded up)."""
    return -(-8 * dimension * dimension // 2**20)


# --------------------------------------------------------------------------- Fréchet


@dataclass(frozen=True)
class Gaussian:
    """Mean and covariance of a feature set, and how many vectors they came from."""

    mean: Vector
    covariance: Matrix
    count: int

    @classmethod
    def fit(cls, features: NDArray[np.generic]) -> Gaussian:
        """Sample mean and unbiased covariance (``numpy.cov``, as pytorch-fid)."""
        matrix = _matrix(features, "features")
        if len(matrix) < 2:
            raise ValueError(f"need at least 2 vectors for a covariance, got {len(matrix)}")
        if matrix.shape[1] > COVARIANCE_MAX_DIMENSION:
            raise ValueError(
                f"features of {matrix.shape[1]} dimensions are wider than the "
                f"{COVARIANCE_MAX_DIMENSION} whose covariance is computed "
                f"({covariance_mebibytes(matrix.shape[1]):,} MiB each)"
            )
        covariance = np.atleast_2d(np.cov(matrix, rowvar=False))
        return cls(matrix.mean(axis=0), covariance, len(matrix))


@dataclass(frozen=True)
class FrechetResult:
    """The Fréchet distance and what the user should know about how it was computed."""

    value: float
    notes: tuple[str, ...] = ()


def frechet_distance(real: Gaussian, fake: Gaussian) -> FrechetResult:
    """‖μr − μf‖² + Tr(Σr) + Tr(Σf) − 2 Tr((Σr Σf)^½).

    Tr((Σr Σf)^½) is computed as Tr((Σr^½ Σf Σr^½)^½), a symmetric positive
    semi-definite matrix, through two symmetric eigendecompositions: no complex
    square roots of a non-symmetric product, and singular covariances are safe
    (eigenvalues that rounding pushed below zero count as zero, and are reported
    when they are not negligible).
    """
    if real.mean.shape != fake.mean.shape:
        raise ValueError(
            f"the sets have different dimensions: {real.mean.size} and {fake.mean.size}"
        )
    notes: list[str] = []
    dimension = real.mean.size
    for name, gaussian in (("reference", real), ("generated", fake)):
        if gaussian.count <= dimension:
            notes.append(
                f"the {name} set has {gaussian.count} vectors for {dimension} dimensions: "
                "its covariance is rank-deficient and fd is biased; kid is unbiased at any size"
            )
    root_real, clipped_real = _psd_sqrt(real.covariance)
    middle = root_real @ fake.covariance @ root_real
    eigenvalues = np.asarray(np.linalg.eigvalsh((middle + middle.T) / 2), dtype=np.float64)
    clipped = max(clipped_real, _clipped_share(eigenvalues))
    if clipped > _CLIP_REPORT:
        notes.append(
            f"negative eigenvalues down to {-clipped:.2g} x the largest were set to 0 "
            "(covariances singular up to rounding)"
        )
    trace_root = float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())
    difference = real.mean - fake.mean
    value = (
        float(difference @ difference)
        + float(np.trace(real.covariance))
        + float(np.trace(fake.covariance))
        - 2.0 * trace_root
    )
    return FrechetResult(max(value, 0.0), tuple(notes))


def fd(real: NDArray[np.generic], fake: NDArray[np.generic]) -> float:
    """Fréchet distance between the Gaussians fitted to two feature matrices."""
    return frechet_distance(Gaussian.fit(real), Gaussian.fit(fake)).value


def _psd_sqrt(matrix: Matrix) -> tuple[Matrix, float]:
    """Square root of a symmetric positive semi-definite matrix, and how negative its
    smallest eigenvalue was relative to the largest (rounding)."""
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    root = (vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ vectors.T
    return root, _clipped_share(eigenvalues)


def _clipped_share(eigenvalues: Vector) -> float:
    largest = float(np.abs(eigenvalues).max()) if eigenvalues.size else 0.0
    smallest = float(eigenvalues.min()) if eigenvalues.size else 0.0
    return -smallest / largest if largest > 0 and smallest < 0 else 0.0


# --------------------------------------------------------------------------- KID


def kid(
    real: NDArray[np.generic],
    fake: NDArray[np.generic],
    *,
    subsets: int = DEFAULT_SUBSETS,
    subset_size: int = DEFAULT_SUBSET_SIZE,
    seed: int = 0,
) -> tuple[float, float]:
    """Kernel distance: mean and standard deviation of the unbiased MMD² over subsets.

    Each subset draws ``min(subset_size, len(real), len(fake))`` vectors from each
    set without replacement (NumPy's PCG64 generator seeded with ``seed``). Memory: the
    subsets' copies (at most the two matrices again) and three subset-size² kernels,
    never d x d, so wide features are fine.
    """
    x, y = _matrix(real, "real"), _matrix(fake, "fake")
    _same_dimension(x, y)
    size = min(subset_size, len(x), len(y))
    if size < 2:
        raise ValueError(f"kid needs at least 2 vectors in each set, got {len(x)} and {len(y)}")
    if subsets < 1:
        raise ValueError(f"subsets must be at least 1, got {subsets}")
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for index in range(subsets):
        pick_x = rng.choice(len(x), size, replace=False)
        pick_y = rng.choice(len(y), size, replace=False)
        values[index] = polynomial_mmd2(x[pick_x], y[pick_y])
    return float(values.mean()), float(values.std())


def polynomial_mmd2(x: Matrix, y: Matrix) -> float:
    """Unbiased MMD² of two equal-sized samples under k(a, b) = (a·b/d + 1)³.

    The within-set sums leave out the diagonal; the cross term averages all m²
    pairs, as the estimator of Bińkowski et al. (their ``mmd_est='unbiased'``).
    """
    m, dimension = x.shape
    kernel_xx = (x @ x.T / dimension + 1.0) ** 3
    kernel_yy = (y @ y.T / dimension + 1.0) ** 3
    kernel_xy = (x @ y.T / dimension + 1.0) ** 3
    within = (kernel_xx.sum() - np.trace(kernel_xx) + kernel_yy.sum() - np.trace(kernel_yy)) / (
        m * (m - 1)
    )
    return float(within - 2.0 * kernel_xy.sum() / (m * m))


# --------------------------------------------------------------------------- PRDC


def prdc(
    real: NDArray[np.generic], fake: NDArray[np.generic], *, k: int = DEFAULT_K
) -> dict[str, float]:
    """Precision, recall, density and coverage with k-nearest-neighbour balls (Euclidean).

    Same definitions as the ``prdc`` package (``compute_prdc``), with the distance
    matrices walked in blocks instead of held whole.
    """
    x, y = _matrix(real, "real"), _matrix(fake, "fake")
    _same_dimension(x, y)
    if k < 1 or k >= min(len(x), len(y)):
        raise ValueError(
            f"k must be between 1 and the smaller set's size minus 1 "
            f"({min(len(x), len(y)) - 1}), got {k}"
        )
    real_radii = kth_neighbour_distances(x, k, "euclidean")
    fake_radii = kth_neighbour_distances(y, k, "euclidean")
    fake_in_real_balls = np.zeros(len(y), dtype=np.int64)
    real_reached = np.zeros(len(x), dtype=bool)
    nearest_fake = np.full(len(x), np.inf)
    for row, column, block in distance_blocks(x, y, "euclidean"):
        radii = real_radii[row : row + block.shape[0], None]
        fake_in_real_balls[column : column + block.shape[1]] += (block < radii).sum(axis=0)
        inside_fake = block < fake_radii[None, column : column + block.shape[1]]
        real_reached[row : row + block.shape[0]] |= inside_fake.any(axis=1)
        rows = slice(row, row + block.shape[0])
        nearest_fake[rows] = np.minimum(nearest_fake[rows], block.min(axis=1))
    return {
        "precision": float((fake_in_real_balls > 0).mean()),
        "recall": float(real_reached.mean()),
        "density": float(fake_in_real_balls.mean() / k),
        "coverage": float((nearest_fake < real_radii).mean()),
    }


# --------------------------------------------------------------------------- diversity


def vendi(features: NDArray[np.generic]) -> float:
    """Vendi score with the cosine kernel: exp of the entropy of the eigenvalues of K/n.

    K/n = X̂X̂ᵀ/n for the row-normalised features X̂ has the same non-zero
    eigenvalues as X̂ᵀX̂/n (d x d), which is used when it is the smaller matrix.
    All-zero rows have no direction; they count as one shared direction.
    """
    x = _matrix(features, "features")
    if len(x) == 0:
        raise ValueError("vendi needs at least one vector")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    unit = np.where(norms > 0, x / np.where(norms > 0, norms, 1.0), 0.0)
    zero = norms[:, 0] == 0
    if zero.any():
        unit = np.concatenate([unit, zero[:, None].astype(np.float64)], axis=1)
    n = len(unit)
    gram = unit @ unit.T if n <= unit.shape[1] else unit.T @ unit
    eigenvalues = np.clip(np.linalg.eigvalsh(gram / n), 0.0, None)
    eigenvalues = eigenvalues[eigenvalues > 0]
    return float(np.exp(-(eigenvalues * np.log(eigenvalues)).sum()))


@dataclass(frozen=True)
class Diversity:
    """How varied one set is."""

    count: int
    mean_distance: float
    vendi: float
    near_duplicate_pairs: int
    near_duplicate_ratio: float
    """Near-duplicate pairs over all n(n-1)/2 pairs."""


def diversity(
    features: NDArray[np.generic],
    distance: str,
    threshold: float,
    *,
    vendi_features: NDArray[np.generic] | None = None,
) -> Diversity:
    """Mean pairwise ``distance``, Vendi score and pairs within ``threshold`` of each other.

    A pair is a near-duplicate when its distance is at most ``threshold`` (for a
    similarity such as cosine: at least ``threshold``). Each unordered pair counts
    once. ``vendi_features`` (e.g. hash bits unpacked to 0/1) replace ``features``
    for the Vendi score when the distance works on another representation.
    """
    from imgsim.metrics.distances import get_distance

    metric = get_distance(distance)
    count = len(features)
    if count < 2:
        raise ValueError(f"diversity needs at least 2 images, got {count}")
    total = 0.0
    close = 0
    for row, column, block in distance_blocks(features, features, metric.name):
        rows = np.arange(row, row + block.shape[0])[:, None]
        columns = np.arange(column, column + block.shape[1])[None, :]
        upper = columns > rows
        total += float(block[upper].sum())
        near = block >= threshold if metric.higher_is_closer else block <= threshold
        close += int((near & upper).sum())
    pairs = count * (count - 1) // 2
    return Diversity(
        count=count,
        mean_distance=total / pairs,
        vendi=vendi(features if vendi_features is None else vendi_features),
        near_duplicate_pairs=close,
        near_duplicate_ratio=close / pairs,
    )


# --------------------------------------------------------------------------- helpers


def _matrix(values: NDArray[np.generic], name: str) -> Matrix:
    array = np.asarray(values)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix (rows are images), got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def _same_dimension(x: Matrix, y: Matrix) -> None:
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"the sets have different dimensions: {x.shape[1]} and {y.shape[1]}")


__all__: Sequence[str] = [
    "COVARIANCE_MAX_DIMENSION",
    "DEFAULT_K",
    "DEFAULT_SUBSETS",
    "DEFAULT_SUBSET_SIZE",
    "PRDC",
    "SET_METRICS",
    "Diversity",
    "FrechetResult",
    "Gaussian",
    "SetMetric",
    "covariance_mebibytes",
    "diversity",
    "fd",
    "frechet_distance",
    "get_set_metric",
    "kid",
    "min_set_size",
    "polynomial_mmd2",
    "prdc",
    "vendi",
]

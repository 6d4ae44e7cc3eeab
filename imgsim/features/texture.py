"""Texture features: local binary patterns and grey-level co-occurrence statistics.

``lbp`` is the rotation-invariant uniform LBP of Ojala, Pietikäinen & Mäenpää 2002
("Multiresolution gray-scale and rotation invariant texture classification with local
binary patterns", IEEE TPAMI 24(7)), and ``glcm`` the co-occurrence statistics of
Haralick, Shanmugam & Dinstein 1973 ("Textural features for image classification", IEEE
TSMC 3(6)). Both reproduce scikit-image's implementation exactly
(``skimage.feature.local_binary_pattern(method="uniform")``, ``graycomatrix`` and
``graycoprops``), vectorised over the whole image instead of its per-pixel loops.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from imgsim.features import gabor
from imgsim.features.spec import FeatureParams, FeatureSpec
from imgsim.images import luma

LBP_SCALES: tuple[tuple[int, int], ...] = ((8, 1), (16, 2))
"""(neighbours P, radius R) of the two LBP scales: ``P + 2`` codes each."""

GLCM_OFFSETS: tuple[tuple[int, int], ...] = ((0, 1), (1, 1), (1, 0), (1, -1))
"""(row, column) steps of the co-occurrence pairs at distance 1 for the angles 0, π/4,
π/2 and 3π/4, as scikit-image rounds ``(sin θ, cos θ)`` to whole pixels."""

GLCM_PROPERTIES = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation", "ASM")
"""The Haralick properties of ``glcm``, in the order of its vector (each at 4 angles)."""

_SIGMA_FLOOR = 1e-15
"""Below this standard deviation graycoprops sets the correlation to 1 (a flat matrix)."""


def _neighbour_offsets(points: int, radius: float) -> tuple[NDArray[np.float64], ...]:
    """Row and column offsets of the ``points`` circular neighbours, rounded to 5
    decimals as scikit-image does, so that neighbours on the pixel grid (0°, 90°, …)
    sit exactly on it."""
    angles = 2 * np.pi * np.arange(points, dtype=np.float64) / points
    rows = np.round(-radius * np.sin(angles), 5)
    cols = np.round(radius * np.cos(angles), 5)
    return rows, cols


def _axis_weights(
    length: int, offset: float
) -> tuple[int, int, NDArray[np.float64], NDArray[np.float64]]:
    """Floor and ceiling steps along one axis and the bilinear weights of each position.

    The fraction is taken of ``index + offset`` itself, not of ``offset``: that is the
    value scikit-image's ``bilinear_interpolation`` computes, and it differs in the last
    bits from one index to the next, which decides ties between a neighbour and its
    centre.
    """
    position = np.arange(length, dtype=np.float64) + offset
    fraction = position - np.floor(position)
    return int(np.floor(offset)), int(np.ceil(offset)), 1 - fraction, fraction


class _PaddedImage:
    """A gray image in float64 with ``pad`` zeros around it (scikit-image's constant
    mode), flattened so that the image shifted by any step within ``pad`` is one
    contiguous (rows, stride) view: NumPy's arithmetic on contiguous views runs about
    3x faster than on strided 2-D slices (measured on 256x256). The last ``stride -
    cols`` columns of every view are padding, dropped from the result."""

    def __init__(self, gray: NDArray[np.uint8], pad: int) -> None:
        self.rows, self.cols = gray.shape
        self.pad = pad
        self.stride = self.cols + 2 * pad
        padded = np.pad(gray.astype(np.float64), ((pad, pad + 1), (pad, pad)))
        self.flat = padded.ravel()

    def shifted(self, dr: int, dc: int) -> NDArray[np.float64]:
        """The pixels ``dr`` rows below and ``dc`` columns right of each pixel."""
        start = (self.pad + dr) * self.stride + self.pad + dc
        view = self.flat[start : start + self.rows * self.stride]
        return view.reshape(self.rows, self.stride)

    def neighbour(self, row: float, col: float) -> NDArray[np.float64]:
        """Bilinear samples at (``row``, ``col``) from every pixel, in the order of
        operations of scikit-image's ``bilinear_interpolation``."""
        r_low, r_high, r_keep, r_step = _axis_weights(self.rows, row)
        c_low, c_high, c_keep, c_step = _axis_weights(self.stride, col)
        if r_low == r_high and c_low == c_high:
            return self.shifted(r_low, c_low)
        top = c_keep * self.shifted(r_low, c_low)
        top += c_step * self.shifted(r_low, c_high)
        bottom = c_keep * self.shifted(r_high, c_low)
        bottom += c_step * self.shifted(r_high, c_high)
        top *= r_keep[:, None]
        bottom *= r_step[:, None]
        top += bottom
        return top


def uniform_lbp(gray: NDArray[np.uint8], points: int, radius: float) -> NDArray[np.intp]:
    """Rotation-invariant uniform LBP codes (0 to ``points + 1``) of a gray image.

    The same codes as ``skimage.feature.local_binary_pattern(gray, points, radius,
    method="uniform")``: each neighbour on the circle of ``radius`` is sampled
    bilinearly (zero outside the image) and set when it is at least the centre; a
    uniform pattern is coded by its number of set neighbours, any other by ``points +
    1``. scikit-image counts the changes along neighbours 0 to ``points - 1`` only, as
    done here; at most two of them there means at most two around the whole circle as
    well (two runs, or three whose first and last have the same bit), so this is Ojala's
    uniformity.
    """
    if gray.ndim != 2:
        raise ValueError(f"gray must be a 2-D image, got shape {gray.shape}")
    image = _PaddedImage(gray, int(np.ceil(radius)))
    centre = image.shifted(0, 0)
    shape = centre.shape
    ones = np.zeros(shape, dtype=np.uint8)
    changes = np.zeros(shape, dtype=np.uint8)
    previous = np.empty(shape, dtype=np.bool_)
    bit = np.empty(shape, dtype=np.bool_)
    row_offsets, col_offsets = _neighbour_offsets(points, radius)
    steps = zip(row_offsets.tolist(), col_offsets.tolist(), strict=True)
    for index, (row, col) in enumerate(steps):
        np.greater_equal(image.neighbour(row, col), centre, out=bit)
        np.add(ones, bit, out=ones, casting="unsafe")
        if index:
            np.add(changes, bit != previous, out=changes, casting="unsafe")
        previous, bit = bit, previous
    codes = np.where(changes <= 2, ones, points + 1)
    return codes[:, : image.cols].astype(np.intp)


def lbp_histograms(gray: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The ``lbp`` vector: the histogram of the uniform codes at each of
    :data:`LBP_SCALES` (``P + 2`` bins, normalised to sum 1), concatenated (28 values)."""
    histograms = []
    for points, radius in LBP_SCALES:
        codes = uniform_lbp(gray, points, radius)
        counts = np.bincount(codes.ravel(), minlength=points + 2).astype(np.float64)
        histograms.append(counts / codes.size)
    return np.concatenate(histograms).astype(np.float32)


def quantise(gray: NDArray[np.uint8], levels: int) -> NDArray[np.intp]:
    """Gray values 0..255 to ``levels`` equal bins: ``gray * levels // 256`` (for 32
    levels, 8 gray values per bin)."""
    return gray.astype(np.intp) * levels // 256


def cooccurrence(quantised: NDArray[np.intp], levels: int) -> NDArray[np.float64]:
    """Normalised symmetric co-occurrence matrices (levels, levels, 4) at distance 1.

    ``skimage.feature.graycomatrix(quantised, [1], [0, π/4, π/2, 3π/4], levels,
    symmetric=True, normed=True)[:, :, 0, :]``: pairs at each of :data:`GLCM_OFFSETS`
    inside the image are counted in both orders, then divided by their total.
    """
    rows, cols = quantised.shape
    matrices = np.zeros((levels, levels, len(GLCM_OFFSETS)), dtype=np.float64)
    for angle, (dr, dc) in enumerate(GLCM_OFFSETS):
        first = quantised[: rows - dr, max(0, -dc) : cols - max(0, dc)]
        second = quantised[dr:, max(0, dc) : cols - max(0, -dc)]
        pairs = (first * levels + second).ravel()
        counts = np.bincount(pairs, minlength=levels * levels).reshape(levels, levels)
        symmetric = (counts + counts.T).astype(np.float64)
        total = symmetric.sum()
        matrices[:, :, angle] = symmetric / (total if total else 1.0)
    return matrices


def haralick(matrices: NDArray[np.float64]) -> NDArray[np.float64]:
    """The :data:`GLCM_PROPERTIES` of each normalised matrix (levels, levels, angles),
    as an array (properties, angles), with ``skimage.feature.graycoprops``'s formulas:
    contrast Σ P (i−j)², dissimilarity Σ P |i−j|, homogeneity Σ P / (1 + (i−j)²),
    ASM Σ P², energy √ASM, and correlation Σ P (i−μᵢ)(j−μⱼ) / (σᵢσⱼ), 1 when σᵢ or σⱼ is
    below 1e-15."""
    levels = matrices.shape[0]
    i = np.arange(levels, dtype=np.float64).reshape(levels, 1, 1)
    j = i.reshape(1, levels, 1)
    squared = (i - j) ** 2
    contrast = np.sum(matrices * squared, axis=(0, 1))
    dissimilarity = np.sum(matrices * np.abs(i - j), axis=(0, 1))
    homogeneity = np.sum(matrices * (1.0 / (1.0 + squared)), axis=(0, 1))
    asm = np.sum(matrices**2, axis=(0, 1))
    diff_i = i - np.sum(i * matrices, axis=(0, 1))
    diff_j = j - np.sum(j * matrices, axis=(0, 1))
    std_i = np.sqrt(np.sum(matrices * diff_i**2, axis=(0, 1)))
    std_j = np.sqrt(np.sum(matrices * diff_j**2, axis=(0, 1)))
    covariance = np.sum(matrices * (diff_i * diff_j), axis=(0, 1))
    flat = (std_i < _SIGMA_FLOOR) | (std_j < _SIGMA_FLOOR)
    spread = np.where(flat, 1.0, std_i * std_j)
    correlation = np.where(flat, 1.0, covariance / spread)
    return np.stack([contrast, dissimilarity, homogeneity, np.sqrt(asm), correlation, asm])


def glcm_properties(gray: NDArray[np.uint8], levels: int) -> NDArray[np.float32]:
    """The ``glcm`` vector: :func:`haralick` of the :func:`cooccurrence` matrices of the
    gray image quantised to ``levels`` (:func:`quantise`), property by property, each
    at the 4 angles (24 values)."""
    return haralick(cooccurrence(quantise(gray, levels), levels)).ravel().astype(np.float32)


def _lbp_feature(
    image: NDArray[np.uint8], params: FeatureParams, reduced: bool
) -> NDArray[np.float32]:
    return lbp_histograms(luma(image))


def _glcm_feature(
    image: NDArray[np.uint8], params: FeatureParams, reduced: bool
) -> NDArray[np.float32]:
    return glcm_properties(luma(image), params.glcm_levels)


SPECS: tuple[FeatureSpec, ...] = (
    *gabor.SPECS,
    FeatureSpec(
        name="lbp",
        kind="histogram",
        version=1,
        default_distance="chi2",
        summary="Histograms of rotation-invariant uniform local binary patterns (P=8, R=1 "
        "and P=16, R=2) of the gray working image: micro-texture, little moved by brightness "
        "and contrast.",
        use_when="texture: fine grain and edges, whatever the brightness",
        uses=("size", "crop"),
        dim=lambda p: sum(points + 2 for points, _ in LBP_SCALES),
        work_side=lambda p: None,
        needs_color=True,
        compute=_lbp_feature,
        working=True,
    ),
    FeatureSpec(
        name="glcm",
        kind="vector",
        version=1,
        default_distance="euclidean",
        summary="Haralick contrast, dissimilarity, homogeneity, energy, correlation and ASM "
        "of grey-level co-occurrences at distance 1 and 4 angles: coarse texture statistics.",
        use_when="texture: contrast and regularity of the gray levels",
        uses=("size", "crop", "glcm_levels"),
        dim=lambda p: len(GLCM_PROPERTIES) * len(GLCM_OFFSETS),
        work_side=lambda p: None,
        needs_color=True,
        compute=_glcm_feature,
        signed=True,
        working=True,
    ),
)

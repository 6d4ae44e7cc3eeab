"""PIQE: the Perception-based Image Quality Evaluator, a parameter-free no-reference score.

References
----------
N. Venkatanath, D. Praneeth, Maruthi Chandrasekhar Bh, S. S. Channappayya, S. S. Medasani,
"Blind image quality evaluation using perception based features", Twenty First National
Conference on Communications (NCC), 2015, pp. 1-6, doi:10.1109/NCC.2015.7084843.
MATLAB Image Processing Toolbox, ``piqe`` (R2018b and later), whose computation this
module follows step for step, with every block scored at once instead of one per loop.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import checked_image, gray8

BLOCK = 16
"""The side of the non-overlapping blocks that PIQE judges one at a time."""
ACTIVITY_THRESHOLD = 0.1
"""A block whose MSCN variance exceeds it is spatially active (salient); only those count."""
IMPAIRED_THRESHOLD = 0.1
"""An edge segment whose MSCN standard deviation is under it is a noticeable artefact."""
SEGMENT = 6
"""Contiguous pixels in one segment of a block edge: 11 overlapping segments per edge."""
CENTRE_COLUMNS = (7, 8)
"""0-based columns of a block that the noise criterion calls its centre (MATLAB 8 and 9)."""
SURROUND_DROPPED = (7, 9)
"""0-based columns left out of the surround. MATLAB deletes column 8 and then column 9 of
what remains, which is the block's column 10: the surround keeps the second centre
column (MATLAB 9) and loses column 10 (0-based 9)."""
POOLING_CONSTANT = 1.0
"""C of the score, ``(Σ block scores + C) / (N_active + C)``; it makes a flat image 100."""
MSCN_CONSTANT = 1.0
"""The constant of the MSCN divisor ``σ + 1``."""
GAUSSIAN_SIGMA = 7.0 / 6.0
GAUSSIAN_SIZE = 7
"""MATLAB's ``imgaussfilt(I, 7/6, 'FilterSize', 7, 'Padding', 'replicate')``."""

_Floats = NDArray[np.float64]
_Flags = NDArray[np.bool_]


def _gaussian_taps() -> _Floats:
    """The 1-D kernel of MATLAB's ``imgaussfilt``: ``exp(-x²/2σ²)`` at x = -3…3, sum 1."""
    radius = (GAUSSIAN_SIZE - 1) // 2
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    taps = np.exp(-(x * x) / (2.0 * GAUSSIAN_SIGMA * GAUSSIAN_SIGMA))
    return np.asarray(taps / taps.sum(), dtype=np.float64)


_TAPS = _gaussian_taps()


def _padded_gray(image: NDArray[np.uint8]) -> _Floats:
    """The gray image (:func:`gray8`), its last rows and columns replicated up to a
    multiple of 16, as MATLAB's ``padarray(I, padSize, 'replicate', 'post')`` does before
    ``rgb2gray`` (replicating pixels commutes with a per-pixel conversion)."""
    gray = gray8(image)
    rows = -gray.shape[0] % BLOCK
    columns = -gray.shape[1] % BLOCK
    return np.pad(gray, ((0, rows), (0, columns)), mode="edge").astype(np.float64)


def _gaussian(values: _Floats) -> _Floats:
    """The separable 7 x 7 Gaussian (σ = 7/6) with replicated borders."""
    return np.asarray(
        cv2.sepFilter2D(values, cv2.CV_64F, _TAPS, _TAPS, borderType=cv2.BORDER_REPLICATE),
        dtype=np.float64,
    )


def _mscn(gray: _Floats) -> _Floats:
    """Mean-subtracted contrast-normalised coefficients ``(I - μ) / (σ + 1)``, with
    ``σ = sqrt(|G * I² - μ²|)`` (MATLAB takes the absolute value of the local variance
    against rounding below zero)."""
    mu = _gaussian(gray)
    sigma = np.sqrt(np.abs(_gaussian(gray * gray) - mu * mu))
    return np.asarray((gray - mu) / (sigma + MSCN_CONSTANT), dtype=np.float64)


def _unbiased_std(values: _Floats, axis: int = -1) -> _Floats:
    """Standard deviation with n - 1 (MATLAB ``std``), two-pass as NumPy's."""
    mean = values.mean(axis=axis, keepdims=True)
    deviations = values - mean
    count = values.shape[axis]
    return np.asarray(np.sqrt(np.sum(deviations * deviations, axis=axis) / (count - 1)))


def _edge_impaired(edges: _Floats) -> _Flags:
    """Per block, whether any 6-pixel segment of one of its edges (the last axis, 16
    pixels) has a standard deviation under :data:`IMPAIRED_THRESHOLD`.

    The 11 segments are read as 6 shifted slices of the edge: two passes (mean, then
    squared deviations), each summed over the 6 offsets in turn, which is the order
    NumPy's ``std`` sums 6 values in; 4x faster than ``std`` on a sliding-window view
    (0.8 against 3 ms for the 3072 blocks of a 1024 x 768 image).
    """
    count = BLOCK - SEGMENT + 1
    shifted = [edges[..., k : k + count] for k in range(SEGMENT)]
    total = shifted[0].copy()
    for part in shifted[1:]:
        total += part
    mean = total / SEGMENT
    squares = np.zeros_like(mean)
    for part in shifted:
        deviation = part - mean
        squares += deviation * deviation
    deviation_of_segments = np.sqrt(squares / (SEGMENT - 1))
    return np.asarray((deviation_of_segments < IMPAIRED_THRESHOLD).any(axis=-1))


def _noticeable_artefacts(blocks: _Floats) -> _Flags:
    """The noticeable-distortion criterion of every block: a segment of its top, right,
    bottom or left edge with almost no variation (blockiness, sudden artefacts).
    ``blocks`` is (block row, block column, row in block, column in block)."""
    impaired = _edge_impaired(blocks[:, :, 0, :]) | _edge_impaired(blocks[:, :, :, BLOCK - 1])
    return (
        impaired | _edge_impaired(blocks[:, :, BLOCK - 1, :]) | _edge_impaired(blocks[:, :, :, 0])
    )


def _surround_std(blocks: _Floats) -> _Floats:
    """Unbiased standard deviation of each block without columns 7 and 9 (0-based).

    Two passes as MATLAB's ``std``: the surround's mean from the block's sum less the two
    columns', then the squared deviations from it over the whole block less those of the
    two columns, which avoids copying the 14 kept columns out of every block.
    """
    dropped = blocks[:, :, :, list(SURROUND_DROPPED)]
    count = BLOCK * (BLOCK - len(SURROUND_DROPPED))
    mean = (blocks.sum(axis=(2, 3)) - dropped.sum(axis=(2, 3))) / count
    deviations = blocks - mean[:, :, None, None]
    dropped_deviations = dropped - mean[:, :, None, None]
    squares = np.sum(deviations * deviations, axis=(2, 3))
    squares -= np.sum(dropped_deviations * dropped_deviations, axis=(2, 3))
    return np.asarray(np.sqrt(np.maximum(squares, 0.0) / (count - 1)))


def _noise(blocks: _Floats, variance: _Floats) -> _Flags:
    """The noise criterion: ``σ_block > 2 β``, with ``β = |σ_block - ν| / max(σ_block, ν)``
    and ``ν`` the ratio of the centre columns' standard deviation to the surround's
    (0 where it is 0/0, as MATLAB's ``isnan`` check). The two centre columns are 0-based
    7 and 8. Where the surround is constant and the centre is not, MATLAB's ``ν`` is
    ``x/0 = ∞`` and ``β`` NaN, so the block is not noisy; here the surround's deviation
    may come out as a rounding residue instead of 0, which makes ``ν`` huge and
    ``β ≈ 1``, and the block is not noisy either unless ``σ_block > 2`` (a variance over
    4, which MSCN blocks do not reach in practice)."""
    rows, columns = blocks.shape[:2]
    centre = blocks[:, :, :, CENTRE_COLUMNS[0] : CENTRE_COLUMNS[1] + 1]
    centre_std = _unbiased_std(centre.reshape(rows, columns, -1))
    surround_std = _surround_std(blocks)
    sigma = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = centre_std / surround_std
        ratio[np.isnan(ratio)] = 0.0
        beta = np.abs(sigma - ratio) / np.maximum(sigma, ratio)
        return np.asarray(sigma > 2.0 * beta)


def piqe(image: NDArray[np.uint8]) -> float:
    r"""Perception-based Image Quality Evaluator (Venkatanath et al. 2015), as MATLAB's
    ``piqe`` computes it.

    The gray image is normalised to MSCN coefficients
    :math:`\hat I = (I - \mu) / (\sigma + 1)` (7 x 7 Gaussian, σ = 7/6) and cut into
    16 x 16 blocks. A block is *active* when its MSCN variance :math:`v_k` exceeds 0.1;
    only active blocks are judged, by two criteria:

    - noticeable distortion (:math:`w_{ndc} = 1`): some run of 6 pixels along one of its
      four edges has an MSCN standard deviation under 0.1 (blockiness, sudden artefacts);
    - noise (:math:`w_{nc} = 1`): :math:`\sqrt{v_k} > 2\beta`, where
      :math:`\beta = |\sqrt{v_k} - \nu| / \max(\sqrt{v_k}, \nu)` and :math:`\nu` is the
      standard deviation of the block's two centre columns over that of its surround.

    .. math::

        \mathrm{PIQE} = 100 \, \frac{\sum_k \left[ w_{ndc,k} (1 - v_k)
                         + w_{nc,k}\, v_k \right] + C_1}{N_{active} + C_1},
        \qquad C_1 = 1

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        Any size: MATLAB's replicated padding makes every side a multiple of 16.

    Returns
    -------
    float
        Lower is better: 0-20 excellent, 21-35 good, 36-50 fair, 51-80 poor, 81-100 bad
        (MATLAB's bands). Range [0, 100], as MATLAB documents it: 100 for a flat image
        (no active block). Each active block adds :math:`1 - v_k`, :math:`v_k` or 1,
        which lie in [0, 1] while :math:`v_k \le 1`; MSCN block variances stay below 1
        in practice (at most 0.91 over 300 random black-and-white patterns, the most
        contrasted images), though nothing in the definition bounds them.

    Notes
    -----
    Follows MATLAB's ``piqe.m`` where the paper leaves things open and where ports
    differ:

    - the image is the MATLAB ``rgb2gray`` (rounded) of an RGB input, a gray input as it
      is (:func:`~imgsim.metrics.pair_inputs.gray8`), with no rescaling to its own maximum
      (pypiqe and pyiqa divide by ``max(I)`` first);
    - an image whose sides are not multiples of 16 is padded at the bottom and right by
      replicating its last row and column up to the next multiple, and those padded blocks
      are scored too (pypiqe pads symmetrically; pyiqa pads by ``H mod 16`` rows and then
      drops the incomplete block);
    - the noise criterion's centre is columns 8 and 9 of the block (1-based), but its
      surround leaves out columns 8 and 10, since MATLAB deletes column 9 of the block
      that is left after deleting column 8 (:data:`SURROUND_DROPPED`); pyiqa and pypiqe
      do the same;
    - variances and standard deviations are unbiased (``var``, ``std``: n - 1);
    - a block whose surround is constant while its centre is not has
      :math:`\nu = \infty`, :math:`\beta` NaN and is not noisy, as in MATLAB (pyiqa's
      ``nan_to_num`` turns :math:`\infty` into the largest float instead).

    References
    ----------
    N. Venkatanath, D. Praneeth, Maruthi Chandrasekhar Bh, S. S. Channappayya,
    S. S. Medasani, "Blind image quality evaluation using perception based features",
    NCC 2015, doi:10.1109/NCC.2015.7084843. MATLAB Image Processing Toolbox ``piqe``
    (``piqe.m``, R2018b).
    """
    checked = checked_image(image, "image")
    gray = _padded_gray(checked)
    normalised = _mscn(gray)
    rows, columns = gray.shape[0] // BLOCK, gray.shape[1] // BLOCK
    blocks = np.ascontiguousarray(
        normalised.reshape(rows, BLOCK, columns, BLOCK).transpose(0, 2, 1, 3)
    )
    variance = _unbiased_std(blocks.reshape(rows, columns, BLOCK * BLOCK)) ** 2
    active = variance > ACTIVITY_THRESHOLD
    artefacts = _noticeable_artefacts(blocks) & active
    noisy = _noise(blocks, variance) & active
    distortion = float(np.sum(np.where(artefacts, 1.0 - variance, 0.0)))
    distortion += float(np.sum(np.where(noisy, variance, 0.0)))
    score = (distortion + POOLING_CONSTANT) / (int(active.sum()) + POOLING_CONSTANT)
    return 100.0 * score

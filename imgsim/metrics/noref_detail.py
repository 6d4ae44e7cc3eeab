"""No-reference measures of an image's fine detail: sharpness, cleanvision's blur score
and JPEG blockiness (the wavelet noise estimate is in :mod:`imgsim.metrics.noref_noise`).

They flag blurred, noisy and over-compressed outputs without a reference. Gray-level
measures read :func:`~imgsim.metrics.pair_inputs.gray8` (MATLAB ``rgb2gray``), except
``blur``, which follows cleanvision's own Pillow pipeline so that its values are
cleanvision's.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from imgsim.metrics.classic import PSNR_B_BLOCK, PSNR_B_MIN_SIDE, _neighbour_sums
from imgsim.metrics.noref_levels import gray_histogram
from imgsim.metrics.pair_inputs import checked_image, gray8
from imgsim.metrics.pillow_shrink import pillow_shrink

BLUR_MAX_RESOLUTION = 64
"""cleanvision's ``MAX_RESOLUTION_FOR_BLURRY_DETECTION``: the longer side it scores at."""
BLUR_NORMALIZING_FACTOR = 0.01
"""cleanvision's default ``normalizing_factor`` of the blurry check."""
BLUR_COLOR_THRESHOLD = 0.18
"""cleanvision's default ``color_threshold``: histogram-spread scores up to it count 0."""
BLUR_THRESHOLD = 0.29
"""cleanvision flags an image as blurry when its score is under 0.29."""


def sharpness(image: NDArray[np.uint8]) -> float:
    r"""Variance of the Laplacian of the gray image (Pech-Pacheco et al. 2000).

    .. math::

        \Delta g = g * \begin{bmatrix} 0 & 1 & 0 \\ 1 & -4 & 1 \\ 0 & 1 & 0
        \end{bmatrix}, \qquad S = \frac{1}{N} \sum_i (\Delta g_i - \overline{\Delta g})^2

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        Read as :func:`gray8`.

    Returns
    -------
    float
        In squared gray levels, [0, 16 · 255²] (a one-pixel checkerboard). Higher is
        sharper: 0 for a flat image, about 2 for a photograph blurred with σ = 4 px,
        9 (a smooth retina scan) to 5000 (grass) for sharp photographs, far more for
        noise (about 49000 for uniform noise, "sharp" by this measure).

    Notes
    -----
    OpenCV's ``Laplacian(ksize=1)``, that kernel, with OpenCV's default border
    ``BORDER_REFLECT_101`` (``gfedcb|abcdefgh|gfedcba``, SciPy's ``'mirror'``): every
    pixel, borders included, is scored. The Laplacian is taken in int16 (exact) and
    its variance from exact integer sums. The value depends on the image size (a
    downscaled image is sharper per pixel).

    References
    ----------
    J. L. Pech-Pacheco, G. Cristóbal, J. Chamorro-Martínez, J. Fernández-Valdivia,
    "Diatom autofocusing in brightfield microscopy: a comparative study", ICPR 2000,
    vol. 3, 314-317.
    """
    gray = gray8(checked_image(image, "image"))
    laplacian = cv2.Laplacian(gray, cv2.CV_16S, ksize=1)
    count = laplacian.size
    total = round(cv2.sumElems(laplacian)[0])
    square_total = round(cv2.norm(laplacian, cv2.NORM_L2SQR))
    return (count * square_total - total * total) / (count * count)


def _find_edges(gray: NDArray[np.uint8]) -> NDArray[np.int32]:
    """Pillow's ``ImageFilter.FIND_EDGES`` of a gray image: the 3 x 3 kernel of -1
    around 8, clipped to [0, 255], on interior pixels; border pixels (and images
    under 3 px a side) are copied unfiltered, as Pillow does."""
    edges = gray.astype(np.int32)
    if min(gray.shape) < 3:
        return edges
    box = cv2.boxFilter(edges.astype(np.float64), -1, (3, 3), normalize=False)
    # The 3 x 3 sum of integers is exact in float64; 9 g - sum = 8 g - the 8 neighbours.
    response = 9 * edges[1:-1, 1:-1] - box[1:-1, 1:-1].astype(np.int32)
    edges[1:-1, 1:-1] = np.clip(response, 0, 255)
    return edges


def blur(image: NDArray[np.uint8]) -> float:
    r"""cleanvision's blurry score: 1 - exp of the edge strength at 64 px, plus its
    histogram-spread term (cleanvision 0.3.7, ``BlurrinessProperty``).

    .. math::

        b = \sqrt{\mathrm{Var}(\mathrm{FIND\_EDGES}(g))}, \quad
        s = \mathrm{std}(\mathrm{hist}_{256}(g)), \quad
        \mathrm{score} = \min\left(1 - e^{-0.01 b} + [1 - e^{-0.01 s}]_{> 0.18}, 1\right)

    where ``g`` is the image shrunk by Pillow (bicubic) so that its longer side is
    64 px (``max(int(W // r), 1) x max(int(H // r), 1)``, ``r = max(W, H) / 64``;
    smaller images as they are), then converted to Pillow's ``"L"``, and
    ``[x]_{> 0.18}`` is ``x`` when above 0.18 and 0 otherwise.

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3
        RGB or gray; shrunk before its conversion to gray, as cleanvision does.

    Returns
    -------
    float
        [0, 1], higher is sharper (less blurry); cleanvision flags an image as blurry
        under 0.29 (:data:`BLUR_THRESHOLD`). The histogram term lifts images with few
        distinct levels (flat, posterised) out of "blurry": cleanvision reports those
        as low-information instead.

    Notes
    -----
    Equal to cleanvision's per-image computation with its default parameters
    (``normalizing_factor`` 0.01, ``color_threshold`` 0.18), which needs no other
    image of the dataset. The shrinking is Pillow's byte for byte (its fixed-point
    bicubic filter; the horizontal pass, 4 of its 5 ms on a 1024 x 768 RGB image, by
    :func:`~imgsim.metrics.pillow_shrink.shrink_rows` where the ratio is whole, about
    twice as fast), and so is the conversion (Pillow's
    ``L = (19595 R + 38470 G + 7471 B + 2^15) >> 16``, not :func:`gray8`); the edge
    filter and statistics are computed here as Pillow's ``FIND_EDGES`` and
    ``ImageStat`` do. Pillow's ``reducing_gap`` shortcut would
    change the score (by up to 0.012 on 50 photographs).

    References
    ----------
    cleanvision 0.3.7 (Cleanlab, Apache-2.0),
    ``src/cleanvision/issue_managers/image_property.py`` (``calc_blurriness``,
    ``calc_std_grayscale``, ``BlurrinessProperty.calculate`` and ``get_scores``),
    ``image_property_issue_manager.py`` (default parameters), ``utils/constants.py``.
    """
    pixels = checked_image(image, "image")
    height, width = pixels.shape[:2]
    ratio = max(width, height) / BLUR_MAX_RESOLUTION
    if ratio > 1:
        size = (max(int(width // ratio), 1), max(int(height // ratio), 1))
        picture = pillow_shrink(pixels, size)
    else:
        picture = Image.fromarray(pixels)
    gray = np.asarray(picture.convert("L"))
    edges = _find_edges(gray)
    count = edges.size
    edge_sum = int(edges.sum())
    edge_square_sum = int(np.sum(edges * edges))
    # ImageStat's variance, in its own float operations: (sum2 - sum ** 2.0 / n) / n.
    variance = (edge_square_sum - edge_sum**2.0 / count) / count
    # NumPy's exp, as cleanvision's (it can differ from math.exp in the last bit).
    blur_score = 1.0 - float(np.exp(-1 * np.sqrt(variance) * BLUR_NORMALIZING_FACTOR))
    spread = np.std(gray_histogram(gray))
    spread_score = 1.0 - float(np.exp(-1 * spread * BLUR_NORMALIZING_FACTOR))
    if spread_score <= BLUR_COLOR_THRESHOLD:
        spread_score = 0.0
    return min(blur_score + spread_score, 1.0)


def blockiness(image: NDArray[np.uint8]) -> float:
    r"""JPEG blocking: how much stronger the steps across the 8 x 8 block boundaries are
    than those inside blocks, ``D_B / D_B^C`` of Yim & Bovik (2011).

    .. math::

        \mathrm{blockiness} = \frac{D_B}{D_B^C}

    ``D_B`` is the mean squared difference of horizontally or vertically neighbouring
    pixels that straddle a block boundary (pixels ``8k - 1`` and ``8k`` of a row or a
    column, from the top-left corner), ``D_B^C`` that of all other neighbouring pairs.

    Parameters
    ----------
    image : ndarray of uint8, H x W or H x W x 3, at least 9 x 9
        Read as :func:`gray8`.

    Returns
    -------
    float
        [0, inf], lower is better: about 1 without blocking (boundaries like any other
        place), above 1 as compression makes the block grid visible. On the nine
        photographs of the tests (OpenCV's JPEG), medians 1.03 at quality 95, 1.6 at
        50, 3.3 at 10, 5.7 at 5 (up to 27 on smooth images). 1 for a flat image (no
        steps at all); inf when only the block boundaries have steps.

    Notes
    -----
    Yim & Bovik's blocking effect factor ``BEF = η (D_B - D_B^C)`` (the penalty of
    PSNR-B, :func:`imgsim.metrics.classic.psnr_b`) is in squared gray levels, so it
    grows with the image's texture; their ratio is the same comparison without units,
    so one threshold holds across images. The grid is that of an image decoded as it
    was encoded: a crop that moves it by a few pixels hides the blocking from this
    measure. Block size 8, as the paper and JPEG; the sums are PSNR-B's.

    References
    ----------
    C. Yim, A. C. Bovik, "Quality assessment of deblocked images", IEEE Transactions on
    Image Processing 20(1), 88-98, 2011 (Sec. III, Eqs. for D_B and D_B^C).
    """
    gray = gray8(checked_image(image, "image"))
    rows, columns = gray.shape
    if min(rows, columns) < PSNR_B_MIN_SIDE:
        raise ValueError(
            f"blockiness needs images of at least {PSNR_B_MIN_SIDE}x{PSNR_B_MIN_SIDE} "
            f"pixels, got {columns}x{rows}"
        )
    block = PSNR_B_BLOCK
    all_sum, boundary_sum = _neighbour_sums(gray.astype(np.float32), block)
    boundary_pairs = rows * ((columns - 1) // block) + columns * ((rows - 1) // block)
    inner_pairs = rows * (columns - 1) + columns * (rows - 1) - boundary_pairs
    inner_sum = all_sum - boundary_sum
    if inner_sum == 0.0:
        return 1.0 if boundary_sum == 0.0 else math.inf
    return float((boundary_sum / boundary_pairs) / (inner_sum / inner_pairs))

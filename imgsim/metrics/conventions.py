"""SSIM and PSNR in the conventions that papers report them in.

Published numbers are often computed in a way imgsim's own :func:`~imgsim.metrics.fullref.ssim`
and :func:`~imgsim.metrics.fullref.psnr` do not follow:

- super-resolution papers score the Y channel of MATLAB's ``rgb2ycbcr`` after removing a
  border of N pixels (:func:`ssim_y`, :func:`psnr_y`);
- image-quality papers quote the authors' ``ssim.m`` of 2009, which scores the gray image
  after an automatic downsampling (:func:`ssim_matlab`).

References
----------
Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from
error visibility to structural similarity", IEEE TIP 13(4), 2004; the authors' MATLAB
code ``ssim_index.m`` (2003) and ``ssim.m`` ("SSIM Index with automatic downsampling,
Version 1.0", 2009), https://ece.uwaterloo.ca/~z70wang/research/ssim/.
C. Dong, C. C. Loy, K. He, X. Tang, "Image super-resolution using deep convolutional
networks", IEEE TPAMI 38(2), 2016 (and the SR evaluation code that follows it).
"""

from __future__ import annotations

import operator

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError
from imgsim.metrics.fullref import DATA_RANGE, SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW, psnr
from imgsim.metrics.pair_inputs import checked_pair, luma, matlab_factor

YCBCR_Y_WEIGHTS = (65.481, 128.553, 24.966)
"""Row 1 of MATLAB ``rgb2ycbcr``'s matrix (BT.601 studio swing) for R, G, B in [0, 1]."""
YCBCR_Y_OFFSET = 16.0

_KERNEL = cv2.getGaussianKernel(SSIM_WINDOW, SSIM_SIGMA, ktype=cv2.CV_64F)
"""``fspecial('gaussian', 11, 1.5)`` is the outer product of this normalised 1-D kernel."""
_HALF = SSIM_WINDOW // 2
_C1 = (SSIM_K1 * DATA_RANGE) ** 2
_C2 = (SSIM_K2 * DATA_RANGE) ** 2


def matlab_y(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Y of MATLAB ``rgb2ycbcr`` on a ``uint8`` RGB image; a gray image as it is.

    MATLAB computes ``16 + (65.481 R + 128.553 G + 24.966 B) / 255`` in double (its
    matrix scaled by 1/255 for ``uint8`` input) and returns ``uint8``, rounding halves
    away from zero; Y lies in [16, 235]. A gray image has no ``rgb2ycbcr``: the SR
    evaluation scripts (SRCNN's, BasicSR's ``to_y_channel``) take its values as Y.
    """
    if image.ndim == 2:
        return image
    # As MATLAB: its matrix times 1/255, then imlincomb's sum from left to right (a
    # matrix product may fuse or reorder the terms, which moves some of the 194 colours
    # whose exact Y ends in .5 to the other side of the rounding).
    y = np.full(image.shape[:2], 0.0)
    for channel, weight in enumerate(YCBCR_Y_WEIGHTS):
        y += (weight * (1.0 / 255.0)) * image[:, :, channel].astype(np.float64)
    y += YCBCR_Y_OFFSET
    y += 0.5  # halves away from zero: Y is positive
    return np.asarray(np.floor(y, out=y), dtype=np.uint8)


def _valid_filter(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """``filter2(fspecial('gaussian', 11, 1.5), image, 'valid')``: the windows that lie
    wholly inside the image (the border the filter pads is cropped away)."""
    full = cv2.sepFilter2D(image, cv2.CV_64F, _KERNEL, _KERNEL, borderType=cv2.BORDER_REFLECT)
    return np.asarray(full[_HALF:-_HALF, _HALF:-_HALF], dtype=np.float64)


def valid_mean_ssim(img1: NDArray[np.float64], img2: NDArray[np.float64]) -> float:
    """``mean2(ssim_map)`` of the authors' ``ssim_index.m`` on two gray float64 images:
    Gaussian window 11 x 11, σ = 1.5, K = [0.01 0.03], L = 255, 'valid' windows only."""
    mu1 = _valid_filter(img1)
    mu2 = _valid_filter(img2)
    sigma1_sq = _valid_filter(img1 * img1)
    sigma2_sq = _valid_filter(img2 * img2)
    sigma12 = _valid_filter(img1 * img2)
    # In place from here on: five fewer image-sized temporaries (a 512 x 512 float64
    # array is 2 MB, and the arithmetic is bound by memory, not by the operations).
    mu1_mu2 = mu1 * mu2
    mu1_sq = np.square(mu1, out=mu1)
    mu2_sq = np.square(mu2, out=mu2)
    sigma1_sq -= mu1_sq
    sigma2_sq -= mu2_sq
    sigma12 -= mu1_mu2
    numerator = (2 * mu1_mu2 + _C1) * (2 * sigma12 + _C2)
    mu1_sq += mu2_sq
    mu1_sq += _C1
    sigma1_sq += sigma2_sq
    sigma1_sq += _C2
    mu1_sq *= sigma1_sq
    numerator /= mu1_sq
    return float(np.mean(numerator))


def symmetric_average_downsample(image: NDArray[np.float64], factor: int) -> NDArray[np.float64]:
    """``imfilter(image, ones(F)/F^2, 'symmetric', 'same')`` sampled at ``(1:F:end,
    1:F:end)``, as ``ssim.m`` downsamples.

    MATLAB centres an F-tap kernel on tap ``floor((F + 1) / 2)``: the window runs from
    ``floor((F - 1) / 2)`` pixels before the sample to ``F // 2`` after it, and the
    image is mirrored at its edges (``'symmetric'``: the edge pixel repeated, OpenCV's
    ``BORDER_REFLECT``). Unlike :func:`~imgsim.metrics.pair_inputs.matlab_downsample`
    (``conv2``, zero padding), the border samples are not darkened.
    """
    if factor == 1:
        return image
    before = (factor - 1) // 2
    blurred = cv2.blur(
        image, (factor, factor), anchor=(before, before), borderType=cv2.BORDER_REFLECT
    )
    return np.asarray(blurred[::factor, ::factor], dtype=np.float64)


def _cropped(
    image_a: object, image_b: object, metric: str, crop_border: int, min_side: int
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """The Y channels of the pair with ``crop_border`` pixels removed from each side."""
    if isinstance(crop_border, bool):
        raise ArgumentError(
            f"{{}} must be a whole number, got {crop_border!r}", Argument("crop_border")
        )
    try:
        border = operator.index(crop_border)
    except TypeError:
        raise ArgumentError(
            f"{{}} must be a whole number, got {crop_border!r}", Argument("crop_border")
        ) from None
    if border < 0:
        raise ArgumentError(f"{{}} must be 0 or more, got {border}", Argument("crop_border"))
    a, b = checked_pair(image_a, image_b, metric, min_side=min_side)
    height, width = a.shape[0] - 2 * border, a.shape[1] - 2 * border
    if min(height, width) < min_side:
        raise ArgumentError(
            f"{{}} = {border} leaves {max(width, 0)}x{max(height, 0)} of a "
            f"{a.shape[1]}x{a.shape[0]} image; {metric} needs at least "
            f"{min_side}x{min_side} pixels",
            Argument("crop_border"),
        )
    window = (slice(border, border + height), slice(border, border + width))
    return matlab_y(a[window]), matlab_y(b[window])


def psnr_y(
    image_a: NDArray[np.uint8], image_b: NDArray[np.uint8], *, crop_border: int = 0
) -> float:
    """PSNR of the Y channel, as super-resolution papers report it.

    ``10 log10(255² / MSE)`` between the Y channels of MATLAB ``rgb2ycbcr`` on ``uint8``
    (:func:`matlab_y`: BT.601 studio swing, rounded to ``uint8`` as MATLAB returns it;
    a gray image's values are its Y), after ``crop_border`` pixels are removed from each
    side (SR papers crop the scale factor). Higher is better; range [0, inf] dB, ``inf``
    for identical Y channels. Symmetric.

    SRCNN's evaluation code rounds Y like this; BasicSR (``calculate_psnr`` with
    ``test_y_channel=True``) and the RCAN/EDSR MATLAB scripts (``rgb2ycbcr(im2double(.))``)
    keep Y unrounded, which gives slightly higher PSNR on close pairs (rounding adds
    about 1/6 to the MSE).

    Parameters
    ----------
    image_a, image_b
        The image being judged and its reference: ``uint8``, H x W or H x W x 3 RGB.
    crop_border
        Pixels removed from each side before scoring; at least one pixel must remain.
    """
    y_a, y_b = _cropped(image_a, image_b, "psnr_y", crop_border, min_side=1)
    return psnr(y_a, y_b)


def ssim_y(
    image_a: NDArray[np.uint8], image_b: NDArray[np.uint8], *, crop_border: int = 0
) -> float:
    """SSIM of the Y channel, as super-resolution papers report it.

    The authors' ``ssim_index.m`` (2003, no downsampling): Gaussian window 11 x 11,
    σ = 1.5, K = [0.01 0.03], L = 255, ``filter2(..., 'valid')`` and the mean of the map,
    on the Y channels of :func:`matlab_y` after ``crop_border`` pixels are removed from
    each side. This is what BasicSR's ``calculate_ssim(..., test_y_channel=True)`` and the
    SR MATLAB scripts compute (those on unrounded Y, see :func:`psnr_y`). Higher is
    better; range [-1, 1], 1 for identical Y channels. Symmetric. At least 11 x 11
    pixels must remain after the crop.

    Parameters
    ----------
    image_a, image_b
        The image being judged and its reference: ``uint8``, H x W or H x W x 3 RGB.
    crop_border
        Pixels removed from each side before scoring.
    """
    y_a, y_b = _cropped(image_a, image_b, "ssim_y", crop_border, min_side=SSIM_WINDOW)
    return valid_mean_ssim(y_a.astype(np.float64), y_b.astype(np.float64))


def ssim_matlab(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """SSIM as the authors' ``ssim.m`` (2009) computes it, with its automatic downsampling.

    On the gray images (an RGB image as unrounded BT.601 luma, a gray image as it is, so
    that MATLAB ``rgb2gray`` output gives the published numbers): with ``M x N`` the size,
    ``f = max(1, round(min(M, N) / 256))``; if ``f > 1`` each image is averaged over
    ``f x f`` (``imfilter(img, ones(f)/f^2, 'symmetric', 'same')``) and every f-th row
    and column kept; then the mean of the SSIM map,

    ``((2 μ1 μ2 + C1)(2 σ12 + C2)) / ((μ1² + μ2² + C1)(σ1² + σ2² + C2))``,

    over the 'valid' 11 x 11 Gaussian windows (σ = 1.5), ``C1 = (0.01 L)²``,
    ``C2 = (0.03 L)²``, ``L = 255``. Higher is better; range [-1, 1], 1 for identical
    images. Symmetric. Images need at least 11 x 11 pixels (``ssim.m`` returns ``-Inf``
    below that).

    Ports differ: scikit-image and imgsim's :func:`~imgsim.metrics.fullref.ssim` never
    downsample; pyiqa's published ``ssim`` values remove the downsampling; piq's
    ``downsample=True`` averages with ``avg_pool2d``, which for f = 2 has ``ssim.m``'s
    windows but drops an odd last row or column (``ssim.m`` mirrors it), for f >= 3
    starts each window at its sample instead of centring it, and takes f from Python's
    ``round`` (a shorter side of 640 px gives f = 2, ``ssim.m`` f = 3).
    """
    a, b = checked_pair(image_a, image_b, "ssim_matlab", min_side=SSIM_WINDOW)
    img1, img2 = luma(a), luma(b)
    factor = matlab_factor(*img1.shape)
    img1 = symmetric_average_downsample(img1, factor)
    img2 = symmetric_average_downsample(img2, factor)
    return valid_mean_ssim(img1, img2)

"""Full-reference metrics: pixels of one image against pixels of its reference.

Inputs are ``uint8`` arrays of equal shape, H x W (gray) or H x W x C; the data
range is 255. Squared errors are summed in float64; SSIM filters in float32 with
OpenCV.

References
----------
Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment:
from error visibility to structural similarity", IEEE TIP 13(4), 2004.
Z. Wang, E. P. Simoncelli, A. C. Bovik, "Multiscale structural similarity for
image quality assessment", Asilomar Conference on Signals, Systems and Computers, 2003.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.pair_inputs import note_fewer_scales

DATA_RANGE = 255.0
SSIM_SIGMA = 1.5
SSIM_WINDOW = 11
"""Gaussian window: σ = 1.5 truncated at 3.5σ, 11 x 11, as scikit-image and the paper."""
SSIM_K1, SSIM_K2 = 0.01, 0.03
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
MS_SSIM_MIN_SIDE = SSIM_WINDOW
"""11: one scale, the image itself, holds an 11 x 11 window (ms_ssim is then ssim)."""
MS_SSIM_ALL_SCALES_SIDE = SSIM_WINDOW * 2 ** (len(MS_SSIM_WEIGHTS) - 1)
"""176: msssim.m's own check for 5 scales, ``min(M, N) / 2^(level-1) >= 11``."""

_C1 = (SSIM_K1 * DATA_RANGE) ** 2
_C2 = (SSIM_K2 * DATA_RANGE) ** 2
_PAD = (SSIM_WINDOW - 1) // 2
_KERNEL = cv2.getGaussianKernel(SSIM_WINDOW, SSIM_SIGMA, ktype=cv2.CV_64F).astype(np.float32)


def _check_image(image: object, name: str) -> NDArray[np.uint8]:
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8 (data range 255), got {image.dtype}")
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(f"{name} must be an H x W or H x W x C image, got shape {image.shape}")
    return image


def _check_pair(image_a: object, image_b: object) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    a = _check_image(image_a, "image_a")
    b = _check_image(image_b, "image_b")
    if a.shape != b.shape:
        raise ValueError(
            f"image_a and image_b must have the same shape, got {a.shape} and {b.shape}"
        )
    return a, b


def mse(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Mean squared error over all pixels and channels. Range [0, 65025], lower is better.

    The sum of squared differences is OpenCV's ``NORM_L2SQR`` on the uint8 values, which
    accumulates integers: exact (to 2^53), and 100x faster than differences in float64.
    """
    a, b = _check_pair(image_a, image_b)
    rows_a = np.ascontiguousarray(a).reshape(a.shape[0], -1)
    rows_b = np.ascontiguousarray(b).reshape(b.shape[0], -1)
    return float(cv2.norm(rows_a, rows_b, cv2.NORM_L2SQR)) / a.size


def rmse(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Root mean squared error. Range [0, 255], lower is better."""
    return math.sqrt(mse(image_a, image_b))


def mae(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Mean absolute error. Range [0, 255], lower is better."""
    a, b = _check_pair(image_a, image_b)
    return float(np.mean(cv2.absdiff(a, b), dtype=np.float64))


def psnr(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Peak signal-to-noise ratio in dB, 10 log10(255² / MSE); ``inf`` for identical images.

    Range [0, inf], higher is better.
    """
    error = mse(image_a, image_b)
    if error == 0:
        return math.inf
    return 10.0 * math.log10(DATA_RANGE**2 / error)


def _blur(image: NDArray[np.float32]) -> NDArray[np.float32]:
    # BORDER_REFLECT (abc|cba) is scipy.ndimage's "reflect", which scikit-image uses.
    blurred = cv2.sepFilter2D(image, cv2.CV_32F, _KERNEL, _KERNEL, borderType=cv2.BORDER_REFLECT)
    return np.asarray(blurred, dtype=np.float32)


def _ssim_maps(
    a: NDArray[np.float32], b: NDArray[np.float32]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Luminance and contrast-structure maps of the Wang et al. (2004) index."""
    # Centre on the joint mean: SSIM is shift-invariant in its variance terms, and
    # smaller magnitudes keep E[x²] - E[x]² accurate in float32.
    shift = np.float32((float(a.mean()) + float(b.mean())) / 2.0)
    a = a - shift
    b = b - shift
    mu_a = _blur(a)
    mu_b = _blur(b)
    var_a = _blur(a * a) - mu_a * mu_a
    var_b = _blur(b * b) - mu_b * mu_b
    cov = _blur(a * b) - mu_a * mu_b
    mu_a = mu_a + shift
    mu_b = mu_b + shift
    luminance = (2 * mu_a * mu_b + _C1) / (mu_a * mu_a + mu_b * mu_b + _C1)
    contrast_structure = (2 * cov + _C2) / (var_a + var_b + _C2)
    return luminance.astype(np.float32, copy=False), contrast_structure.astype(
        np.float32, copy=False
    )


def _crop_mean(values: NDArray[np.float32]) -> float:
    """Mean over the pixels whose whole window lies inside the image (scikit-image's crop)."""
    inner = values[_PAD : values.shape[0] - _PAD, _PAD : values.shape[1] - _PAD]
    return float(np.mean(inner, dtype=np.float64))


def _channels(image: NDArray[np.uint8]) -> list[NDArray[np.float32]]:
    planes = image[:, :, None] if image.ndim == 2 else image
    return [np.ascontiguousarray(planes[:, :, c], dtype=np.float32) for c in range(planes.shape[2])]


def ssim(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Structural similarity (Wang et al. 2004), mean over pixels and channels.

    Gaussian window σ = 1.5 (11 x 11), K1 = 0.01, K2 = 0.03, data range 255,
    population covariances; the mean is taken over pixels at least 5 px from the
    border, as ``skimage.metrics.structural_similarity(..., gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=255)``. Colour images: the
    mean of the per-channel values. Range [-1, 1], higher is better, 1 for
    identical images.
    """
    a, b = _check_pair(image_a, image_b)
    if min(a.shape[:2]) < SSIM_WINDOW:
        raise ValueError(
            f"ssim needs images of at least {SSIM_WINDOW}x{SSIM_WINDOW} pixels, "
            f"got {a.shape[1]}x{a.shape[0]}"
        )
    values = []
    for plane_a, plane_b in zip(_channels(a), _channels(b), strict=True):
        luminance, contrast_structure = _ssim_maps(plane_a, plane_b)
        values.append(_crop_mean(luminance * contrast_structure))
    return float(np.mean(values))


def _halve(image: NDArray[np.float32]) -> NDArray[np.float32]:
    """2 x 2 average downsampling; an odd last row or column is averaged with itself.

    This is the authors' reference code: ``imfilter(x, ones(2)/4, 'symmetric')``
    followed by ``x(1:2:end, 1:2:end)``.
    """
    if image.shape[0] % 2 or image.shape[1] % 2:
        image = np.pad(image, ((0, image.shape[0] % 2), (0, image.shape[1] % 2)), mode="edge")
    quad = image[0::2, 0::2] + image[1::2, 0::2] + image[0::2, 1::2] + image[1::2, 1::2]
    return np.asarray(quad * np.float32(0.25), dtype=np.float32)


def _ms_ssim_scales(side: int) -> int:
    """The most scales, up to five, that msssim.m accepts for ``side``: its check
    ``min(M, N) / 2^(level-1) >= 11`` (the 11 x 11 window fits the coarsest scale)."""
    scales = 1
    while scales < len(MS_SSIM_WEIGHTS) and side / 2**scales >= SSIM_WINDOW:
        scales += 1
    return scales


def ms_ssim(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Multi-scale SSIM (Wang, Simoncelli & Bovik 2003), mean over channels.

    Five scales with weights β = 0.0448, 0.2856, 0.3001, 0.2363, 0.1333; between
    scales the images are reduced by 2 x 2 averaging. As in the authors' reference
    code, the mean contrast-structure term ``cs_j`` enters at scales 1-4 and the
    mean SSIM (luminance included) at scale 5: ``ssim_5^β5 · Π_{j<5} cs_j^βj``.
    A negative mean (anti-correlated structure) is taken as 0, so the index stays
    real. Range [0, 1], higher is better, 1 for identical images.

    Images under 176 px a side, for which msssim.m refuses five scales (its check
    ``min(M, N) / 2^(level-1) >= 11``), use the largest ``level = s`` it accepts (s = 4
    from 88 px, 3 from 44, 2 from 22, 1 from 11), with the first ``s`` weights
    renormalised to sum 1, as msssim.m called with that ``level`` and ``weight``
    computes; identical images still give 1, and one scale is SSIM over the
    window-cropped image. A :class:`~imgsim.metrics.pair_inputs.FewerScales` warning
    says so. Images need at least 11 px a side.
    """
    a, b = _check_pair(image_a, image_b)
    side = min(a.shape[:2])
    if side < MS_SSIM_MIN_SIDE:
        raise ValueError(
            f"ms_ssim needs images of at least {MS_SSIM_MIN_SIDE}x{MS_SSIM_MIN_SIDE} pixels "
            f"(one {SSIM_WINDOW}x{SSIM_WINDOW} window), got {a.shape[1]}x{a.shape[0]}"
        )
    scales = _ms_ssim_scales(side)
    if scales < len(MS_SSIM_WEIGHTS):
        note_fewer_scales("ms_ssim", scales, len(MS_SSIM_WEIGHTS), MS_SSIM_ALL_SCALES_SIDE, side)
    total = sum(MS_SSIM_WEIGHTS[:scales])
    weights = [weight / total for weight in MS_SSIM_WEIGHTS[:scales]]
    values = []
    for plane_a, plane_b in zip(_channels(a), _channels(b), strict=True):
        index = 1.0
        for scale, weight in enumerate(weights):
            luminance, contrast_structure = _ssim_maps(plane_a, plane_b)
            if scale < scales - 1:
                index *= max(_crop_mean(contrast_structure), 0.0) ** weight
                plane_a, plane_b = _halve(plane_a), _halve(plane_b)
            else:
                index *= max(_crop_mean(luminance * contrast_structure), 0.0) ** weight
        values.append(index)
    return float(np.mean(values))

"""scikit-image's wavelet noise estimate of a 2-D image, line by line: the reference
for ``imgsim.metrics.noref_detail.noise`` besides scikit-image itself.

Source: scikit-image 0.26, ``skimage/restoration/_denoise.py``: ``estimate_sigma``
(its path for one channel, ``channel_axis=None``) and ``_sigma_est_dwt`` (Gaussian
noise). Donoho & Johnstone, Biometrika 81(3), 1994, Sec. 4.2. PyWavelets computes the
transform, as in scikit-image.
"""

from __future__ import annotations

import numpy as np
import pywt
import scipy.stats
from numpy.typing import NDArray


def _sigma_est_dwt(detail_coeffs: NDArray[np.float64]) -> float:
    # Consider regions with detail coefficients exactly zero to be masked out
    # detail_coeffs = detail_coeffs[np.nonzero(detail_coeffs)]
    detail_coeffs = detail_coeffs[np.nonzero(detail_coeffs)]
    # 75th quantile of the underlying, symmetric noise distribution
    # denom = scipy.stats.norm.ppf(0.75)
    denom = scipy.stats.norm.ppf(0.75)
    # sigma = np.median(np.abs(detail_coeffs)) / denom
    sigma = np.median(np.abs(detail_coeffs)) / denom
    # return sigma
    return float(sigma)


def estimate_sigma(image: NDArray[np.generic]) -> float:
    """``estimate_sigma(image, channel_axis=None)`` of a 2-D image."""
    # coeffs = pywt.dwtn(image, wavelet='db2')
    coeffs = pywt.dwtn(image, wavelet="db2")
    # detail_coeffs = coeffs['d' * image.ndim]
    detail_coeffs = coeffs["d" * image.ndim]
    # return _sigma_est_dwt(detail_coeffs, distribution='Gaussian')
    return _sigma_est_dwt(detail_coeffs)

"""The authors' ``ssim.m`` and ``ssim_index.m``, and the super-resolution evaluation that
calls them, transcribed line by line into NumPy (the reference for
``imgsim.metrics.conventions``).

Sources:

- ``ssim.m``: "SSIM Index with automatic downsampling, Version 1.0, Copyright(c) 2009
  Zhou Wang" (https://ece.uwaterloo.ca/~z70wang/research/ssim/), for Z. Wang, A. C.
  Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from error
  visibility to structural similarity", IEEE TIP 13(4), 2004. Its default path
  (``nargin == 2``) is here; the argument checks for other ``nargin`` are left out.
- ``ssim_index.m``: "SSIM Index, Version 1.0, Copyright(c) 2003 Zhou Wang": the same
  lines without the downsampling, as the SR evaluation scripts call it.
- The SR evaluation: Y as SRCNN-style test scripts take it (``if size(im,3)==3, im =
  rgb2ycbcr(im); im = im(:,:,1); end`` on the ``uint8`` image, a gray image as it is),
  then ``calculate_PSNR`` / ``calculate_SSIM`` of BasicSR's ``calculate_PSNR_SSIM.m``
  (border removed, then PSNR or ``ssim_index``). That script itself calls
  ``rgb2ycbcr(im2double(im))``, which does not round Y (see ``imgsim.metrics.conventions``).
- MATLAB's ``rgb2ycbcr`` on ``uint8``, from its documented formula: ``origT`` times RGB
  scaled to [0, 1], plus ``[16; 128; 128]``, by ``imlincomb``, which rounds to ``uint8``.

Variable names are MATLAB's; MATLAB indices are 1-based, the NumPy lines 0-based.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .matlab import filter2_same, fspecial_average, fspecial_gaussian, imfilter, matlab_round

Array = NDArray[np.float64]


def filter2_valid(window: Array, img: Array) -> Array:
    """MATLAB ``filter2(window, img, 'valid')``: the part of the correlation computed
    without padding, ``size(img) - size(window) + 1``."""
    same = filter2_same(window, img)
    top, left = (window.shape[0] - 1) // 2, (window.shape[1] - 1) // 2
    rows, columns = img.shape[0] - window.shape[0] + 1, img.shape[1] - window.shape[1] + 1
    return np.asarray(same[top : top + rows, left : left + columns])


def mean2(values: Array) -> float:
    """MATLAB ``mean2``: the mean of all elements."""
    return float(np.mean(values))


def _ssim_map_mean(
    img1: Array, img2: Array, window: Array, k: tuple[float, float], data_range: float
) -> float:
    """The lines of ``ssim.m`` / ``ssim_index.m`` after the downsampling (``data_range``
    is MATLAB's ``L``)."""
    # C1 = (K(1)*L)^2;  C2 = (K(2)*L)^2;
    c1 = (k[0] * data_range) ** 2
    c2 = (k[1] * data_range) ** 2
    # window = window/sum(sum(window));
    window = window / np.sum(np.sum(window))

    # mu1   = filter2(window, img1, 'valid');  mu2   = filter2(window, img2, 'valid');
    mu1 = filter2_valid(window, img1)
    mu2 = filter2_valid(window, img2)
    # mu1_sq = mu1.*mu1;  mu2_sq = mu2.*mu2;  mu1_mu2 = mu1.*mu2;
    mu1_sq = mu1 * mu1
    mu2_sq = mu2 * mu2
    mu1_mu2 = mu1 * mu2
    # sigma1_sq = filter2(window, img1.*img1, 'valid') - mu1_sq;
    sigma1_sq = filter2_valid(window, img1 * img1) - mu1_sq
    # sigma2_sq = filter2(window, img2.*img2, 'valid') - mu2_sq;
    sigma2_sq = filter2_valid(window, img2 * img2) - mu2_sq
    # sigma12 = filter2(window, img1.*img2, 'valid') - mu1_mu2;
    sigma12 = filter2_valid(window, img1 * img2) - mu1_mu2

    # if (C1 > 0 && C2 > 0)   (true for the default K and L)
    # ssim_map = ((2*mu1_mu2 + C1).*(2*sigma12 + C2))./ ...
    #            ((mu1_sq + mu2_sq + C1).*(sigma1_sq + sigma2_sq + C2));
    ssim_map = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / (
        (mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2)
    )
    # mssim = mean2(ssim_map);
    return mean2(ssim_map)


def ssim(img1: Array, img2: Array) -> float:
    """``mssim = ssim(img1, img2)`` (2009, automatic downsampling), default settings."""
    # [M N] = size(img1);
    m, n = img1.shape
    # if ((M < 11) || (N < 11)) mssim = -Inf; ...
    if m < 11 or n < 11:
        return -math.inf
    # window = fspecial('gaussian', 11, 1.5);  K(1) = 0.01;  K(2) = 0.03;  L = 255;
    window = fspecial_gaussian(11, 1.5)
    k = (0.01, 0.03)
    data_range = 255  # L

    # img1 = double(img1);  img2 = double(img2);
    img1 = img1.astype(np.float64)
    img2 = img2.astype(np.float64)

    # f = max(1,round(min(M,N)/256));
    f = int(max(1, matlab_round(np.array(min(m, n) / 256))))
    # if(f>1)
    if f > 1:
        # lpf = ones(f,f);  lpf = lpf/sum(lpf(:));
        lpf = fspecial_average(f)
        # img1 = imfilter(img1,lpf,'symmetric','same');
        img1 = imfilter(img1, lpf, "symmetric", "same")
        # img2 = imfilter(img2,lpf,'symmetric','same');
        img2 = imfilter(img2, lpf, "symmetric", "same")
        # img1 = img1(1:f:end,1:f:end);  img2 = img2(1:f:end,1:f:end);
        img1 = img1[0::f, 0::f]
        img2 = img2[0::f, 0::f]

    return _ssim_map_mean(img1, img2, window, k, data_range)


def ssim_index(img1: Array, img2: Array) -> float:
    """``mssim = ssim_index(img1, img2)`` (2003, no downsampling), default settings."""
    # [M, N] = size(img1);  if ((M < 11) || (N < 11)) ssim_index = -Inf; ...
    m, n = img1.shape
    if m < 11 or n < 11:
        return -math.inf
    # window = fspecial('gaussian', 11, 1.5);  K(1) = 0.01;  K(2) = 0.03;  L = 255;
    window = fspecial_gaussian(11, 1.5)
    # img1 = double(img1);  img2 = double(img2);
    return _ssim_map_mean(
        img1.astype(np.float64), img2.astype(np.float64), window, (0.01, 0.03), 255
    )


def rgb2ycbcr_uint8(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """MATLAB ``rgb2ycbcr`` on a ``uint8`` RGB image."""
    # origT = [65.481 128.553 24.966; -37.797 -74.203 112; 112 -93.786 -18.214];
    orig_t = np.array([[65.481, 128.553, 24.966], [-37.797, -74.203, 112], [112, -93.786, -18.214]])
    # origOffset = [16;128;128];
    orig_offset = np.array([16, 128, 128])
    # scaleFactor.uint8.T = 1/255;  scaleFactor.uint8.offset = 1;
    t = 1 / 255 * orig_t
    offset = 1 * orig_offset
    planes = rgb.astype(np.float64)
    ycbcr = np.zeros(rgb.shape, dtype=np.uint8)
    # for p = 1:3
    #     ycbcr(:,:,p) = imlincomb(T(p,1),rgb(:,:,1),T(p,2),rgb(:,:,2),T(p,3),rgb(:,:,3),offset(p));
    for p in range(3):
        combined = (
            t[p, 0] * planes[:, :, 0]
            + t[p, 1] * planes[:, :, 1]
            + t[p, 2] * planes[:, :, 2]
            + offset[p]
        )
        # imlincomb returns the class of its inputs: rounded, saturated to [0, 255].
        ycbcr[:, :, p] = np.clip(matlab_round(combined), 0, 255).astype(np.uint8)
    return ycbcr


def sr_y(im: NDArray[np.uint8]) -> Array:
    """``if size(im,3)==3, im = rgb2ycbcr(im); im = im(:,:,1); end`` then ``double``."""
    if im.ndim == 3 and im.shape[2] == 3:
        im = rgb2ycbcr_uint8(im)
        im = im[:, :, 0]
    return im.astype(np.float64)


def shave(im: Array, border: int) -> Array:
    """``GT = GT(border+1:end-border, border+1:end-border, :)``."""
    return im[border : im.shape[0] - border, border : im.shape[1] - border]


def calculate_psnr(gt: Array, sr: Array, border: int) -> float:
    """``res = calculate_PSNR(GT, SR, border)``."""
    # GT = GT(border+1:end-border, border+1:end-border, :);  SR = SR(...);
    gt = shave(gt, border)
    sr = shave(sr, border)
    # error = GT(:) - SR(:);  mse = mean(error.^2);
    error = gt.flatten(order="F") - sr.flatten(order="F")
    mse = np.mean(error**2)
    # res = 10 * log10(255^2/mse);
    if mse == 0:
        return math.inf
    return float(10 * math.log10(255**2 / mse))


def calculate_ssim(gt: Array, sr: Array, border: int) -> float:
    """``res = calculate_SSIM(GT, SR, border)`` on one channel (Y)."""
    gt = shave(gt, border)
    sr = shave(sr, border)
    # [mssim(i), ~] = ssim_index(GT(:,:,i), SR(:,:,i));  res = mean(mssim);
    return ssim_index(gt, sr)

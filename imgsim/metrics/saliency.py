"""Saliency-weighted full-reference metrics: VSI and SR-SIM, as the authors' MATLAB code.

Both score a pair by local similarities (of saliency, gradient, and for VSI
chrominance) pooled with weights taken from where the eye is drawn: the larger of
the two images' saliency maps. Each follows the authors' published code line for
line (``VSI.m`` with its SDSP saliency, ``SR_SIM.m`` with its spectral-residual
saliency), including MATLAB's ``imresize`` (:mod:`imgsim.metrics.matlab_resize`),
the ``conv2(..., 'same')`` zero borders and the downsampling by
``F = max(1, round(min(rows, cols) / 256))``.

Where the authors' code returns NaN, imgsim defines the result. A flat image (VSI.m:
its saliency is ``(x - min) / (max - min)`` of a constant, 0 / 0; SR_SIM.m: the log of
zero Fourier coefficients) has saliency 0 everywhere, as it has no salient region, and
a pair whose two saliency maps are both 0 everywhere is pooled with equal weights: two
identical flat images score 1, a flat image against a photograph scores low. Other
zero Fourier coefficients (ramps, stripes) get machine epsilon added to their
amplitude before SR-SIM's log, as piq does.

References
----------
L. Zhang, Y. Shen, H. Li, "VSI: A Visual Saliency-Induced Index for Perceptual Image
Quality Assessment", IEEE TIP 23(10), 2014; code: ``VSI.m``,
https://sse.tongji.edu.cn/linzhang/IQA/VSI/VSI.htm.
L. Zhang, Z. Gu, H. Li, "SDSP: A novel saliency detection method by combining simple
priors", ICIP 2013.
L. Zhang, H. Li, "SR-SIM: A fast and high performance IQA index based on spectral
residual", ICIP 2012; code: ``SR_SIM.m``,
https://sse.tongji.edu.cn/linzhang/IQA/SR-SIM/Files/SR_SIM.m.
X. Hou, L. Zhang, "Saliency detection: a spectral residual approach", CVPR 2007.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from imgsim.metrics.matlab_resize import imresize
from imgsim.metrics.pair_inputs import checked_pair, luma, matlab_downsample, matlab_factor, rgb

Array = NDArray[np.float64]

VSI_MIN_SIDE = 3
"""The 3 x 3 Scharr filters must fit on the image (F = 1 below 384 px)."""
SR_SIM_MIN_SIDE = 37
"""The 10 x 10 Gaussian must fit on the quarter-size image: ceil(37 / 4) = 10."""

# VSI.m: constForVS, constForGM, constForChrom, alpha, lambda; its SDSP: sigmaF, omega0,
# sigmaD, sigmaC (VSI.m passes its own values, not those of the stand-alone SDSP.m).
VSI_C_VS, VSI_C_GM, VSI_C_CHROM, VSI_ALPHA, VSI_LAMBDA = 1.27, 386.0, 130.0, 0.40, 0.020
SDSP_SIGMA_F, SDSP_OMEGA0, SDSP_SIGMA_D, SDSP_SIGMA_C = 1.34, 0.0210, 145.0, 0.001
SDSP_SIDE = 256
"""SDSP works on the image resized (bilinear, antialiased) to 256 x 256."""

# SR_SIM.m: C1, C2, alpha; spectralResidueSaliency: scale, aveKernelSize, gauSize, gauSigma.
SR_C1, SR_C2, SR_ALPHA = 0.40, 225.0, 0.50
SR_SCALE, SR_AVERAGE, SR_GAUSS_SIZE, SR_GAUSS_SIGMA = 0.25, 3, 10, 3.8

_RGB_TO_LMN = np.array([[0.06, 0.63, 0.27], [0.30, 0.04, -0.35], [0.34, -0.60, 0.17]])
"""VSI.m's opponent colour space: L (luminance), M and N (chrominance)."""
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE_D50 = np.array([0.9642, 1.0, 0.8251])
"""VSI.m's RGB2Lab: sRGB primaries, D50 reference white, as the authors wrote them."""

# conv2(x, k, 'same') correlates with k rotated by 180 degrees.
_SCHARR_X = np.rot90(np.array([[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]]) / 16, 2)
_SCHARR_Y = np.ascontiguousarray(_SCHARR_X.T)


def _gaussian_taps(size: int, sigma: float) -> Array:
    """One axis of ``fspecial('gaussian', [size, size], sigma)``, which is separable:
    the normalised 2-D kernel is the outer product of this normalised 1-D one."""
    half = (size - 1) / 2
    taps = np.exp(-((np.arange(size) - half) ** 2) / (2 * sigma * sigma))
    return np.asarray(taps / taps.sum(), dtype=np.float64)


_SR_GAUSS = _gaussian_taps(SR_GAUSS_SIZE, SR_GAUSS_SIGMA)
_EPSILON = float(np.finfo(np.float64).eps)
# imfilter centres a kernel of k taps on tap floor((k + 1) / 2) (1-based): 5 of 10.
_SR_GAUSS_ANCHOR = (SR_GAUSS_SIZE + 1) // 2 - 1


def _log_gabor(side: int, omega0: float, sigma_f: float) -> Array:
    """VSI.m's ``logGabor(side, side, omega0, sigmaF)``: a radial log-Gabor filter in
    the unshifted frequency layout, 0 at DC and beyond radius 0.5."""
    u = (np.arange(1, side + 1) - (side // 2 + 1)) / (side - side % 2)
    u1, u2 = np.meshgrid(u, u)
    inside = u1**2 + u2**2 <= 0.25
    radius = np.fft.ifftshift(np.sqrt((u1 * inside) ** 2 + (u2 * inside) ** 2))
    radius[0, 0] = 1
    with np.errstate(divide="ignore"):
        filt = np.exp(-(np.log(radius / omega0) ** 2) / (2 * sigma_f**2))
    filt[0, 0] = 0
    return np.asarray(filt, dtype=np.float64)


# The log-Gabor filter is real and even (its radius is symmetric in k and -k), so the
# filtered channels are real: half the spectrum (rfft2) carries them exactly.
_LOG_GABOR_HALF = np.ascontiguousarray(
    _log_gabor(SDSP_SIDE, SDSP_OMEGA0, SDSP_SIGMA_F)[:, : SDSP_SIDE // 2 + 1]
)
_centre = np.arange(1, SDSP_SIDE + 1) - SDSP_SIDE / 2
_CENTRE_PRIOR = np.exp(-(_centre[:, None] ** 2 + _centre[None, :] ** 2) / SDSP_SIGMA_D**2)
"""SDSP's centre prior: rows and columns numbered from 1, centre at 128."""


def mat2gray(values: Array) -> Array:
    """MATLAB ``mat2gray``: ``(x - min) / (max - min)`` in [0, 1]; a constant array is
    clipped to [0, 1] as it is."""
    low, high = float(values.min()), float(values.max())
    if high == low:
        return np.clip(values, 0.0, 1.0)
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def _spread(channel: Array) -> Array:
    """``(x - min) / (max - min)``; 0 for a constant channel (0 / 0 in VSI.m)."""
    low, high = float(channel.min()), float(channel.max())
    if high == low:
        return np.zeros_like(channel)
    return (channel - low) / (high - low)


def _srgb_to_lab(planes: Array) -> Array:
    """VSI.m's ``RGB2Lab`` of a 3 x H x W (planar) image in 0..255: sRGB linearised, to
    XYZ, to CIELAB against the D50 white; planar out (L, a, b)."""
    normalised = planes / 255.0
    linear = np.where(
        normalised <= 0.04045, normalised / 12.92, ((normalised + 0.055) / 1.055) ** 2.4
    )
    relative = np.tensordot(_RGB_TO_XYZ, linear, axes=1) / _WHITE_D50[:, None, None]
    f = np.where(relative > 0.008856, np.cbrt(relative), (903.3 * relative + 16.0) / 116.0)
    return np.stack([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])


def sdsp_saliency(image: Array) -> Array:
    """SDSP saliency of an H x W x 3 RGB image (0..255), in [0, 1], H x W: VSI.m's
    ``SDSP(image, 1.34, 0.021, 145, 0.001)``.

    The image is resized to 256 x 256 (MATLAB bilinear, antialiased), converted to
    CIELAB; the frequency prior is the norm of the three channels filtered by a
    log-Gabor filter (sigmaF = 1.34, omega0 = 0.021), the location prior a Gaussian
    around the centre (sigmaD = 145), the colour prior ``1 - exp(-(a'^2 + b'^2) /
    sigmaC^2)`` of the min-max normalised a and b channels (warm colours draw the eye;
    sigmaC = 0.001). Their product is resized back (bilinear) and min-max normalised.
    A flat image has saliency 0 everywhere (VSI.m: 0 / 0).
    """
    # One comparison against the first pixel: 10x faster than per-channel min and max.
    if np.all(image == image[:1, :1, :]):
        return np.zeros(image.shape[:2])
    small = np.asarray(
        imresize(image, output_shape=(SDSP_SIDE, SDSP_SIDE), method="bilinear"), dtype=np.float64
    )
    # Planar from here: each channel's transforms then run on contiguous memory.
    lab = _srgb_to_lab(np.ascontiguousarray(np.moveaxis(small, 2, 0)))
    filtered = np.fft.irfft2(np.fft.rfft2(lab) * _LOG_GABOR_HALF, s=(SDSP_SIDE, SDSP_SIDE))
    frequency_prior = np.sqrt(np.sum(filtered**2, axis=0))
    warmth = _spread(lab[1]) ** 2 + _spread(lab[2]) ** 2
    colour_prior = 1.0 - np.exp(-warmth / SDSP_SIGMA_C**2)
    saliency = frequency_prior * _CENTRE_PRIOR * colour_prior
    full = imresize(saliency, output_shape=image.shape[:2], method="bilinear")
    return mat2gray(np.asarray(full, dtype=np.float64))


def spectral_residual_saliency(image: Array) -> Array:
    """Spectral-residual saliency of a gray image, in [0, 1], of its size: SR_SIM.m's
    ``spectralResidueSaliency`` (Hou and Zhang 2007).

    The image is shrunk to a quarter (MATLAB bicubic, antialiased); the residual of its
    log amplitude spectrum over a 3 x 3 average (replicated borders), recombined with
    the phase, transformed back and squared, is blurred by a 10 x 10 Gaussian of
    sigma 3.8 (zero borders, MATLAB's centre tap for an even size), min-max normalised
    and resized back (bicubic). A flat image has saliency 0 everywhere.

    Where a Fourier coefficient is exactly 0 (a flat image; also ramps, stripes, and
    other images constant along an axis or symmetric), SR_SIM.m takes ``log(0)`` and
    its score is NaN; here machine epsilon is added to the amplitude before the log, as
    piq does, which moves any other log amplitude by at most 2.3e-16 / amplitude.
    """
    if image.min() == image.max():
        return np.zeros(image.shape)
    small = np.asarray(imresize(image, scale=SR_SCALE, method="bicubic"))
    spectrum = np.fft.fft2(small)
    log_amplitude = np.log(np.abs(spectrum) + _EPSILON)
    residual = log_amplitude - cv2.blur(
        log_amplitude, (SR_AVERAGE, SR_AVERAGE), borderType=cv2.BORDER_REPLICATE
    )
    energy = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    anchor = (_SR_GAUSS_ANCHOR, _SR_GAUSS_ANCHOR)
    blurred = cv2.sepFilter2D(
        energy, cv2.CV_64F, _SR_GAUSS, _SR_GAUSS, anchor=anchor, borderType=cv2.BORDER_CONSTANT
    )
    normalised = mat2gray(np.asarray(blurred, dtype=np.float64))
    return np.asarray(imresize(normalised, output_shape=image.shape, method="bicubic"), dtype=float)


def _scharr_magnitude(plane: Array) -> Array:
    """``sqrt(conv2(x, dx, 'same').^2 + conv2(x, dy, 'same').^2)``, Scharr dx and dy
    divided by 16, zero borders."""
    gx = cv2.filter2D(plane, cv2.CV_64F, _SCHARR_X, borderType=cv2.BORDER_CONSTANT)
    gy = cv2.filter2D(plane, cv2.CV_64F, _SCHARR_Y, borderType=cv2.BORDER_CONSTANT)
    return np.asarray(np.sqrt(gx * gx + gy * gy), dtype=np.float64)


def _lmn(planes: Array) -> Array:
    """VSI.m's L, M, N of an H x W x 3 RGB image (a 3 x 3 colour matrix per pixel)."""
    return np.asarray(cv2.transform(planes, _RGB_TO_LMN), dtype=np.float64)


def _similarity(x: Array, y: Array, constant: float) -> Array:
    return (2.0 * x * y + constant) / (x * x + y * y + constant)


def _pool(similarity: Array, weight: Array) -> float:
    """``sum(similarity .* weight) / sum(weight)``; equal weights when every weight is 0
    (two flat images, where the authors' code divides 0 by 0)."""
    total = float(weight.sum())
    if total == 0.0:
        return float(similarity.mean())
    return float(np.sum(similarity * weight) / total)


def _real_power(base: Array, exponent: float) -> Array:
    """``real(base .^ exponent)`` as MATLAB computes it: a negative base raised on the
    principal branch, ``|b|^e (cos(pi e) + i sin(pi e))``."""
    magnitude = np.abs(base) ** exponent
    return np.where(base < 0, magnitude * math.cos(math.pi * exponent), magnitude)


def vsi(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Visual Saliency-induced Index (Zhang, Shen and Li 2014), as the authors' ``VSI.m``.

    .. math::

        \\mathrm{VSI} = \\frac{\\sum_x S_{VS}(x)\\, S_G(x)^{\\alpha}\\,
        \\mathrm{Re}[S_C(x)^{\\lambda}]\\, VS_m(x)}{\\sum_x VS_m(x)},\\quad
        S_{VS} = \\frac{2 VS_1 VS_2 + C_1}{VS_1^2 + VS_2^2 + C_1}

    with :math:`S_G` the same form on Scharr gradient magnitudes of the L channel
    (:math:`C_2`), :math:`S_C = S_M S_N` on the chrominance channels M, N (:math:`C_3`),
    and :math:`VS_m = \\max(VS_1, VS_2)` the larger SDSP saliency (:func:`sdsp_saliency`).

    Parameters
    ----------
    image_a : the image judged (distorted, generated), uint8 RGB (a gray image is
        copied to three channels).
    image_b : its reference, of the same shape. VSI is symmetric.

    Returns
    -------
    float
        Higher is better; 1 for identical images; in (0, 1] (every factor is in
        (0, 1] and the weights are not negative). Fixed as in VSI.m: C1 = 1.27
        (constForVS), C2 = 386 (constForGM), C3 = 130 (constForChrom), alpha = 0.40,
        lambda = 0.020; LMN =
        (0.06R + 0.63G + 0.27B, 0.30R + 0.04G - 0.35B, 0.34R - 0.60G + 0.17B); the
        saliency maps are computed at full size, then L, M, N and both maps are
        averaged over F x F (``conv2 'same'``, zero borders) and sampled every F
        pixels, ``F = max(1, round(min(rows, cols) / 256))``. Images need at least
        3 x 3 pixels.

    Notes
    -----
    The ports depart from VSI.m. piq's ``vsi`` resizes for SDSP with PyTorch's bilinear
    ``interpolate`` (no antialiasing; ``align_corners=True`` on the way back) and
    downsamples by average pooling over replicate-padded windows one pixel up and left
    of ``conv2 'same'``'s zero-padded ones. pyiqa's published ``vsi`` values come from
    "IQA-Optimization"'s VSI, which computes SDSP at full size (no 256 x 256 resize, so
    the log-Gabor band and the centre prior fall elsewhere), converts to CIELAB against
    a D65 white where VSI.m uses D50, numbers the centre prior's coordinates from 0,
    takes ``abs`` of the chrominance similarity instead of the real part of its power,
    and adds epsilons; on TID2013 pairs the two differ by about 0.01.
    """
    a, b = checked_pair(image_a, image_b, "vsi", min_side=VSI_MIN_SIDE)
    planes_a, planes_b = rgb(a), rgb(b)
    factor = matlab_factor(*a.shape[:2])
    lmn_a = matlab_downsample(_lmn(planes_a), factor)
    lmn_b = matlab_downsample(_lmn(planes_b), factor)
    saliency_a = matlab_downsample(sdsp_saliency(planes_a), factor)
    saliency_b = matlab_downsample(sdsp_saliency(planes_b), factor)
    gradient = _similarity(
        _scharr_magnitude(lmn_a[:, :, 0]), _scharr_magnitude(lmn_b[:, :, 0]), VSI_C_GM
    )
    chroma = _similarity(lmn_a[:, :, 1], lmn_b[:, :, 1], VSI_C_CHROM) * _similarity(
        lmn_a[:, :, 2], lmn_b[:, :, 2], VSI_C_CHROM
    )
    similarity = (
        gradient**VSI_ALPHA
        * _similarity(saliency_a, saliency_b, VSI_C_VS)
        * _real_power(chroma, VSI_LAMBDA)
    )
    return _pool(similarity, np.maximum(saliency_a, saliency_b))


def sr_sim(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> float:
    """Spectral Residual based Similarity (Zhang and Li 2012), as the authors' ``SR_SIM.m``.

    .. math::

        \\mathrm{SR\\text{-}SIM} = \\frac{\\sum_x S_{SR}(x)\\, S_G(x)^{\\alpha}\\,
        SR_m(x)}{\\sum_x SR_m(x)},\\quad
        S_{SR} = \\frac{2 SR_1 SR_2 + C_1}{SR_1^2 + SR_2^2 + C_1}

    with :math:`S_G` the same form on Scharr gradient magnitudes (:math:`C_2`) and
    :math:`SR_m = \\max(SR_1, SR_2)` the larger spectral-residual saliency
    (:func:`spectral_residual_saliency`).

    Parameters
    ----------
    image_a : the image judged (distorted, generated), uint8 gray or RGB (RGB is read
        as unrounded BT.601 luma, as SR_SIM.m does).
    image_b : its reference, of the same shape. SR-SIM is symmetric.

    Returns
    -------
    float
        Higher is better; 1 for identical images; in [0, 1] in practice (0.75 to
        0.95 on random data), though not by construction: the bicubic resizes let the
        saliency maps overshoot [0, 1] by a few hundredths, as in SR_SIM.m. Fixed as
        in SR_SIM.m: C1 = 0.40, C2 = 225, alpha = 0.50; the luma is averaged over F x F
        (``conv2 'same'``, zero borders) and sampled every F pixels, ``F = max(1,
        round(min(rows, cols) / 256))``; the saliency is computed on that image shrunk
        by 0.25 (bicubic), with a 3 x 3 average on the log spectrum and a 10 x 10
        Gaussian of sigma 3.8. Images need at least 37 x 37 pixels (the Gaussian must
        fit on the quarter-size image).

    Notes
    -----
    piq's ``srsim`` follows SR_SIM.m closely (its test's MATLAB values are reproduced by
    this function to 8 digits): it adds machine epsilon to the amplitude before the log
    and to the min-max normalisation, and writes the even 10 x 10 Gaussian as an
    11 x 11 kernel with a zero first row and column, which is MATLAB's centring. Its
    ``gaussian_size`` option invites an odd size (9), which is not SR_SIM.m's.
    """
    a, b = checked_pair(image_a, image_b, "sr_sim", min_side=SR_SIM_MIN_SIDE)
    factor = matlab_factor(*a.shape[:2])
    luma_a = matlab_downsample(luma(a), factor)
    luma_b = matlab_downsample(luma(b), factor)
    saliency_a = spectral_residual_saliency(luma_a)
    saliency_b = spectral_residual_saliency(luma_b)
    gradient = _similarity(_scharr_magnitude(luma_a), _scharr_magnitude(luma_b), SR_C2)
    similarity = _similarity(saliency_a, saliency_b, SR_C1) * gradient**SR_ALPHA
    return _pool(similarity, np.maximum(saliency_a, saliency_b))

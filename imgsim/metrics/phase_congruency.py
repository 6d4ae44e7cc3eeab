"""Phase congruency: Kovesi's ``phasecong2``, as the FSIM authors' ``FeatureSIM.m`` calls it.

Phase congruency measures how much the Fourier components of an image agree in phase
at each point. It is high at edges, lines and corners whatever their contrast, which
is why FSIM weights its similarity map by it. The image is filtered in the frequency
domain by a bank of log-Gabor filters (4 scales x 4 orientations); at each pixel and
orientation the filter responses ``E + iO`` of the scales are compared with their
mean phase, the energy that survives a noise threshold is summed over orientations
and divided by the summed amplitudes::

    PC = sum_o max(sum_s [E·mE + O·mO − |E·mO − O·mE|] − T_o, 0) / sum_o sum_s |E + iO|

where ``(mE, mO)`` is the unit vector of the scales' summed response (plus
``epsilon``) and ``T_o`` the orientation's noise threshold, estimated from the median
squared amplitude at the finest scale (a Rayleigh model of noise energy, divided by
1.7 for this PC_2 measure).

Everything is as in the copy of ``phasecong2`` inside ``FeatureSIM.m`` (FSIM version
1.0): ``nscale = 4``, ``norient = 4``, ``minWaveLength = 6``, ``mult = 2``,
``sigmaOnf = 0.55``, ``dThetaOnSigma = 1.2``, ``k = 2.0``, ``epsilon = 1e-4``; the
frequency grid normalised to ±0.5 by ``cols - 1`` (odd sizes) or ``cols`` (even
sizes), ``ifftshift``-ed; Kovesi's ``lowpassfilter([rows, cols], 0.45, 15)``; the
MATLAB median (the mean of the two middle values for an even count). The filters and
the noise constants depend on the image size only and are kept for the last two sizes.

References
----------
P. Kovesi, "Image Features From Phase Congruency", Videre: Journal of Computer Vision
Research 1(3), 1999; ``phasecong2.m`` (Copyright (c) 1996-2009 Peter Kovesi).
L. Zhang, L. Zhang, X. Mou, D. Zhang, "FSIM: A Feature Similarity Index for Image
Quality Assessment", IEEE TIP 20(8), 2378-2386, 2011; ``FeatureSIM.m``,
https://www4.comp.polyu.edu.hk/~cslzhang/IQA/FSIM/FSIM.htm
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import fft

NSCALE = 4
"""Number of wavelet scales."""
NORIENT = 4
"""Number of filter orientations."""
MIN_WAVELENGTH = 6
"""Wavelength of the finest scale's filter, in pixels."""
MULT = 2
"""Scaling factor between successive scales' wavelengths."""
SIGMA_ON_F = 0.55
"""Standard deviation of the log-Gabor's Gaussian (on log frequency) over its centre."""
D_THETA_ON_SIGMA = 1.2
"""Angular interval between orientations over the angular Gaussian's standard deviation."""
K = 2.0
"""Standard deviations of the noise energy above its mean at which the threshold is set."""
EPSILON = 1e-4
"""Kovesi's guard against division by zero in the mean phase vector."""
LOWPASS_CUTOFF, LOWPASS_ORDER = 0.45, 15
"""Kovesi's Butterworth low-pass that every log-Gabor filter is multiplied by."""
PC_2_RESCALE = 1.7
"""Kovesi's empirical factor by which the Rayleigh noise threshold overestimates PC_2's."""

MIN_SIDE = 2
"""An odd side of 1 divides the frequency grid by ``cols - 1 = 0`` in Kovesi's code."""


@dataclass(frozen=True)
class _FilterBank:
    """The log-Gabor filters of one image size and each orientation's noise constant."""

    filters: NDArray[np.float64]
    """``logGabor{s} .* spread{o}``, shape (norient, nscale, rows, cols), origin at (0, 0)."""
    threshold_per_root_median: NDArray[np.float64]
    """Per orientation, the noise threshold ``T`` divided by ``sqrt(medianE2n)``."""


def _grid_ranges(rows: int, cols: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Kovesi's ``xrange``/``yrange``: ±0.5 over ``n - 1`` steps (odd n), ``n`` (even n)."""

    def axis(n: int) -> NDArray[np.float64]:
        if n % 2:
            return np.arange(-(n - 1) / 2, (n - 1) / 2 + 1) / (n - 1)
        return np.arange(-n / 2, n / 2) / n

    return axis(cols), axis(rows)


# A pair, and usually a whole folder, has one size. The bank is 16 float64 planes of the
# image (8 MB at 256 x 256), so only the last two sizes are kept.
@functools.lru_cache(maxsize=2)
def _filter_bank(rows: int, cols: int) -> _FilterBank:
    """The filters and noise constants of ``phasecong2`` for a ``rows`` x ``cols`` image."""
    xrange, yrange = _grid_ranges(rows, cols)
    x, y = np.meshgrid(xrange, yrange)
    radius = np.sqrt(x**2 + y**2)
    lowpass = np.fft.ifftshift(1.0 / (1.0 + (radius / LOWPASS_CUTOFF) ** (2 * LOWPASS_ORDER)))
    theta = np.fft.ifftshift(np.arctan2(-y, x))
    radius = np.fft.ifftshift(radius)
    # Kovesi sets the zero-frequency radius to 1 so that its log is defined, and the
    # filters' zero-frequency value back to 0 afterwards.
    radius[0, 0] = 1.0
    sintheta, costheta = np.sin(theta), np.cos(theta)

    centre_frequencies = 1.0 / (MIN_WAVELENGTH * MULT ** np.arange(NSCALE, dtype=np.float64))
    log_ratio = np.log(radius[None] / centre_frequencies[:, None, None])
    log_gabor = np.exp(-(log_ratio**2) / (2 * math.log(SIGMA_ON_F) ** 2)) * lowpass
    log_gabor[:, 0, 0] = 0.0

    theta_sigma = math.pi / NORIENT / D_THETA_ON_SIGMA
    angles = np.arange(NORIENT) * math.pi / NORIENT
    sin_difference = (
        sintheta[None] * np.cos(angles)[:, None, None]
        - costheta[None] * np.sin(angles)[:, None, None]
    )
    cos_difference = (
        costheta[None] * np.cos(angles)[:, None, None]
        + sintheta[None] * np.sin(angles)[:, None, None]
    )
    dtheta = np.abs(np.arctan2(sin_difference, cos_difference))
    spread = np.exp(-(dtheta**2) / (2 * theta_sigma**2))

    filters = np.ascontiguousarray(spread[:, None] * log_gabor[None])
    # Kovesi's noise model: EstNoiseEnergy2 = noisePower * (2 sum An^2 + 4 sum Ai Aj) over
    # the filters' spatial responses real(ifft2(filter)) * sqrt(rows * cols), i.e.
    # 2 * noisePower * sum((sum_s ifftFilt_s)^2); noisePower = -medianE2n / log(0.5) / EM_n.
    spatial = fft.ifft2(filters, axes=(-2, -1)).real * math.sqrt(rows * cols)
    sum_an_aj = np.sum(spatial.sum(axis=1) ** 2, axis=(-2, -1))
    em_n = np.sum(filters[:, 0] ** 2, axis=(-2, -1))
    tau_per_root_median = np.sqrt(sum_an_aj / (em_n * -math.log(0.5)))
    rayleigh = math.sqrt(math.pi / 2) + K * math.sqrt(2 - math.pi / 2)
    return _FilterBank(filters, tau_per_root_median * rayleigh / PC_2_RESCALE)


def phase_congruency(image: NDArray[np.float64]) -> NDArray[np.float64]:
    """Kovesi's phase congruency map (``phasecong2``'s ``ResultPC``) of a gray image.

    Parameters
    ----------
    image : ndarray of float64, shape (rows, cols)
        A gray image, both sides at least 2 pixels.

    Returns
    -------
    ndarray of float64, shape (rows, cols)
        Phase congruency in [0, 1]: 0 where nothing rises above the noise threshold, 1
        where the scales agree perfectly in phase. A flat image has no phase (Kovesi's
        code divides rounding noise by rounding noise there): its map is 0, as is any
        pixel whose amplitudes are all exactly 0 (where Kovesi's code gives 0/0).
    """
    if image.ndim != 2 or min(image.shape) < MIN_SIDE:
        raise ValueError(
            f"image must be a 2-D array of at least {MIN_SIDE}x{MIN_SIDE} pixels, "
            f"got shape {image.shape}"
        )
    rows, cols = image.shape
    if np.ptp(image) == 0:
        return np.zeros((rows, cols))
    bank = _filter_bank(rows, cols)
    spectrum = fft.fft2(image)
    energy_all = np.zeros((rows, cols))
    amplitude_all = np.zeros((rows, cols))
    for orientation in range(NORIENT):
        responses = fft.ifft2(spectrum[None] * bank.filters[orientation], axes=(-2, -1))
        even, odd = responses.real, responses.imag
        amplitudes = np.abs(responses)
        sum_even, sum_odd = even.sum(axis=0), odd.sum(axis=0)
        x_energy = np.sqrt(sum_even**2 + sum_odd**2) + EPSILON
        mean_even, mean_odd = sum_even / x_energy, sum_odd / x_energy
        energy = np.sum(
            even * mean_even + odd * mean_odd - np.abs(even * mean_odd - odd * mean_even), axis=0
        )
        median_e2n = float(np.median(amplitudes[0] ** 2))
        threshold = bank.threshold_per_root_median[orientation] * math.sqrt(median_e2n)
        energy_all += np.maximum(energy - threshold, 0.0)
        amplitude_all += amplitudes.sum(axis=0)
    result = np.zeros((rows, cols))
    np.divide(energy_all, amplitude_all, out=result, where=amplitude_all > 0)
    return result

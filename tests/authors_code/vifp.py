"""The authors' ``vifp_mscale.m``, transcribed line by line into NumPy: the reference for
``imgsim.metrics.information.vifp``.

Source: H. R. Sheikh, A. C. Bovik, "Image information and visual quality", IEEE TIP
15(2), 2006; the pixel-domain release of LIVE, The University of Texas at Austin (2005),
``vifp_release`` from http://live.ece.utexas.edu/research/Quality/VIF.htm
(``vifp_mscale.m``, ``function vifp=vifp_mscale(ref,dist)``: ref the reference, dist the
distorted image, both gray, double, 0..255). Every line of the function body is
transcribed below, in order, under the MATLAB line it stands for; nothing is missing.
"""

# ruff: noqa: N806 -- the MATLAB code's own names, kept as they are

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.signal import convolve2d

from .matlab import fspecial_gaussian

Array = NDArray[np.float64]


def filter2_valid(kernel: Array, image: Array) -> Array:
    """MATLAB ``filter2(kernel, image, 'valid')``: correlation over the windows that lie
    wholly inside the image (``conv2`` with the kernel rotated by 180 degrees)."""
    return np.asarray(convolve2d(image, np.rot90(kernel, 2), mode="valid"))


def vifp_mscale(ref: Array, dist: Array) -> float:
    """``vifp = vifp_mscale(ref, dist)``: ref the reference, dist the distorted image."""
    # sigma_nsq=2;
    sigma_nsq = 2
    # num=0;
    num = 0.0
    # den=0;
    den = 0.0
    # for scale=1:4
    for scale in range(1, 5):
        # N=2^(4-scale+1)+1;
        N = 2 ** (4 - scale + 1) + 1
        # win=fspecial('gaussian',N,N/5);
        win = fspecial_gaussian(N, N / 5)
        # if (scale >1)
        if scale > 1:
            # ref=filter2(win,ref,'valid');
            ref = filter2_valid(win, ref)
            # dist=filter2(win,dist,'valid');
            dist = filter2_valid(win, dist)
            # ref=ref(1:2:end,1:2:end);
            ref = ref[0::2, 0::2]
            # dist=dist(1:2:end,1:2:end);
            dist = dist[0::2, 0::2]
        # end
        # mu1   = filter2(win, ref, 'valid');
        mu1 = filter2_valid(win, ref)
        # mu2   = filter2(win, dist, 'valid');
        mu2 = filter2_valid(win, dist)
        # mu1_sq = mu1.*mu1;
        mu1_sq = mu1 * mu1
        # mu2_sq = mu2.*mu2;
        mu2_sq = mu2 * mu2
        # mu1_mu2 = mu1.*mu2;
        mu1_mu2 = mu1 * mu2
        # sigma1_sq = filter2(win, ref.*ref, 'valid') - mu1_sq;
        sigma1_sq = filter2_valid(win, ref * ref) - mu1_sq
        # sigma2_sq = filter2(win, dist.*dist, 'valid') - mu2_sq;
        sigma2_sq = filter2_valid(win, dist * dist) - mu2_sq
        # sigma12 = filter2(win, ref.*dist, 'valid') - mu1_mu2;
        sigma12 = filter2_valid(win, ref * dist) - mu1_mu2

        # sigma1_sq(sigma1_sq<0)=0;
        sigma1_sq[sigma1_sq < 0] = 0
        # sigma2_sq(sigma2_sq<0)=0;
        sigma2_sq[sigma2_sq < 0] = 0

        # g=sigma12./(sigma1_sq+1e-10);
        g = sigma12 / (sigma1_sq + 1e-10)
        # sv_sq=sigma2_sq-g.*sigma12;
        sv_sq = sigma2_sq - g * sigma12

        # g(sigma1_sq<1e-10)=0;
        g[sigma1_sq < 1e-10] = 0
        # sv_sq(sigma1_sq<1e-10)=sigma2_sq(sigma1_sq<1e-10);
        sv_sq[sigma1_sq < 1e-10] = sigma2_sq[sigma1_sq < 1e-10]
        # sigma1_sq(sigma1_sq<1e-10)=0;
        sigma1_sq[sigma1_sq < 1e-10] = 0

        # g(sigma2_sq<1e-10)=0;
        g[sigma2_sq < 1e-10] = 0
        # sv_sq(sigma2_sq<1e-10)=0;
        sv_sq[sigma2_sq < 1e-10] = 0

        # sv_sq(g<0)=sigma2_sq(g<0);
        sv_sq[g < 0] = sigma2_sq[g < 0]
        # g(g<0)=0;
        g[g < 0] = 0
        # sv_sq(sv_sq<=1e-10)=1e-10;
        sv_sq[sv_sq <= 1e-10] = 1e-10

        # num=num+sum(sum(log10(1+g.^2.*sigma1_sq./(sv_sq+sigma_nsq))));
        num = num + float(np.sum(np.log10(1 + g**2 * sigma1_sq / (sv_sq + sigma_nsq))))
        # den=den+sum(sum(log10(1+sigma1_sq./sigma_nsq)));
        den = den + float(np.sum(np.log10(1 + sigma1_sq / sigma_nsq)))
    # end
    # vifp=num/den;
    return num / den

"""The registry's full-reference pixel metrics: one entry per metric, in the order of
``imgsim list``.

Each entry names the function that computes it (imported on first use), which way is
better, its range, when to use it and the paper and code it follows. Every function
takes the image being judged first and its reference second; metrics the authors
defined on gray images read BT.601 luma (:mod:`imgsim.metrics.pair_inputs`).
TID2013 rank correlations with human judgement, as piq and the papers report them:
SSIM 0.64-0.72, MS-SSIM 0.79, GMSD 0.80, FSIMc 0.85, HaarPSI 0.87, MDSI 0.89, VSI 0.90.
"""

from __future__ import annotations

import math

from imgsim.metrics.records import Deferred, Direction, Metric
from imgsim.metrics.registry import register

INF = math.inf
MDSI_BOUND = 1.6 ** (1 / 16)
"""mdsi's largest value: the fourth root of the mean deviation of the fourth roots of a
similarity whose magnitude stays under 1.6."""


def _pixels(
    module: str,
    name: str,
    direction: Direction,
    bounds: tuple[float, float],
    summary: str,
    use_when: str,
    reference: str,
    *,
    note: str = "",
    symmetric: bool = True,
    options: tuple[str, ...] = (),
) -> Metric:
    return Metric(
        name=name, kind="pixels", direction=direction, low=bounds[0], high=bounds[1],
        summary=summary, function=Deferred(f"imgsim.metrics.{module}", name), range_note=note,
        use_when=use_when, reference=reference, symmetric=symmetric, options=options,
    )  # fmt: skip


_SR_CONVENTION = (
    "Y is MATLAB rgb2ycbcr's on uint8 (BT.601 studio swing, rounded; a gray image's "
    "values are Y), with crop_border pixels removed from each side."
)

for _metric in (
    _pixels(
        "fullref", "ssim", "higher", (-1, 1),
        "Structural similarity: luminance, contrast and structure in a Gaussian window "
        "(σ=1.5), mean over pixels and channels.",
        "The standard first check of an image against its aligned reference.",
        "Wang, Bovik, Sheikh & Simoncelli, IEEE TIP 2004; scikit-image's "
        "structural_similarity with gaussian_weights, σ=1.5, population covariances.",
    ),
    _pixels(
        "fullref", "ms_ssim", "higher", (0, 1),
        "Multi-scale SSIM: contrast-structure on 5 scales (fewer, with a note, under 176 px; "
        "at least 11 px).",
        "Like ssim but less sensitive to the viewing scale; correlates better with judgement.",
        "Wang, Simoncelli & Bovik, Asilomar 2003; the authors' msssim.m.",
    ),
    _pixels(
        "fullref", "psnr", "higher", (0, INF),
        "Peak signal-to-noise ratio, 10 log10(255² / MSE); inf for identical images.",
        "Pixel fidelity of restorations; comparable only between versions of one image.",
        "The classic definition; scikit-image's peak_signal_noise_ratio (data range 255).",
        note=" dB",
    ),
    _pixels(
        "fullref", "mse", "lower", (0, 255**2), "Mean squared error over pixels and channels.",
        "Loss-like pixel error; prefer psnr to report it.", "The classic definition.",
    ),
    _pixels(
        "fullref", "rmse", "lower", (0, 255), "Root mean squared error.",
        "A pixel error in the units of the pixel values.", "The classic definition.",
    ),
    _pixels(
        "fullref", "mae", "lower", (0, 255), "Mean absolute error.",
        "A pixel error that outliers sway less than mse.", "The classic definition.",
    ),
    _pixels(
        "conventions", "ssim_y", "higher", (-1, 1),
        "SSIM on the Y channel, border cropped, as super-resolution papers report it. "
        + _SR_CONVENTION,
        "To compare with published super-resolution and restoration SSIM tables.",
        "Wang et al. 2004 as ssim_index.m computes it ('valid' windows, float64), which the "
        "SR evaluation scripts run on Y.",
        options=("crop_border",),
    ),
    _pixels(
        "conventions", "psnr_y", "higher", (0, INF),
        "PSNR on the Y channel, border cropped, as super-resolution papers report it. "
        + _SR_CONVENTION,
        "To compare with published super-resolution PSNR tables.",
        "The SR evaluation scripts' PSNR on Y (SRCNN lineage).",
        note=" dB",
        options=("crop_border",),
    ),
    _pixels(
        "conventions", "ssim_matlab", "higher", (-1, 1),
        "SSIM of the gray image after ssim.m's automatic downsampling by round(min side / 256).",
        "To reproduce SSIM values computed with the authors' MATLAB code.",
        "Wang et al. 2004; the authors' ssim.m (2009, 'SSIM Index with automatic "
        "downsampling').",
    ),
    _pixels(
        "gradient", "gmsd", "lower", (0, 1),
        "Gradient magnitude similarity deviation: the spread of the gradient-similarity map "
        "of the half-size gray images.",
        "Very fast, and follows judgement better than ssim for blur, noise and compression; "
        "gray only.",
        "Xue, Zhang, Mou & Bovik, IEEE TIP 2014; the authors' GMSD.m.",
    ),
    _pixels(
        "gradient", "ms_gmsd", "lower", (0, INF),
        "Multi-scale gradient-similarity deviation plus YIQ chroma error (MS-GMSDc), 4 "
        "scales (fewer, with a note, under 17 px).",
        "Like gmsd when colour errors matter (white balance, chroma compression).",
        "Zhang, Sander & Bermak, ICASSP 2017 (no published code; the paper's equations "
        "and constants as piq has them, with GMSD.m's std2).",
    ),
    _pixels(
        "fsim", "fsim", "higher", (0, 1),
        "Feature similarity: phase congruency and gradient magnitude, pooled by phase "
        "congruency; gray.",
        "Structure and edges (blur, noise, compression) when colour does not matter.",
        "Zhang, Zhang, Mou & Zhang, IEEE TIP 2011; the authors' FeatureSIM.m with Kovesi's "
        "phasecong2.",
    ),
    _pixels(
        "fsim", "fsimc", "higher", (0, 1),
        "FSIM times the similarity of the YIQ chroma channels I and Q (FSIMc).",
        "Like fsim when colour errors (white balance, chroma bleeding) should count too.",
        "Zhang, Zhang, Mou & Zhang, IEEE TIP 2011; the authors' FeatureSIM.m with Kovesi's "
        "phasecong2.",
    ),
    _pixels(
        "saliency", "vsi", "higher", (0, 1),
        "Visual saliency-induced index: similarity of SDSP saliency, gradient and LMN "
        "chroma, pooled by saliency.",
        "The colour metric with the best TID2013 correlation (0.90), when errors in "
        "salient regions should count most.",
        "Zhang, Shen & Li, IEEE TIP 2014; the authors' VSI.m with its SDSP saliency "
        "(Zhang, Gu & Li, ICIP 2013).",
    ),
    _pixels(
        "saliency", "sr_sim", "higher", (0, 1),
        "Spectral-residual saliency and gradient similarity, pooled by saliency; gray.",
        "A very fast gray metric that weights errors by saliency.",
        "Zhang & Li, ICIP 2012; the authors' SR_SIM.m.",
    ),
    _pixels(
        "information", "vifp", "higher", (0, INF),
        "Pixel-domain visual information fidelity: information the image keeps of its "
        "reference, 4 scales; above 1 for contrast enhancement.",
        "How much of the reference's information survives (blur, noise); not symmetric.",
        "Sheikh & Bovik, IEEE TIP 2006; the authors' vifp_mscale.m.",
        symmetric=False,
    ),
    _pixels(
        "iw_ssim", "iw_ssim", "higher", (0, 1),
        "Information-weighted SSIM: 5-scale Laplacian-pyramid SSIM pooled by the reference's "
        "information content; at least 176 px.",
        "SSIM weighted towards the parts of the reference that carry information (edges, "
        "texture) rather than flat areas; not symmetric.",
        "Wang & Li, IEEE TIP 2011; the authors' iwssim.m with matlabPyrTools' buildLpyr.",
        symmetric=False,
    ),
    _pixels(
        "haarpsi", "haarpsi", "higher", (0, 1),
        "Haar wavelet similarity of edges at two scales, weighted by coarse-scale structure; "
        "YIQ chroma for RGB input, the gray path for gray input.",
        "A cheap score that follows judgement closely (TID2013 SRCC 0.87), gray or colour.",
        "Reisenhofer, Bosse, Kutyniok & Wiegand, Signal Process. Image Commun. 2018; the "
        "authors' HaarPSI.m.",
    ),
    _pixels(
        "mdsi", "mdsi", "lower", (0, MDSI_BOUND),
        "Mean deviation similarity: gradient similarity with the fused image plus "
        "chromaticity, pooled by mean deviation.",
        "The best-correlating cheap colour metric (TID2013 SRCC 0.89); not symmetric.",
        "Nafchi, Shahkolaei, Hedjam & Cheriet, IEEE Access 2016; the authors' MDSI.m "
        "('sum' combination).",
        symmetric=False,
    ),
    _pixels(
        "dss", "dss", "higher", (-1, 1),
        "DCT subband similarity: variance and structure agreement of the 8x8 block DCT's "
        "subbands, worst 5 % pooled; gray.",
        "A cheap metric sensitive to blocking, blur and the loss of some frequencies.",
        "Balanov, Schwartz, Moshe & Peleg, ICIP 2015; the authors' dss_index.m (v1.00).",
        note=", below 0 only through its DC term",
    ),
    _pixels(
        "classic", "uqi", "higher", (-1, 1),
        "Universal quality index: SSIM without its constants, 8x8 windows; gray.",
        "To compare with older literature; prefer ssim (uqi is unstable on flat regions).",
        "Wang & Bovik, IEEE SPL 2002; the authors' img_qi.m.",
    ),
    _pixels(
        "classic", "psnr_b", "higher", (-3, INF),
        "PSNR with a blocking-effect factor on 8x8 block borders of the judged image; gray.",
        "Deblocked or compressed images, where blocking artefacts matter; not symmetric.",
        "Yim & Bovik, IEEE TIP 2011.",
        note=" dB; an image scores finite against itself when it has blocking",
        symmetric=False,
    ),
):  # fmt: skip
    register(_metric)

"""The registry's no-reference metrics: one entry per metric of one image, in the order
of ``imgsim list`` and of ``imgsim quality``'s columns.

Each scores one image alone, to catch broken generations (black, blank, washed-out,
blurred, noisy, blocky frames) without a reference. Metrics defined on gray images read
MATLAB's ``rgb2gray`` (:func:`imgsim.metrics.pair_inputs.gray8`).
"""

from __future__ import annotations

import math

from imgsim.metrics.records import Deferred, Direction, Metric
from imgsim.metrics.registry import register

INF = math.inf
DEFAULT_QUALITY_METRICS = (
    "brightness", "contrast", "colorfulness", "entropy", "sharpness", "blur", "noise",
    "blockiness", "flat_fraction",
)  # fmt: skip
"""What ``imgsim quality`` computes without ``-m``: every metric but ``piqe``, the slow one."""
BROKEN_GATES = ("contrast>=5", "sharpness>=4", "noise<=30")
"""Gates that fail exactly the broken frames of a set (README, "Catching broken
generations"): black, white and flat frames have contrast 0; a heavy blur (σ = 8 px at
256 px) has sharpness about 2; uniform noise has a noise σ about 50. Measured on the
sample and test photographs: their lowest contrast is 13 (moon), their lowest sharpness
8 (a σ = 1.5 px blur at 256 px), their highest noise 19 (σ = 20 noise added)."""
READ_COLOUR = frozenset({"colorfulness", "blur"})
"""The metrics that read the RGB image; every other one reads MATLAB's ``rgb2gray``, which
the engine computes once per image for all of them."""


def _one_image(
    module: str,
    name: str,
    direction: Direction,
    bounds: tuple[float, float],
    summary: str,
    use_when: str,
    reference: str,
    *,
    columns: tuple[str, ...] = (),
    note: str = "",
) -> Metric:
    return Metric(
        name=name, kind="no-reference", direction=direction, low=bounds[0], high=bounds[1],
        summary=summary, function=Deferred(f"imgsim.metrics.{module}", name), range_note=note,
        use_when=use_when, reference=reference, columns=columns,
    )  # fmt: skip


for _metric in (
    _one_image(
        "noref", "brightness", "neither", (0, 255),
        "Mean luma and its 5th and 95th percentiles (columns brightness, brightness_p5, "
        "brightness_p95), in gray levels.",
        "Black (p95 near 0) or white and washed-out (p5 near 255) outputs.",
        "The gray levels of MATLAB rgb2gray; percentiles by NumPy's linear rule (type 7).",
        columns=("brightness", "brightness_p5", "brightness_p95"),
    ),
    _one_image(
        "noref", "contrast", "higher", (0, 127.5),
        "RMS contrast: the standard deviation of the gray levels.",
        "Blank or flat outputs (0 for a uniform image).",
        "Peli, JOSA A 1990.",
    ),
    _one_image(
        "noref", "colorfulness", "higher", (0, 297.7),
        "Colourfulness M of the RGB values (Hasler & Süsstrunk): spread and mean of the "
        "opponent channels; 0 for gray.",
        "Desaturated outputs or a collapse of colour.",
        "Hasler & Süsstrunk, SPIE Human Vision and Electronic Imaging 2003.",
    ),
    _one_image(
        "noref", "entropy", "higher", (0, 8),
        "Shannon entropy of the 256-bin gray-level histogram, in bits.",
        "Blank or posterised outputs (0 for a uniform image); pure noise is near 8.",
        "Shannon 1948; scikit-image's shannon_entropy.",
    ),
    _one_image(
        "noref", "sharpness", "higher", (0, 16 * 255**2),
        "Variance of the 3x3 Laplacian of the gray image; depends on the image's size.",
        "Blurred outputs (compare images of one size).",
        "Pech-Pacheco, Cristóbal, Chamorro-Martínez & Fernández-Valdivia, ICPR 2000.",
    ),
    _one_image(
        "noref", "blur", "higher", (0, 1),
        "cleanvision's blurriness score at 64 px: 1 is sharp, cleanvision flags under 0.29.",
        "To compare with cleanvision's 'blurry' issue; prefer sharpness for heavy blur.",
        "cleanvision 0.3.7 (Apache-2.0), BlurrinessProperty.",
    ),
    _one_image(
        "noref", "noise", "lower", (0, INF),
        "Wavelet noise sigma of the gray image (Donoho & Johnstone), in gray levels.",
        "Noisy or grainy outputs; read it with flat_fraction (near 0 on mostly flat images).",
        "Donoho & Johnstone, Biometrika 1994; scikit-image's estimate_sigma.",
    ),
    _one_image(
        "noref", "blockiness", "lower", (0, INF),
        "JPEG 8x8 blocking: the squared steps across block borders over those inside "
        "blocks (1: none).",
        "Over-compressed or blocky generations.",
        "Yim & Bovik, IEEE TIP 2011 (D_B / D_B^C).",
    ),
    _one_image(
        "noref", "flat_fraction", "lower", (0, 1),
        "Share of 8x8 blocks whose gray levels vary by less than 2 (standard deviation).",
        "Blank or partly blank outputs (1 for a uniform image).",
        "imgsim's definition (no published metric of this name).",
    ),
    _one_image(
        "piqe", "piqe", "lower", (0, 100),
        "PIQE: blockiness and noise in the active 16x16 blocks, as MATLAB's piqe; 0-20 "
        "excellent, 81-100 bad.",
        "One parameter-free overall quality score; slower than the cheap checks.",
        "Venkatanath, Praneeth, Chandrasekhar, Channappayya & Medasani, NCC 2015; MATLAB "
        "Image Processing Toolbox piqe.",
    ),
):  # fmt: skip
    register(_metric)

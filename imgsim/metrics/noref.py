"""No-reference metrics of one image: each takes an H x W gray or H x W x 3 RGB
``uint8`` image and returns a float (``brightness`` a named triple), so that a CI job
can catch black, blank, washed-out, blurred, noisy or over-compressed outputs without
a reference.

The levels (brightness, contrast, colourfulness, entropy, flat blocks) live in
:mod:`imgsim.metrics.noref_levels`, the fine-detail measures (sharpness, blur,
blockiness) in :mod:`imgsim.metrics.noref_detail`, the noise estimate in
:mod:`imgsim.metrics.noref_noise`.
"""

from __future__ import annotations

from imgsim.metrics.noref_detail import blockiness, blur, sharpness
from imgsim.metrics.noref_levels import (
    Brightness,
    brightness,
    colorfulness,
    contrast,
    entropy,
    flat_fraction,
)
from imgsim.metrics.noref_noise import noise

__all__ = [
    "Brightness",
    "blockiness",
    "blur",
    "brightness",
    "colorfulness",
    "contrast",
    "entropy",
    "flat_fraction",
    "noise",
    "sharpness",
]

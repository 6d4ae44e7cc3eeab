"""The disturbances of Heusel et al. 2017, Fig. 1 and Appendix A1, on batches of RGB images.

Each takes an (N, H, W, 3) ``uint8`` batch, a level α and a random generator, and
returns a disturbed copy. The paper's levels are kept, with one lighter level in
front (the paper has three levels besides the undisturbed one):

- Gaussian noise: (1 − α) X + α N, N i.i.d. per pixel and channel,
  N(127.5, 64²) clipped to [0, 255]; α ∈ {0.1, 0.25, 0.5, 0.75}.
- Gaussian blur with standard deviation α ∈ {0.5, 1, 2, 4} pixels.
- Black rectangles: five per image at random places, sides α times the image's;
  α ∈ {0.1, 0.25, 0.5, 0.75}.
- Swirl (``skimage.transform.swirl``, centred, radius the image side), strength
  α ∈ {0.5, 1, 2, 4}.
- Salt and pepper: a share α ∈ {0.05, 0.1, 0.2, 0.3} of the pixels set to black or
  white with equal probability.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Images = NDArray[np.uint8]
"""(N, H, W, 3) RGB images."""
RECTANGLES = 5
"""Black rectangles per image, as in the paper."""


def gaussian_noise(images: Images, alpha: float, rng: np.random.Generator) -> Images:
    """(1 − α) X + α N, N ~ N(127.5, 64²) per pixel and channel, clipped to [0, 255]."""
    # float32 throughout: float64 would hold several copies of the set at 8 bytes a value.
    noise = rng.standard_normal(images.shape, dtype=np.float32)
    noise = np.clip(noise * np.float32(64.0) + np.float32(127.5), 0.0, 255.0)
    return _to_uint8(np.float32(1.0 - alpha) * images + np.float32(alpha) * noise)


def gaussian_blur(images: Images, sigma: float, rng: np.random.Generator) -> Images:
    """Gaussian blur of standard deviation ``sigma`` pixels (``rng`` is unused)."""
    from scipy.ndimage import gaussian_filter

    blurred = gaussian_filter(images.astype(np.float32), sigma=(0, sigma, sigma, 0))
    return _to_uint8(blurred)


def black_rectangles(images: Images, alpha: float, rng: np.random.Generator) -> Images:
    """Five black rectangles per image, sides ``alpha`` times the image's, at random places."""
    out = images.copy()
    height, width = images.shape[1:3]
    side_y, side_x = round(alpha * height), round(alpha * width)
    tops = rng.integers(height - side_y + 1, size=(len(images), RECTANGLES))
    lefts = rng.integers(width - side_x + 1, size=(len(images), RECTANGLES))
    for image, image_tops, image_lefts in zip(out, tops, lefts, strict=True):
        for top, left in zip(image_tops, image_lefts, strict=True):
            image[top : top + side_y, left : left + side_x] = 0
    return out


def swirl(images: Images, strength: float, rng: np.random.Generator) -> Images:
    """``skimage.transform.swirl`` about the centre, radius the image side (deterministic)."""
    from skimage.transform import swirl as skimage_swirl

    radius = max(images.shape[1:3])
    out = np.empty_like(images)
    for index, image in enumerate(images):
        out[index] = _to_uint8(
            skimage_swirl(image, strength=strength, radius=radius, preserve_range=True, order=1)
        )
    return out


def salt_and_pepper(images: Images, share: float, rng: np.random.Generator) -> Images:
    """A share ``share`` of the pixels set to black or white, half and half on average."""
    out = images.copy()
    flipped = rng.random(images.shape[:3]) < share
    white = rng.random(images.shape[:3]) < 0.5
    out[flipped & white] = 255
    out[flipped & ~white] = 0
    return out


def _to_uint8(pixels: NDArray[np.floating]) -> Images:
    return np.asarray(np.clip(np.rint(pixels), 0, 255), dtype=np.uint8)


@dataclass(frozen=True)
class Disturbance:
    """One kind of disturbance and its levels 1-4 (level 0 is the undisturbed draw)."""

    name: str
    levels: tuple[float, float, float, float]
    apply: Callable[[Images, float, np.random.Generator], Images]


DISTURBANCES = (
    Disturbance("gaussian noise", (0.1, 0.25, 0.5, 0.75), gaussian_noise),
    Disturbance("gaussian blur", (0.5, 1.0, 2.0, 4.0), gaussian_blur),
    Disturbance("black rectangles", (0.1, 0.25, 0.5, 0.75), black_rectangles),
    Disturbance("swirl", (0.5, 1.0, 2.0, 4.0), swirl),
    Disturbance("salt and pepper", (0.05, 0.1, 0.2, 0.3), salt_and_pepper),
)

"""Shape features: histograms of oriented gradients and Hu's moment invariants.

``hog`` is the descriptor of Dalal & Triggs (2005) as ``skimage.feature.hog`` computes it
(9 unsigned orientations, 2 x 2 cells per block, L2-Hys), on a fixed 8 x 8 grid of
cells so that its length does not depend on the image. ``hu`` is the seven moment
invariants of Hu (1962) of the gray image, as ``cv2.HuMoments`` gives them, on a
signed log scale.

References
----------
N. Dalal and B. Triggs, "Histograms of oriented gradients for human detection", CVPR
2005. scikit-image, ``skimage/feature/_hog.py`` and ``_hoghistogram.pyx``.
M.-K. Hu, "Visual pattern recognition by moment invariants", IRE Trans. Information
Theory 8(2), 1962.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError
from imgsim.features.spec import FeatureSpec
from imgsim.images import luma

GRID = 8
"""Cells per side of the HOG grid: the cell side is the image's shorter side // 8."""
ORIENTATIONS = 9
"""Unsigned orientation bins of 20° over [0°, 180°)."""
BLOCK = 2
"""Cells per side of a normalisation block."""
BLOCKS = GRID - BLOCK + 1
HOG_DIM = BLOCKS * BLOCKS * BLOCK * BLOCK * ORIENTATIONS
"""7 x 7 blocks of 2 x 2 cells of 9 bins: 1764 values."""
EPS = 1e-5
"""scikit-image's ``_hog_normalize_block`` epsilon (squared inside the root)."""
HYS_CLIP = 0.2
"""L2-Hys clips the L2-normalised block at 0.2, then normalises it again (Lowe 2004)."""
HU_DIM = 7

BIN_WIDTH = 180.0 / ORIENTATIONS
"""20 degrees, exactly."""
MAX_GRADIENT = 255
"""Largest central difference of a uint8 image, either sign."""
GRADIENT_VALUES = 2 * MAX_GRADIENT + 1


def _gradients(gray: NDArray[np.int32]) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Central differences along rows and columns, 0 on the border rows and columns
    (``skimage.feature._hog._hog_channel_gradient``)."""
    g_row = np.zeros_like(gray)
    g_col = np.zeros_like(gray)
    g_row[1:-1, :] = gray[2:, :] - gray[:-2, :]
    g_col[:, 1:-1] = gray[:, 2:] - gray[:, :-2]
    return g_row, g_col


@lru_cache(maxsize=1)
def _gradient_tables() -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Magnitude and orientation bin of every gradient of a uint8 image, by index
    ``(g_row + 255) * 511 + (g_col + 255)``: the float64 operations of scikit-image on
    each of the 511**2 possible pairs, done once, so that a lookup gives the same bits
    (measured 3x faster than ``hypot`` and ``arctan2`` over a 256 x 256 image).

    The magnitude is ``hypot(g_col, g_row)``; the orientation ``arctan2(g_row, g_col)`` in
    degrees modulo 180, and its bin i holds 20 i <= o < 20 (i + 1), scikit-image's two
    comparisons. o / 20 is correctly rounded and 20 is exact, so its floor is i exactly,
    also next to an edge (checked on all pairs). An angle that rounded to 180 would fall
    in bin 9, counted nowhere, as in scikit-image.
    """
    values = np.arange(-MAX_GRADIENT, MAX_GRADIENT + 1, dtype=np.float64)
    g_row, g_col = np.meshgrid(values, values, indexing="ij")
    magnitude = np.hypot(g_col, g_row).reshape(-1)
    orientation = np.rad2deg(np.arctan2(g_row, g_col)) % 180
    bins = (orientation / BIN_WIDTH).astype(np.intp).reshape(-1)
    magnitude.setflags(write=False)
    bins.setflags(write=False)
    return magnitude, bins


def cell_histograms(gray: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Orientation histograms of the 8 x 8 cells at the top left, (8, 8, 9).

    Each pixel votes its gradient magnitude ``hypot(g_col, g_row)`` into the bin of its
    orientation ``arctan2(g_row, g_col)`` in degrees modulo 180, bins [20 i, 20 (i + 1)),
    no interpolation between bins or cells (``_hoghistogram.hog_histograms``); both are
    looked up in :func:`_gradient_tables`.

    A cell of side ``c`` is the pixels ``k c`` to ``k c + c - 1`` of each axis, and its
    histogram is the sum over its pixels divided by ``c**2``, as scikit-image's. That
    sums each cell in a C ``float``, which is off from these float64 sums by a relative
    2.6e-6 at most on the photographs of tests/test_shape.py; after the block
    normalisation the vectors differ by 6.2e-7 at most there.
    """
    if gray.dtype != np.uint8 or gray.ndim != 2:
        raise ArgumentError(
            f"{{}} must be a 2-D uint8 array, got {gray.ndim}-D {gray.dtype}", Argument("image")
        )
    cell = min(gray.shape) // GRID
    if cell < 1:
        raise ArgumentError(
            f"{{}} must be at least {GRID} pixels per side, got {gray.shape}", Argument("image")
        )
    side = GRID * cell
    g_row, g_col = _gradients(gray.astype(np.int32))
    pair = ((g_row + MAX_GRADIENT) * GRADIENT_VALUES + (g_col + MAX_GRADIENT))[:side, :side]
    magnitudes, bin_of = _gradient_tables()
    cells = np.arange(side) // cell
    cell_index = cells[:, None] * GRID + cells[None, :]
    flat = cell_index * (ORIENTATIONS + 1) + bin_of[pair]
    sums = np.bincount(
        flat.reshape(-1),
        weights=magnitudes[pair].reshape(-1),
        minlength=GRID * GRID * (ORIENTATIONS + 1),
    )
    histograms = np.asarray(sums, dtype=np.float64).reshape(GRID, GRID, ORIENTATIONS + 1)
    means: NDArray[np.float64] = histograms[:, :, :ORIENTATIONS] / (cell * cell)
    return means


def l2_hys_blocks(cells: NDArray[np.float64]) -> NDArray[np.float64]:
    """Every 2 x 2 block of cells, L2-Hys normalised, (7, 7, 2, 2, 9)
    (``skimage.feature._hog._hog_normalize_block(method="L2-Hys")``)."""
    windows = sliding_window_view(cells, (BLOCK, BLOCK), axis=(0, 1))
    blocks = np.moveaxis(windows, 2, -1)
    norm = np.sqrt(np.sum(blocks**2, axis=(2, 3, 4), keepdims=True) + EPS**2)
    clipped = np.minimum(blocks / norm, HYS_CLIP)
    norm = np.sqrt(np.sum(clipped**2, axis=(2, 3, 4), keepdims=True) + EPS**2)
    result: NDArray[np.float64] = clipped / norm
    return result


def hog_features(gray: NDArray[np.uint8]) -> NDArray[np.float32]:
    """HOG of a gray image on a fixed 8 x 8 grid of square cells: 1764 values.

    The cell side is ``min(height, width) // 8`` and the grid covers the top-left
    ``8 cell`` x ``8 cell`` pixels (gradients at its edge still read the pixel beyond).
    Equal to ``skimage.feature.hog(gray, orientations=9, pixels_per_cell=(cell, cell),
    cells_per_block=(2, 2), block_norm="L2-Hys", feature_vector=False)[:7, :7].ravel()``,
    which is the whole of scikit-image's vector whenever the sides hold exactly 8 cells
    (the 256 x 256 working image: cells of 32). Values are in [0, 1]; every block's
    values have an L2 norm of 1 (0 for a block without gradients).
    """
    return l2_hys_blocks(cell_histograms(gray)).reshape(-1).astype(np.float32)


def hu_moments(gray: NDArray[np.uint8]) -> NDArray[np.float64]:
    """The seven Hu invariants of a gray image, its intensities as the mass
    (``cv2.HuMoments(cv2.moments(gray))``): invariant to translation, scale and rotation
    (the seventh changes sign under reflection)."""
    import cv2

    return np.asarray(cv2.HuMoments(cv2.moments(gray)), dtype=np.float64).reshape(-1)


def signed_log10(values: NDArray[np.float64]) -> NDArray[np.float32]:
    """``-sign(h) log10 |h|``, 0 where ``h`` is 0: the usual scale for Hu moments, whose
    magnitudes span many decades (h1 near 1e-3, h7 near 1e-20 on photographs)."""
    magnitude = np.abs(values)
    logs = np.log10(magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
    # + 0.0 turns the -0.0 of -sign(h) * 0 into 0.0, so that output never shows "-0.0".
    return (-np.sign(values) * logs + 0.0).astype(np.float32)


def hu_features(gray: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The seven Hu moments of a gray image on the signed log scale (:func:`signed_log10`)."""
    return signed_log10(hu_moments(gray))


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="hog",
        kind="vector",
        version=1,
        default_distance="euclidean",
        summary="Histograms of oriented gradients (9 bins) of an 8x8 grid of cells of the gray "
        "working image, L2-Hys normalised in 2x2 blocks: edges and their layout.",
        use_when="shape and layout: where the edges are and which way they run",
        uses=("size", "crop"),
        dim=lambda p: HOG_DIM,
        work_side=lambda p: None,
        needs_color=True,
        compute=lambda image, p, reduced: hog_features(luma(image)),
        working=True,
    ),
    FeatureSpec(
        name="hu",
        kind="vector",
        version=1,
        default_distance="euclidean",
        summary="The seven Hu moment invariants of the gray working image as -sign(h) "
        "log10|h|: the overall distribution of brightness, blind to shift, scale and rotation.",
        use_when="global shape of the brightness, whatever its position, size or rotation",
        uses=("size", "crop"),
        dim=lambda p: HU_DIM,
        work_side=lambda p: None,
        needs_color=True,
        compute=lambda image, p, reduced: hu_features(luma(image)),
        signed=True,
        working=True,
    ),
)

"""Build imgsim's VLAD codebook, ``imgsim/features/data/vlad_codebook.npy``, bit for bit.

The 64 codewords are k-means centres of RootSIFT descriptors of 13 freely licensed
photographs bundled with scikit-image (licences and the whole recipe:
``docs/vlad_codebook.md``). Every step is exact, so the same file comes out on any
machine, whatever its BLAS, threads or CPU:

- the descriptors are OpenCV's SIFT of the working images that ``sift_vlad`` reads
  (256 x 256, the whole image and its central square), RootSIFT in float64 (OpenCV's
  descriptors are whole numbers, so their L1 sums are exact; a division and a square
  root are correctly rounded everywhere), then rounded to multiples of 2**-16 and held
  as integers;
- k-means runs on those integers: squared distances |x|² - 2 x·c + |c|² are sums of
  products of integers below 2**16, whose partial sums stay below 2**53, so the float64
  matrix product is exact in any summation order; centres are the rounded integer means
  of their points; k-means++ seeding (D. Arthur, S. Vassilvitskii, SODA 2007) draws
  only ``Generator.random()`` doubles from PCG64 with a fixed seed.

Run: ``python scripts/build_vlad_codebook.py`` (writes the packaged file) or
``--check`` (rebuilds and compares with it; exit 1 when they differ). Needs the test
extras (scikit-image) for the photographs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from imgsim.features.keypoints import CODEBOOK_FILE, VLAD_WORDS, root_sift, sift_descriptors
from imgsim.images import luma, resize_antialiased

PHOTOGRAPHS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "retina",
    "hubble_deep_field",
    "immunohistochemistry",
    "camera",
    "coins",
    "grass",
    "gravel",
    "brick",
    "cell",
)
"""``skimage.data`` photographs: those of tests/photos.py TILE_PHOTOS, in its order; its
HELD_OUT photographs stay out, to stand for images the codebook has never seen."""
WORK_SIDE = 256
"""Side of the working images, ``sift_vlad``'s default (``DEFAULT_WORK_SIZE``)."""
PER_PHOTOGRAPH = 800
"""Most descriptors drawn from one photograph, so that textures (gravel has 1679 at 256
px) do not outweigh photographs with few keypoints (cell has 27)."""
SEED = 0
SCALE = 1 << 16
"""RootSIFT values (in [0, 1]) are rounded to multiples of 1/SCALE."""
MAX_ITERATIONS = 500
"""Lloyd iterations at most; the build stops earlier when no assignment changes."""
SMALL_PRODUCT = 1 << 18
"""Largest m*n*k of one matrix product; OpenBLAS computes those on the calling thread
(see ``_SMALL_PRODUCT`` in imgsim/features/hashes.py)."""

Points = NDArray[np.int64]
OUTPUT = Path(__file__).resolve().parent.parent / "imgsim" / "features" / "data" / CODEBOOK_FILE


def photograph(name: str) -> NDArray[np.uint8]:
    """A scikit-image photograph as H x W x 3 ``uint8`` (gray repeated, alpha dropped)."""
    from skimage import data

    pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3]).astype(np.uint8)


def working_views(pixels: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    """The working images ``sift_vlad`` reads of a photograph with ``crop`` ``none`` and
    ``center``: the whole of it and its central square, each resized to WORK_SIDE per
    side as the decoder does (the central square of a square image is the image: once)."""
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = np.ascontiguousarray(pixels[top : top + side, left : left + side])
    views = [pixels] if side == max(height, width) else [pixels, square]
    return [resize_antialiased(view, (WORK_SIDE, WORK_SIDE)) for view in views]


def training_points(rng: np.random.Generator) -> Points:
    """Quantised RootSIFT descriptors of the photographs: at most PER_PHOTOGRAPH of each,
    drawn at random (the order of uniform keys), in photograph order."""
    chosen: list[Points] = []
    for name in PHOTOGRAPHS:
        descriptors = np.concatenate(
            [sift_descriptors(luma(view)) for view in working_views(photograph(name))]
        )
        points = np.rint(root_sift(descriptors) * SCALE).astype(np.int64)
        keys = rng.random(len(points))
        chosen.append(points[np.sort(np.argsort(keys, kind="stable")[:PER_PHOTOGRAPH])])
    return np.concatenate(chosen)


def exact_product(a: Points, b: Points) -> Points:
    """``a @ b`` of integer matrices through float64 BLAS, exact: every product and
    partial sum is an integer below 2**53 (checked), which float64 holds exactly.

    Computed SMALL_PRODUCT at a time: OpenBLAS wakes its threads for larger products,
    and on 2 busy cores the build took 18.6 s with them, 4.8 s without.
    """
    bound = int(np.abs(a).max(initial=0)) * int(np.abs(b).max(initial=0)) * a.shape[1]
    if bound >= 1 << 53:
        raise ValueError(f"a @ b may exceed 2**53 (bound {bound}): it would not be exact")
    rows = max(1, SMALL_PRODUCT // max(1, a.shape[1] * b.shape[1]))
    right = b.astype(np.float64)
    blocks = [
        a[start : start + rows].astype(np.float64) @ right for start in range(0, len(a), rows)
    ]
    product: Points = np.rint(np.concatenate(blocks)).astype(np.int64)
    return product


def squared_distances(points: Points, centres: Points) -> Points:
    """Exact |x - c|² of every point and centre, (n, k), as integers."""
    # Integer sums are exact in any order.
    point_norms = np.sum(points * points, axis=1)
    centre_norms = np.sum(centres * centres, axis=1)
    cross = exact_product(points, centres.T)
    result: Points = point_norms[:, None] - 2 * cross + centre_norms[None, :]
    return result


def seed_centres(points: Points, count: int, rng: np.random.Generator) -> Points:
    """k-means++: the first centre uniformly, each next one with probability proportional
    to its squared distance to the nearest centre so far (integer cumulative sums, one
    uniform double per draw)."""
    centres = [points[int(rng.random() * len(points))]]
    nearest = squared_distances(points, np.asarray(centres))[:, 0]
    while len(centres) < count:
        cumulative = np.cumsum(nearest)
        index = int(np.searchsorted(cumulative, rng.random() * float(cumulative[-1]), "right"))
        centres.append(points[min(index, len(points) - 1)])
        nearest = np.minimum(nearest, squared_distances(points, centres[-1][None, :])[:, 0])
    return np.asarray(centres)


def lloyd(points: Points, centres: Points) -> tuple[Points, int]:
    """Lloyd's iterations until no point changes its centre (ties: the first centre).
    Each centre moves to the mean of its points rounded to the nearest integer; an empty
    centre moves to the point farthest from its own centre. Returns the centres and the
    number of iterations."""
    assignment = np.full(len(points), -1, dtype=np.intp)
    for iteration in range(1, MAX_ITERATIONS + 1):
        distances = squared_distances(points, centres)
        new_assignment = np.argmin(distances, axis=1)
        if np.array_equal(new_assignment, assignment):
            return centres, iteration - 1
        assignment = new_assignment
        # Integer sums of each centre's points, exact in any order.
        order = np.argsort(assignment, kind="stable")
        sizes = np.bincount(assignment, minlength=len(centres))[:, None]
        starts = np.concatenate([[0], np.cumsum(sizes[:-1, 0])])
        totals = np.add.reduceat(points[order], np.minimum(starts, len(points) - 1), axis=0)
        centres = np.where(sizes > 0, (2 * totals + sizes) // np.maximum(2 * sizes, 1), centres)
        own = distances[np.arange(len(points)), assignment]
        for word in np.flatnonzero(sizes[:, 0] == 0):
            farthest = int(np.argmax(own))
            centres[word], own[farthest] = points[farthest], 0
    return centres, MAX_ITERATIONS


def build_codebook() -> tuple[NDArray[np.float32], int, int]:
    """The codebook (VLAD_WORDS x 128 ``float32``), the number of descriptors it was
    trained on, and the Lloyd iterations it took."""
    rng = np.random.Generator(np.random.PCG64(SEED))
    points = training_points(rng)
    centres, iterations = lloyd(points, seed_centres(points, VLAD_WORDS, rng))
    # Integers below 2**17 over a power of two: exact in float32.
    return (centres / SCALE).astype(np.float32), len(points), iterations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the packaged file")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the codebook")
    args = parser.parse_args(argv)
    codebook, descriptors, iterations = build_codebook()
    print(f"{descriptors} descriptors, {iterations} Lloyd iterations", file=sys.stderr)
    if args.check:
        shipped = np.load(args.out, allow_pickle=False)
        same = shipped.dtype == codebook.dtype and shipped.tobytes() == codebook.tobytes()
        print(f"{args.out}: {'identical' if same else 'DIFFERENT'}", file=sys.stderr)
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, codebook, allow_pickle=False)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

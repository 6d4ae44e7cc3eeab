"""Crop-resistant hash: a dHash of each bright and dark segment of the image.

The segment hashes of Jain, Schwarz and Heim, "Efficient cropping-resistant robust
image hashing" (ARES 2014, doi:10.1109/ARES.2014.85), bit for bit as imagehash 4.3's
``crop_resistant_hash(image, hash_func=dhash, limit_segments=segments)`` computes them
with its defaults (``segment_threshold=128``, ``min_segment_size=500``,
``segmentation_image_size=300``):

1. the luma is resized to 300 x 300 (Lanczos), blurred (Pillow's ``GaussianBlur()``,
   radius 2) and median-filtered (3 x 3), all with Pillow, as imagehash does;
2. the pixels above 128 ("hills") and the others ("valleys") are cut into their
   4-connected components; those of more than 500 pixels are the segments, hills
   first, each kind in the raster order of its first pixel;
3. the ``segments`` largest are kept (a stable sort: equal sizes keep that order), and
   each is hashed by the dHash of the original image cropped to its bounding box.

imagehash finds each component with a flood fill in pure Python, over a second per
photograph; here :func:`scipy.ndimage.label` (whose default structure is the same
4-connectivity) labels them all at once. Two quirks of imagehash's loop are kept, so
that the segments are the same: the first pixel of a component of one pixel is never
marked as visited, and the valley loop stops as soon as the visited pixels, counted
with the 2 x (300 + 300) pixels of the frame around the image, reach 300 x 300, which
can leave the last valleys (at most 1,200 pixels in all) unvisited. When components
of one pixel exceed 1,200 pixels in all, imagehash runs out of valleys and raises an
``IndexError``; imgsim then hashes every segment it found. Without any segment, the
whole image is the one segment.

Layout of the stored value (bytes, each hash big-endian, bits packed most significant
first as :func:`numpy.packbits` does)::

    0      MARKER (0xA5): says that the bytes are a crop-resistant hash
    1-2    hash_size
    3-4    number of segments hashed, n (1 to the number of slots)
    5...   slots (``params.segments`` of them), ceil(hash_size**2 / 8) bytes each:
           the dHash bits of segment i in slot i, zero bits in the slots from n on

so that the distance (:mod:`imgsim.metrics.multihash`) reads the hash size and the
number of segments from the value itself.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

from imgsim.errors import Argument, ArgumentError
from imgsim.features.hashes import Pixels, difference_hash
from imgsim.features.spec import FeatureParams, FeatureSpec
from imgsim.images import luma

SEGMENT_THRESHOLD = 128
"""Brightness above which a pixel belongs to a hill (imagehash's default)."""
MIN_SEGMENT_SIZE = 500
"""A component is a segment when it has more pixels than this (imagehash's default)."""
SEGMENTATION_SIZE = 300
"""Side of the square gray image that is segmented (imagehash's default)."""
MARKER = 0xA5
"""First byte of every stored crop-resistant hash."""
HEADER_BYTES = 5
"""Marker, hash size (2 bytes) and number of segments (2 bytes)."""
_LARGEST_FIELD = 0xFFFF


def slot_bytes(hash_size: int) -> int:
    """Bytes of one segment's packed dHash: ``ceil(hash_size**2 / 8)``."""
    return (hash_size * hash_size + 7) // 8


def stored_bytes(params: FeatureParams) -> int:
    """Bytes of one stored value: the header and ``params.segments`` slots."""
    return HEADER_BYTES + params.segments * slot_bytes(params.hash_size)


def segmentation_pixels(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The 300 x 300 image that is segmented: resized, blurred and median-filtered with
    Pillow, as imagehash does."""
    side = (SEGMENTATION_SIZE, SEGMENTATION_SIZE)
    small = Image.fromarray(gray).resize(side, Image.Resampling.LANCZOS)
    smooth = small.filter(ImageFilter.GaussianBlur()).filter(ImageFilter.MedianFilter())
    return np.asarray(smooth)


Box = tuple[slice, slice]
"""Rows and columns of a segment's bounding box, as :func:`scipy.ndimage.find_objects`
gives them."""


def find_segments(pixels: NDArray[np.uint8]) -> list[tuple[int, Box]]:
    """Pixel counts and bounding boxes of the segments of ``pixels``, in imagehash's order
    (hills, then valleys, each in raster order of their first pixel; see the module
    docstring for where its loop stops)."""
    from scipy import ndimage  # at first use: it adds to every command's start-up

    hills = pixels > SEGMENT_THRESHOLD
    visited = 2 * (pixels.shape[0] + pixels.shape[1])  # the frame imagehash marks first
    segments: list[tuple[int, Box]] = []
    for mask, stop in ((hills, None), (~hills, pixels.size)):
        labels, count = ndimage.label(mask)
        if count == 0:
            continue
        flat = labels.ravel()
        sizes = np.bincount(flat, minlength=count + 1)
        first = np.full(count + 1, flat.size)
        np.minimum.at(first, flat, np.arange(flat.size))
        order = np.argsort(first[1:], kind="stable") + 1
        # A component of one pixel leaves its pixel unvisited (imagehash's quirk).
        counted = np.where(sizes[order] > 1, sizes[order], 0)
        if stop is not None:
            # Before each valley, the loop tests whether the visited pixels reach the
            # image's size: it takes the valleys up to the first one that makes them.
            before = visited + np.concatenate([[0], np.cumsum(counted)[:-1]])
            order = order[before < stop]
        visited += int(counted[: len(order)].sum())
        boxes = ndimage.find_objects(labels)
        segments += [
            (int(sizes[label]), boxes[label - 1])
            for label in order.tolist()
            if sizes[label] > MIN_SEGMENT_SIZE
        ]
    return segments


def largest_segments(pixels: NDArray[np.uint8], limit: int) -> list[Box]:
    """Bounding boxes of the ``limit`` largest segments, largest first; equal sizes keep
    :func:`find_segments`' order, as Python's stable ``sorted(reverse=True)`` keeps it.
    Without any segment, the whole image (imagehash's fallback)."""
    segments = find_segments(pixels)
    if not segments:
        whole = slice(0, pixels.shape[0]), slice(0, pixels.shape[1])
        return [whole]
    sizes = np.array([size for size, _ in segments])
    order = np.argsort(-sizes, kind="stable")[:limit]
    return [segments[index][1] for index in order.tolist()]


def crop_resistant_segments(
    image: Pixels, hash_size: int, limit: int, reduced: bool = False
) -> list[NDArray[np.uint8]]:
    """The packed dHash of each of the ``limit`` largest segments, in imagehash's order:
    the segment hashes of imagehash's ``crop_resistant_hash(image, dhash,
    limit_segments=limit)``.

    Each segment's box is scaled from the 300 x 300 segmentation to the image and
    rounded as Pillow's ``Image.crop`` rounds it (Python's ``round``); the crop is
    hashed with :func:`~imgsim.features.hashes.difference_hash`.
    """
    gray = luma(image)
    height, width = gray.shape
    scale_w = float(width) / SEGMENTATION_SIZE
    scale_h = float(height) / SEGMENTATION_SIZE
    picture = Image.fromarray(np.ascontiguousarray(gray))
    hashes = []
    for rows, columns in largest_segments(segmentation_pixels(gray), limit):
        box = (
            columns.start * scale_w,
            rows.start * scale_h,
            columns.stop * scale_w,
            rows.stop * scale_h,
        )
        crop = np.asarray(picture.crop(box))
        hashes.append(difference_hash(crop, hash_size, reduced))
    return hashes


def crop_resistant_hash(
    image: Pixels, params: FeatureParams, reduced: bool = False
) -> NDArray[np.uint8]:
    """The stored value (see the layout in the module docstring) of ``image``'s
    crop-resistant hash at ``params.hash_size`` with at most ``params.segments``
    segments."""
    _check_fields(params)
    hashes = crop_resistant_segments(image, params.hash_size, params.segments, reduced)
    return pack_segments(hashes, params.hash_size, params.segments)


def pack_segments(hashes: list[NDArray[np.uint8]], hash_size: int, slots: int) -> NDArray[np.uint8]:
    """The stored value of packed segment hashes (``ceil(hash_size**2 / 8)`` bytes each,
    at most ``slots`` of them): the layout of the module docstring."""
    width = slot_bytes(hash_size)
    if len(hashes) > slots or any(packed.shape != (width,) for packed in hashes):
        raise ValueError(f"hashes must be at most {slots} hashes of {width} bytes each")
    value = np.zeros(HEADER_BYTES + slots * width, dtype=np.uint8)
    value[0] = MARKER
    value[1:3] = divmod(hash_size, 256)
    value[3:5] = divmod(len(hashes), 256)
    if hashes:
        value[HEADER_BYTES : HEADER_BYTES + len(hashes) * width] = np.concatenate(hashes)
    return value


def _check_fields(params: FeatureParams) -> None:
    for name in ("hash_size", "segments"):
        if getattr(params, name) > _LARGEST_FIELD:
            raise ArgumentError(
                f"{{}} must be at most {_LARGEST_FIELD} for crop_resistant, "
                f"got {getattr(params, name)}",
                Argument(name),
            )


def segment_hashes(value: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    """The packed segment hashes held in one stored value, in order."""
    hash_size, count = read_header(value)
    width = slot_bytes(hash_size)
    return [value[HEADER_BYTES + i * width : HEADER_BYTES + (i + 1) * width] for i in range(count)]


def read_header(value: NDArray[np.uint8]) -> tuple[int, int]:
    """``(hash_size, number of segments)`` of one stored value; a ``ValueError`` when the
    bytes are not a crop-resistant hash."""
    if value.ndim != 1 or value.size < HEADER_BYTES or value[0] != MARKER:
        raise ValueError("value must be a crop_resistant hash (its first byte 0xA5)")
    hash_size = int(value[1]) * 256 + int(value[2])
    count = int(value[3]) * 256 + int(value[4])
    slots, rest = divmod(value.size - HEADER_BYTES, max(1, slot_bytes(hash_size)))
    if hash_size < 2 or rest or not 1 <= count <= slots:
        raise ValueError(
            f"value is not a crop_resistant hash: {value.size} bytes for hash_size "
            f"{hash_size} and {count} segments"
        )
    return hash_size, count


def segments_text(value: NDArray[np.uint8]) -> str:
    """The segment hashes in hex, comma-separated, as ``str(imagehash.ImageMultiHash)``
    writes them."""
    hash_size, _ = read_header(value)
    bits = hash_size * hash_size
    texts = []
    for packed in segment_hashes(value):
        number = int.from_bytes(packed.tobytes(), "big") >> (packed.size * 8 - bits)
        texts.append(f"{number:0{(bits + 3) // 4}x}")
    return ",".join(texts)


SPECS: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        name="crop_resistant",
        kind="hash",
        version=1,
        default_distance="segments",
        summary="Crop-resistant hash (Jain et al. 2014): a dHash of each of the largest "
        "bright and dark segments, matched segment to segment.",
        use_when="copies that were cropped, or pasted into a larger image",
        uses=("hash_size", "segments"),
        dim=lambda p: 8 * stored_bytes(p),
        # Segments are found on a 300 x 300 reduction, but hashed on crops of the image.
        work_side=lambda p: None,
        needs_color=False,
        compute=lambda image, p, reduced: crop_resistant_hash(image, p, reduced),
        # The stored bytes hold a header and empty slots: written as imagehash writes
        # the hash, its segments' hex.
        to_text=lambda value, p: segments_text(value),
    ),
)

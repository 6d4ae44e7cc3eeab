"""The ``segments`` distance: imagehash's matching of two crop-resistant hashes.

``a - b`` of two ``imagehash.ImageMultiHash`` (its ``__sub__`` with the default
``bit_error_rate`` of 0.25; Jain et al. 2014, "Efficient cropping-resistant robust
image hashing"), on the stored values of the ``crop_resistant`` feature (layout in
:mod:`imgsim.features.segments`). Each of the n segments of ``a`` is matched to its
nearest segment of ``b`` (fewest differing bits); a match counts when at most a
quarter of the ``hash_size**2`` bits differ. With m matches whose differing bits sum
to s, the distance is::

    n                         when m == 0
    n - (m - s / (m * bits))  otherwise

in [0, n]: 0 when every segment of ``a`` has an identical one in ``b``; below 1 when
each has a match, and then the mean share of differing bits. It counts the segments
of ``a``, so it is not symmetric: a crop of an image, whose few segments are all found
in the whole image, is closer to the image than the image is to the crop.

Values are read as stored (packed bytes) or as :meth:`FeatureSpec.vectors` unpacks
them (0/1 bits); the header says which, its first byte being 0xA5 packed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from imgsim.features.segments import HEADER_BYTES, MARKER, slot_bytes

Matrix = NDArray[np.float64]

BIT_ERROR_RATE = 0.25
"""Share of a segment hash's bits that may differ in a match (imagehash's default)."""
_BLOCK_BYTES = 64 * 1024 * 1024
"""Scratch memory per block of query rows."""
_MARKER_BITS = np.unpackbits(np.array([MARKER], dtype=np.uint8)).astype(np.float64)


class _Hashes:
    """The segment hashes of a matrix of stored values: ``hash_size``, the number of
    segments of each row and their bits as signs (-1, +1), one row per slot."""

    def __init__(self, values: Matrix, argument: str) -> None:
        packed = _packed(values, argument)
        sizes = packed[:, 1].astype(np.int64) * 256 + packed[:, 2]
        self.hash_size = int(sizes[0])
        width = slot_bytes(self.hash_size)
        self.slots, rest = divmod(packed.shape[1] - HEADER_BYTES, max(1, width))
        self.counts = packed[:, 3].astype(np.int64) * 256 + packed[:, 4]
        if np.any(sizes != self.hash_size) or self.hash_size < 2 or rest or self.slots < 1:
            raise ValueError(f"{argument} must hold crop_resistant values of one hash_size")
        if np.any((self.counts < 1) | (self.counts > self.slots)):
            raise ValueError(f"{argument} holds a crop_resistant value without segments")
        self.bits = self.hash_size * self.hash_size
        slots = packed[:, HEADER_BYTES:].reshape(len(packed), self.slots, width)
        bits = np.unpackbits(slots, axis=2)[:, :, : self.bits]
        self.signs = (2.0 * bits - 1.0).astype(np.float32).reshape(-1, self.bits)
        self.valid = np.arange(self.slots)[np.newaxis, :] < self.counts[:, np.newaxis]


def _packed(values: Matrix, argument: str) -> NDArray[np.uint8]:
    """The stored bytes of each row, whether the rows are those bytes or their bits."""
    not_values = f"{argument} must hold crop_resistant values (packed bytes or their bits)"
    if values.shape[1] < HEADER_BYTES:
        raise ValueError(not_values)
    if np.all(values[:, 0] == MARKER):
        if np.any((values < 0) | (values > 255) | (values != np.round(values))):
            raise ValueError(not_values)
        return values.astype(np.uint8)
    marked = values.shape[1] % 8 == 0 and np.all(values[:, :8] == _MARKER_BITS)
    if not marked or np.any((values != 0) & (values != 1)):
        raise ValueError(not_values)
    return np.packbits(values.astype(np.uint8), axis=1)


def pairwise_segments(x: Matrix, y: Matrix) -> Matrix:
    """``a - b`` of imagehash's ``ImageMultiHash`` for every row ``a`` of ``x`` and row
    ``b`` of ``y``: (n, m) float64, lower is closer; not symmetric (see the module
    docstring)."""
    out = np.empty((x.shape[0], y.shape[0]), dtype=np.float64)
    if out.size == 0:
        return out
    a, b = _Hashes(x, "x"), _Hashes(y, "y")
    if a.hash_size != b.hash_size:
        raise ValueError(
            f"x and y must have the same hash_size, got {a.hash_size} and {b.hash_size}"
        )
    cutoff = a.bits * BIT_ERROR_RATE
    gallery = b.signs.T
    per_row = 4 * a.slots * b.slots * y.shape[0]
    step = max(1, _BLOCK_BYTES // max(1, per_row))
    for start in range(0, x.shape[0], step):
        rows = slice(start, start + step)
        count = len(a.counts[rows])
        # Differing bits from the product of signs: bits - 2 * differing = agreement;
        # exact in float32 (integers far below 2**24).
        agreement = a.signs[start * a.slots : (start + count) * a.slots] @ gallery
        differing = (a.bits - agreement.reshape(count, a.slots, -1, b.slots)) / 2
        differing = np.where(b.valid[np.newaxis, np.newaxis], differing, np.inf)
        nearest = differing.min(axis=3).astype(np.float64)  # (queries, slots, gallery)
        within = (nearest <= cutoff) & a.valid[rows, :, np.newaxis]
        matches = within.sum(axis=1)
        total = np.where(within, nearest, 0.0).sum(axis=1)
        out[rows] = _score(a.counts[rows, np.newaxis].astype(np.float64), matches, total, a.bits)
    return out


def _score(segments: Matrix, matches: NDArray[np.int64], total: Matrix, bits: int) -> Matrix:
    """imagehash's ``ImageMultiHash.__sub__`` from ``hash_diff``'s matches and summed
    distances, with the same float64 operations in the same order."""
    with np.errstate(invalid="ignore", divide="ignore"):
        tie_breaker = 0.0 - total / (matches * bits)
        score = segments - (matches + tie_breaker)
    return np.where(matches == 0, segments, score)

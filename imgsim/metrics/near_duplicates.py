"""Default near-duplicate thresholds measured for features where the span rule fails.

The span rule (:class:`~imgsim.metrics.records.Span`: a fraction of the largest value a
distance takes on values in [0, 1], histograms summing to 1) holds for the 64-bit
hashes, ``color_hist`` and ``thumb``. The features of the working image, and ``hand``
that concatenates four of them, have values of other scales and concentrations: lbp's
two histograms sum to 2, glcm's contrast reaches (levels - 1)^2, hu's log-moments,
sift_vlad's unit-length VLAD and hand's colour moments are signed, and gabor's values
sit so close together that different photographs are 0.017 to 0.085 apart (euclidean)
where the span rule would put the threshold at 0.433. For these, the thresholds below
were measured with ``bench/near_duplicates.py`` at the default working size, 128 px
(``imgsim.defaults.DEFAULT_WORK_SIZE``): the 9 photographs of ``tests/photos.py``, each
re-encoded as JPEG quality 75 and resized to half: 18 copies to be found, 72 ordered
pairs of different photographs to be left apart; and 120 random 128 px tiles of 13
photographs, re-encoded, resized to 102 and 64 px and cropped to 90 %: 480 copies
against the pairs of tiles of different photographs. "c/18, p; tiles c, p": copies
within, pairs of different photographs within; the same for tiles, as shares. A
distance a feature does not name here has no default: a threshold must be given.

- hand: euclidean 0.7: 18/18, 0; tiles 0.98, 0 (copies reach 0.23, photographs at least
  1.24 apart; tiles' copies reach 0.93, tiles of different photographs are at least
  0.79 apart). cosine 0.95: 18/18, 0; tiles 0.94, 0.0003 (copies at least 0.992,
  photographs at most 0.91). Each block is scaled so that a typical pair of different
  photographs moves it by 1, so the vector is not in [0, 1]: the span rule's euclidean
  3.33 takes in every pair of different photographs.
- gabor: euclidean 0.007: 18/18, 0; tiles 0.85, 0.033 (copies reach 0.0028, different
  photographs are at least 0.0169 apart). cosine 0.993: 18/18, 0; tiles 0.82, 0.
- hog: euclidean 1.8: 18/18, 0; tiles 0.71, 0 (copies reach 1.21, photographs at least
  3.99 apart). cosine 0.95: 18/18, 0; tiles 0.87, 0.
- hu: euclidean 0.5: 18/18, 0; tiles 0.76, 0 (copies reach 0.17, photographs at least
  1.98 apart; a 64 px tile's moments move far). Its cosine reaches 0.9998 between
  different photographs and falls to -0.63 between a tile and its copy: no threshold.
- color_moments: euclidean 0.12: 18/18, 0; tiles 0.96, 0.009. cosine 0.99: 18/18, 0;
  tiles 0.96, 0.011.
- sift_vlad: cosine 0.3: 18/18, 0; tiles 0.67, 0 (copies at least 0.84, photographs at
  most 0.091). No euclidean: tiles without keypoints are all the zero vector, at
  distance 0 from one another (4.2 % of the tile pairs; at cosine 0).
- colorhash (42 bits, in [0, 1], but coarse): hamming 1: 17/18, 0; tiles 0.92, 0.059.
  The span rule's 1/16 of the bits (2.6) takes in 4 pairs of different photographs of
  alike palettes (camera and coins, both gray; chelsea and immunohistochemistry).
- lbp, glcm: none. glcm (euclidean): copies of a photograph reach 2.40, different
  photographs are from 1.19 apart. lbp (chi2) keeps the photographs apart (copies reach
  0.014, photographs from 0.033) but not the tiles: their copies reach 0.70 and tiles of
  different photographs start at 0.006 (chi2 0.02: tiles 0.69, 0.017).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Measured:
    """A feature's measured default thresholds, by distance, and why the distances it
    does not name have none."""

    thresholds: Mapping[str, float]
    without: str
    """Why a distance not in :attr:`thresholds` has no default on the feature."""


_UNMEASURED = "its values are not in [0, 1], and no threshold of this distance was measured"
_APART = (
    "re-encoded and resized copies of a photograph can be farther apart than different photographs"
)

MEASURED: dict[str, Measured] = {
    "hand": Measured({"euclidean": 0.7, "cosine": 0.95}, _UNMEASURED),
    "gabor": Measured({"euclidean": 0.007, "cosine": 0.993}, _UNMEASURED),
    "hog": Measured({"euclidean": 1.8, "cosine": 0.95}, _UNMEASURED),
    "hu": Measured({"euclidean": 0.5}, _UNMEASURED),
    "color_moments": Measured({"euclidean": 0.12, "cosine": 0.99}, _UNMEASURED),
    "sift_vlad": Measured({"cosine": 0.3}, _UNMEASURED),
    "colorhash": Measured(
        {"hamming": 1.0}, "its 42 bits are coarse colour shares: only hamming was measured"
    ),
    "lbp": Measured({}, _APART),
    "glcm": Measured({}, _APART),
}
"""The features whose values are not in [0, 1] (histograms: not summing to 1), and
colorhash, by name; every other feature's thresholds follow the span rule."""

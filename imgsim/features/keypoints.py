"""SIFT keypoint matching between two images.

D. G. Lowe, "Distinctive image features from scale-invariant keypoints", IJCV 60(2),
2004: descriptors matched to their two nearest neighbours, kept when the nearest
is closer than 0.75 times the second (the ratio test), then verified by a RANSAC
homography (M. A. Fischler, R. C. Bolles, 1981).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imgsim.features.spec import FeatureSpec

RATIO = 0.75
RANSAC_REPROJECTION_PX = 5.0
MIN_MATCHES = 4
"""A homography needs four point pairs."""


@dataclass(frozen=True)
class KeypointMatch:
    """The match score of two images and, when it is 0 for want of keypoints, why."""

    score: float
    """RANSAC inliers / min(keypoints of the two images), in [0, 1]."""
    keypoints_a: int
    keypoints_b: int
    inliers: int
    note: str | None = None


def _keypoints(image: NDArray[np.uint8]) -> tuple[int, NDArray[np.float32] | None, list[Any]]:
    import cv2

    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    keypoints, descriptors = cv2.SIFT.create().detectAndCompute(gray, None)
    if descriptors is None:
        return len(keypoints), None, list(keypoints)
    return len(keypoints), np.asarray(descriptors, dtype=np.float32), list(keypoints)


def sift_match(image_a: NDArray[np.uint8], image_b: NDArray[np.uint8]) -> KeypointMatch:
    """Match SIFT keypoints of two RGB (or gray) ``uint8`` images. Never raises on flat images."""
    import cv2

    count_a, descriptors_a, keypoints_a = _keypoints(image_a)
    count_b, descriptors_b, keypoints_b = _keypoints(image_b)
    fewest = min(count_a, count_b)
    if fewest < MIN_MATCHES or descriptors_a is None or descriptors_b is None:
        which = "first" if count_a <= count_b else "second"
        return KeypointMatch(
            0.0, count_a, count_b, 0, f"too few keypoints ({fewest} in the {which} image)"
        )
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(descriptors_a, descriptors_b, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_MATCHES:
        return KeypointMatch(0.0, count_a, count_b, 0)
    source = np.array([keypoints_a[m.queryIdx].pt for m in good], dtype=np.float32)
    target = np.array([keypoints_b[m.trainIdx].pt for m in good], dtype=np.float32)
    _, mask = cv2.findHomography(source, target, cv2.RANSAC, RANSAC_REPROJECTION_PX)
    inliers = int(mask.sum()) if mask is not None else 0
    return KeypointMatch(min(1.0, inliers / fewest), count_a, count_b, inliers)


SPECS: tuple[FeatureSpec, ...] = ()

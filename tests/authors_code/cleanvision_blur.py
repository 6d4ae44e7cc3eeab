"""cleanvision's blurry score of one image, line by line: the reference for
``imgsim.metrics.noref_detail.blur``.

Source: cleanvision 0.3.7 (Cleanlab, Apache-2.0), ``src/cleanvision``:
``issue_managers/image_property.py`` (``calc_blurriness``, ``calc_std_grayscale``,
``get_edges``, ``BlurrinessProperty.calculate`` and ``get_scores``),
``issue_managers/image_property_issue_manager.py`` (``get_default_params``) and
``utils/constants.py``. ``get_scores`` works on a pandas column of every image's raw
scores; here it is the same arithmetic on a one-element array (no other image enters
the score). Pillow does the image work, as in cleanvision.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter, ImageStat

# utils/constants.py: MAX_RESOLUTION_FOR_BLURRY_DETECTION = 64
MAX_RESOLUTION_FOR_BLURRY_DETECTION = 64
# image_property_issue_manager.py, get_default_params:
#     IssueType.BLURRY.value: {"threshold": 0.29, "normalizing_factor": 0.01,
#                              "color_threshold": 0.18},
NORMALIZING_FACTOR = 0.01
COLOR_THRESHOLD = 0.18


def get_edges(gray_image: Image.Image) -> Image.Image:
    # edges = gray_image.filter(ImageFilter.FIND_EDGES)
    edges = gray_image.filter(ImageFilter.FIND_EDGES)
    # return edges
    return edges


def calc_blurriness(gray_image: Image.Image) -> float:
    # edges = get_edges(gray_image)
    edges = get_edges(gray_image)
    # blurriness = ImageStat.Stat(edges).var[0]
    blurriness = ImageStat.Stat(edges).var[0]
    # return np.sqrt(blurriness)
    return float(np.sqrt(blurriness))


def calc_std_grayscale(gray_image: Image.Image) -> float:
    # return np.std(gray_image.histogram())
    return float(np.std(gray_image.histogram()))


def calculate(image: Image.Image) -> dict[str, float]:
    """``BlurrinessProperty.calculate``: the two raw scores of one image."""
    # ratio = max(image.width, image.height) / self.max_resolution
    ratio = max(image.width, image.height) / MAX_RESOLUTION_FOR_BLURRY_DETECTION
    # if ratio > 1:
    if ratio > 1:
        # resized_image = image.resize(
        #     (max(int(image.width // ratio), 1), max(int(image.height // ratio), 1))
        # )
        resized_image = image.resize(
            (max(int(image.width // ratio), 1), max(int(image.height // ratio), 1))
        )
    # else:
    else:
        # resized_image = image.copy()
        resized_image = image.copy()
    # gray_image = resized_image.convert("L")
    gray_image = resized_image.convert("L")
    # return {self.name: calc_blurriness(gray_image),
    #         "blurriness_grayscale_std": calc_std_grayscale(gray_image)}
    return {
        "blurriness": calc_blurriness(gray_image),
        "blurriness_grayscale_std": calc_std_grayscale(gray_image),
    }


def blurry_score(image: Image.Image) -> float:
    """``BlurrinessProperty.get_scores`` with the default parameters, for one image."""
    raw_scores = {key: np.array([value]) for key, value in calculate(image).items()}
    normalizing_factor, color_threshold = NORMALIZING_FACTOR, COLOR_THRESHOLD
    # blur_scores = 1 - np.exp(-1 * raw_scores[self.name] * normalizing_factor)
    blur_scores = 1 - np.exp(-1 * raw_scores["blurriness"] * normalizing_factor)
    # std_scores = 1 - np.exp(
    #     -1 * raw_scores["blurriness_grayscale_std"] * normalizing_factor
    # )
    std_scores = 1 - np.exp(-1 * raw_scores["blurriness_grayscale_std"] * normalizing_factor)
    # std_scores[std_scores <= color_threshold] = 0
    std_scores[std_scores <= color_threshold] = 0
    # scores[get_score_colname(issue_type)] = np.minimum(blur_scores + std_scores, 1)
    return float(np.minimum(blur_scores + std_scores, 1)[0])

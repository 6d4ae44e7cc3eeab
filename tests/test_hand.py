"""``hand``, the default feature: its blocks, their fixed scales, and what it depends on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import load_photo

import imgsim
from imgsim.decoding import working_image
from imgsim.features import DEFAULT_FEATURE, FeatureParams
from imgsim.features.hand import BLOCKS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return load_photo("coffee")


def test_hand_is_the_default_feature() -> None:
    assert DEFAULT_FEATURE == "hand"


def test_hand_is_each_block_of_the_working_image_weighted_over_its_scale(
    photo: np.ndarray,
) -> None:
    params = FeatureParams()
    working = working_image(photo, params)
    expected = np.concatenate(
        [
            imgsim.extract([working], block.feature.name)[0].astype(np.float64)
            * block.weight
            / block.scale
            for block in BLOCKS
        ]
    ).astype(np.float32)
    np.testing.assert_allclose(imgsim.extract([photo], "hand")[0], expected, rtol=1e-6)


def test_a_vector_does_not_depend_on_the_other_images_of_the_batch(photo: np.ndarray) -> None:
    others = [load_photo("astronaut"), load_photo("camera")]
    alone = imgsim.extract([photo], "hand")[0]
    assert imgsim.extract([*others, photo], "hand")[-1].tobytes() == alone.tobytes()


def test_the_shipped_scales_are_what_the_calibration_script_computes() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "calibrate_hand.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr

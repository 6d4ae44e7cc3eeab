"""``lbp`` and ``glcm`` against scikit-image's ``local_binary_pattern``, ``graycomatrix``
and ``graycoprops``.

The references run on the same gray images: real photographs scaled to the default
working size, ``DEFAULT_WORK_SIZE`` (cv2 INTER_AREA, Pillow's luma, as the engine frames
them), random noise, and images with many equal pixels, where a neighbour's
interpolated value ties with its centre and only an exact reproduction of scikit-image's
arithmetic gives the same code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import CliRunnerFn, load_photo
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from PIL import Image
from skimage.feature import graycomatrix, graycoprops, local_binary_pattern

from imgsim.defaults import DEFAULT_WORK_SIZE
from imgsim.features import FeatureParams, get_feature
from imgsim.features.texture import (
    GLCM_PROPERTIES,
    LBP_SCALES,
    cooccurrence,
    glcm_properties,
    haralick,
    lbp_histograms,
    quantise,
    uniform_lbp,
)
from imgsim.images import luma

Gray = NDArray[np.uint8]

TEXTURE_PHOTOS = ("camera", "astronaut", "coffee", "brick", "grass")
WORK_SIDE = DEFAULT_WORK_SIZE
ANGLES = [0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
LEVELS = (32, 64)
NOISE_SHAPES = ((256, 256), (37, 53), (3, 5))
PROPERTY_RTOL = 1e-10
"""graycoprops and :func:`haralick` sum the same products in different orders."""
SMALL_TIED_IMAGES = arrays(
    np.uint8,
    st.tuples(st.integers(1, 24), st.integers(1, 24)),
    elements=st.sampled_from([0, 1, 128, 255]),
)
"""Small images of four gray values: most neighbours tie with their centre."""


def resized_photo(name: str, side: int) -> NDArray[np.uint8]:
    """A photograph scaled to ``side`` x ``side`` as the engine scales it (INTER_AREA)."""
    resized = cv2.resize(load_photo(name), (side, side), interpolation=cv2.INTER_AREA)
    return np.asarray(resized, dtype=np.uint8)


def working_gray(name: str) -> Gray:
    """A photograph as the gray features see it: at the working size, Pillow's luma."""
    return luma(resized_photo(name, WORK_SIDE))


@pytest.fixture(scope="module")
def grays() -> dict[str, Gray]:
    return {name: working_gray(name) for name in TEXTURE_PHOTOS}


def noise(shape: tuple[int, int], seed: int = 0) -> Gray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def skimage_codes(gray: Gray, points: int, radius: float) -> NDArray[np.float64]:
    codes = local_binary_pattern(gray, points, radius, method="uniform")  # type: ignore[no-untyped-call]
    return np.asarray(codes)


def skimage_lbp_vector(gray: Gray) -> NDArray[np.float64]:
    """scikit-image's uniform codes at each scale, histogrammed and normalised to sum 1."""
    histograms = []
    for points, radius in LBP_SCALES:
        codes = skimage_codes(gray, points, radius)
        counts, _ = np.histogram(codes, bins=points + 2, range=(0, points + 2))
        histograms.append(counts / codes.size)
    return np.concatenate(histograms)


def skimage_glcm(quantised: Gray, levels: int) -> NDArray[np.float64]:
    matrices = graycomatrix(  # type: ignore[no-untyped-call]
        quantised, [1], ANGLES, levels=levels, symmetric=True, normed=True
    )
    return np.asarray(matrices)


def skimage_properties(gray: Gray, levels: int) -> NDArray[np.float64]:
    """graycoprops of every property (rows) at the 4 angles (columns)."""
    matrices = skimage_glcm(quantise(gray, levels).astype(np.uint8), levels)
    rows = [graycoprops(matrices, prop)[0] for prop in GLCM_PROPERTIES]  # type: ignore[no-untyped-call]
    return np.stack(rows)


# Local binary patterns


@pytest.mark.parametrize("scale", LBP_SCALES, ids=lambda s: f"P{s[0]}R{s[1]}")
@pytest.mark.parametrize("name", TEXTURE_PHOTOS)
def test_lbp_codes_equal_skimage_on_photographs(
    grays: dict[str, Gray], name: str, scale: tuple[int, int]
) -> None:
    points, radius = scale
    gray = grays[name]
    assert np.array_equal(uniform_lbp(gray, points, radius), skimage_codes(gray, points, radius))


@pytest.mark.parametrize("scale", LBP_SCALES, ids=lambda s: f"P{s[0]}R{s[1]}")
@pytest.mark.parametrize("shape", NOISE_SHAPES, ids=str)
def test_lbp_codes_equal_skimage_on_noise(shape: tuple[int, int], scale: tuple[int, int]) -> None:
    points, radius = scale
    gray = noise(shape)
    assert np.array_equal(uniform_lbp(gray, points, radius), skimage_codes(gray, points, radius))


@pytest.mark.parametrize("scale", LBP_SCALES, ids=lambda s: f"P{s[0]}R{s[1]}")
def test_lbp_codes_equal_skimage_on_a_flat_image(scale: tuple[int, int]) -> None:
    points, radius = scale
    gray = np.full((40, 30), 77, dtype=np.uint8)
    assert np.array_equal(uniform_lbp(gray, points, radius), skimage_codes(gray, points, radius))


@settings(max_examples=60, deadline=None)
@given(gray=SMALL_TIED_IMAGES, scale=st.sampled_from(LBP_SCALES))
def test_lbp_codes_equal_skimage_where_neighbours_tie(gray: Gray, scale: tuple[int, int]) -> None:
    points, radius = scale
    assert np.array_equal(uniform_lbp(gray, points, radius), skimage_codes(gray, points, radius))


@pytest.mark.parametrize("name", TEXTURE_PHOTOS)
def test_lbp_vector_is_the_histograms_of_skimage_codes(grays: dict[str, Gray], name: str) -> None:
    gray = grays[name]
    assert np.array_equal(lbp_histograms(gray), skimage_lbp_vector(gray).astype(np.float32))


def test_lbp_vector_is_the_histograms_of_skimage_codes_on_noise() -> None:
    gray = noise((97, 131), seed=3)
    assert np.array_equal(lbp_histograms(gray), skimage_lbp_vector(gray).astype(np.float32))


@pytest.mark.parametrize("scale", range(len(LBP_SCALES)))
def test_each_lbp_histogram_sums_to_one(grays: dict[str, Gray], scale: int) -> None:
    bounds = np.cumsum([0] + [points + 2 for points, _ in LBP_SCALES])
    histogram = lbp_histograms(grays["brick"])[bounds[scale] : bounds[scale + 1]]
    assert float(histogram.sum(dtype=np.float64)) == pytest.approx(1.0, abs=1e-6)


def test_lbp_refuses_a_colour_array() -> None:
    with pytest.raises(ValueError, match="gray"):
        uniform_lbp(np.zeros((8, 8, 3), dtype=np.uint8), 8, 1)


# Grey-level co-occurrence


def test_quantisation_puts_256_over_levels_gray_values_in_each_level() -> None:
    gray = np.arange(256, dtype=np.uint8)
    assert np.array_equal(quantise(gray, 64), np.repeat(np.arange(64), 4))


@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize("name", TEXTURE_PHOTOS)
def test_cooccurrence_equals_graycomatrix_on_photographs(
    grays: dict[str, Gray], name: str, levels: int
) -> None:
    quantised = quantise(grays[name], levels)
    expected = skimage_glcm(quantised.astype(np.uint8), levels)[:, :, 0, :]
    assert np.allclose(cooccurrence(quantised, levels), expected, rtol=1e-10, atol=0)


@pytest.mark.parametrize("prop", GLCM_PROPERTIES)
@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize("name", TEXTURE_PHOTOS)
def test_haralick_properties_equal_graycoprops_on_photographs(
    grays: dict[str, Gray], name: str, levels: int, prop: str
) -> None:
    gray = grays[name]
    row = GLCM_PROPERTIES.index(prop)
    ours = haralick(cooccurrence(quantise(gray, levels), levels))[row]
    expected = skimage_properties(gray, levels)[row]
    assert np.allclose(ours, expected, rtol=PROPERTY_RTOL, atol=0)


@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize("shape", NOISE_SHAPES, ids=str)
def test_haralick_properties_equal_graycoprops_on_noise(
    shape: tuple[int, int], levels: int
) -> None:
    gray = noise(shape, seed=1)
    ours = haralick(cooccurrence(quantise(gray, levels), levels))
    assert np.allclose(ours, skimage_properties(gray, levels), rtol=PROPERTY_RTOL, atol=0)


def test_haralick_properties_of_a_flat_image_equal_graycoprops() -> None:
    gray = np.full((20, 20), 200, dtype=np.uint8)
    ours = haralick(cooccurrence(quantise(gray, 32), 32))
    assert np.array_equal(ours, skimage_properties(gray, 32))


@pytest.mark.parametrize("levels", LEVELS)
def test_glcm_vector_is_graycoprops_property_by_property(
    grays: dict[str, Gray], levels: int
) -> None:
    gray = grays["coffee"]
    expected = skimage_properties(gray, levels).ravel().astype(np.float32)
    assert np.allclose(glcm_properties(gray, levels), expected, rtol=1e-6, atol=0)


# Through the registry, the engine and the command line


@pytest.mark.parametrize(("name", "dim"), [("lbp", 28), ("glcm", 24)])
def test_feature_length_is_its_dimension(name: str, dim: int) -> None:
    spec = get_feature(name)
    assert spec.dim(FeatureParams()) == dim


@pytest.mark.parametrize(("name", "dim"), [("lbp", 28), ("glcm", 24)])
def test_feature_vector_has_its_dimension(name: str, dim: int) -> None:
    spec = get_feature(name)
    image = resized_photo("astronaut", 64)
    assert spec.extract(image, FeatureParams()).shape == (dim,)


@pytest.mark.parametrize("name", ["lbp", "glcm"])
def test_feature_is_float32(name: str) -> None:
    image = resized_photo("astronaut", 64)
    assert get_feature(name).extract(image, FeatureParams()).dtype == np.float32


@pytest.mark.parametrize("name", ["lbp", "glcm"])
def test_feature_is_the_same_in_another_process(name: str) -> None:
    image = resized_photo("coffee", WORK_SIDE)
    here = get_feature(name).extract(image, FeatureParams()).tobytes().hex()
    program = (
        "import sys, cv2, numpy as np\n"
        "from conftest import load_photo\n"
        "from imgsim.features import FeatureParams, get_feature\n"
        f"image = cv2.resize(load_photo('coffee'), ({WORK_SIDE}, {WORK_SIDE}), "
        "interpolation=cv2.INTER_AREA)\n"
        f"print(get_feature({name!r}).extract(image, FeatureParams()).tobytes().hex())\n"
    )
    tests_dir = Path(__file__).resolve().parent
    there = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=tests_dir
    ).stdout.strip()
    assert there == here


@pytest.fixture(scope="module")
def photo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Astronaut at the working size as a PNG, so the engine reads its pixels unscaled."""
    image = resized_photo("astronaut", WORK_SIDE)
    path = tmp_path_factory.mktemp("texture") / "astronaut.png"
    Image.fromarray(image).save(path)
    return path


@pytest.fixture(scope="module")
def extracted_row(cli_once: CliRunnerFn, photo_file: Path) -> dict[str, list[float]]:
    result = cli_once("extract", photo_file, "-f", "lbp,glcm", "--format", "json", "--no-cache")
    row: dict[str, list[float]] = json.loads(result.stdout)["rows"][0]
    return row


def test_cli_lbp_is_skimage_histograms_of_the_file(
    extracted_row: dict[str, list[float]], photo_file: Path
) -> None:
    gray = luma(np.asarray(Image.open(photo_file).convert("RGB")))
    expected = skimage_lbp_vector(gray).astype(np.float32)
    assert np.array_equal(np.array(extracted_row["lbp"], dtype=np.float32), expected)


def test_cli_glcm_is_skimage_graycoprops_of_the_file(
    extracted_row: dict[str, list[float]], photo_file: Path
) -> None:
    gray = luma(np.asarray(Image.open(photo_file).convert("RGB")))
    expected = skimage_properties(gray, 32).ravel()
    assert np.allclose(np.array(extracted_row["glcm"]), expected, rtol=1e-6, atol=0)

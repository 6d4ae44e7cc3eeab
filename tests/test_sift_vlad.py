"""sift_vlad: VLAD of OpenCV's RootSIFT descriptors over the packaged codebook.

The reference is a plain transcription of the papers in NumPy, written apart from
imgsim: OpenCV's SIFT of Pillow's luma of the 256 x 256 working image, RootSIFT
(Arandjelović & Zisserman 2012), the nearest codeword of each descriptor by brute force,
per-word residual sums (Jégou et al. 2010), signed square root, L2 norm.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest
from cli_support import run_imgsim
from conftest import CliRunnerFn, load_photo
from numpy.typing import NDArray
from PIL import Image

from imgsim.features import get_feature
from imgsim.features.spec import FeatureParams

REPO = Path(__file__).resolve().parent.parent
CODEBOOK = REPO / "imgsim" / "features" / "data" / "vlad_codebook.npy"
BUILD_SCRIPT = REPO / "scripts" / "build_vlad_codebook.py"
REFERENCE_PHOTOS = ("astronaut", "coffee", "camera", "moon")
"""Three photographs the codebook was built from, and one it never saw."""
SIDE = 256
PARAMS = FeatureParams()
SIFT_VLAD = get_feature("sift_vlad")


def _working_image(name: str) -> NDArray[np.uint8]:
    resized = cv2.resize(load_photo(name), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(resized, dtype=np.uint8)


def _reference_vlad(
    descriptors: NDArray[np.float64], codebook: NDArray[np.float64]
) -> NDArray[np.float64]:
    """VLAD as the papers write it, one codeword at a time."""
    sums = np.zeros_like(codebook)
    if len(descriptors) == 0:
        return sums.ravel()
    distances = np.stack([np.linalg.norm(descriptors - word, axis=1) for word in codebook])
    nearest = np.argmin(distances, axis=0)
    for word in range(len(codebook)):
        sums[word] = (descriptors[nearest == word] - codebook[word]).sum(axis=0)
    powered = np.sign(sums) * np.sqrt(np.abs(sums))
    unit: NDArray[np.float64] = (powered / np.linalg.norm(powered)).ravel()
    return unit


def _reference_sift_vlad(image: NDArray[np.uint8]) -> NDArray[np.float64]:
    gray = np.asarray(Image.fromarray(image).convert("L"))
    _, sift = cv2.SIFT.create().detectAndCompute(gray, None)
    sift = np.asarray(sift, dtype=np.float64)
    root = np.sqrt(sift / sift.sum(axis=1, keepdims=True))
    return _reference_vlad(root, np.load(CODEBOOK).astype(np.float64))


@pytest.fixture(scope="module")
def working_images() -> dict[str, NDArray[np.uint8]]:
    return {name: _working_image(name) for name in REFERENCE_PHOTOS}


@pytest.mark.parametrize("name", REFERENCE_PHOTOS)
def test_sift_vlad_of_a_photograph_is_the_direct_numpy_vlad_of_opencv_rootsift(
    working_images: dict[str, NDArray[np.uint8]], name: str
) -> None:
    image = working_images[name]
    vector = SIFT_VLAD.extract(image, PARAMS).astype(np.float64)
    np.testing.assert_allclose(vector, _reference_sift_vlad(image), rtol=0, atol=1e-7)


def test_vlad_of_random_descriptors_is_the_direct_numpy_vlad() -> None:
    from imgsim.features.keypoints import vlad

    rng = np.random.default_rng(7)
    descriptors, codebook = rng.random((300, 128)), rng.random((64, 128))
    np.testing.assert_allclose(
        vlad(descriptors, codebook), _reference_vlad(descriptors, codebook), rtol=0, atol=1e-6
    )


def test_sift_vlad_has_8192_values() -> None:
    assert SIFT_VLAD.dim(PARAMS) == 8192


def test_sift_vlad_is_unit_length(working_images: dict[str, NDArray[np.uint8]]) -> None:
    vector = SIFT_VLAD.extract(working_images["coffee"], PARAMS).astype(np.float64)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)


def test_sift_vlad_is_float32(working_images: dict[str, NDArray[np.uint8]]) -> None:
    assert SIFT_VLAD.extract(working_images["coffee"], PARAMS).dtype == np.float32


def test_an_image_without_keypoints_gives_the_zero_vector() -> None:
    flat = np.full((SIDE, SIDE, 3), 128, dtype=np.uint8)
    assert not SIFT_VLAD.extract(flat, PARAMS).any()


def test_sift_vlad_is_bit_identical_on_a_second_call(
    working_images: dict[str, NDArray[np.uint8]],
) -> None:
    image = working_images["astronaut"]
    first, second = SIFT_VLAD.extract(image, PARAMS), SIFT_VLAD.extract(image, PARAMS)
    assert first.tobytes() == second.tobytes()


def test_the_codebook_has_64_words_of_128_values() -> None:
    assert np.load(CODEBOOK).shape == (64, 128)


def test_the_codebook_is_float32() -> None:
    assert np.load(CODEBOOK).dtype == np.float32


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_vlad_codebook", BUILD_SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {BUILD_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuilding_the_codebook_gives_the_packaged_file_bit_for_bit() -> None:
    # About 5 s: SIFT of 19 working images and k-means of 6393 descriptors.
    codebook, _, _ = _build_script().build_codebook()
    assert codebook.tobytes() == np.load(CODEBOOK).tobytes()


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    for name in ("astronaut", "coffee", "chelsea"):
        Image.fromarray(load_photo(name)).save(folder / f"{name}.png")
    return folder


def test_the_command_line_extracts_8192_values(cli: CliRunnerFn, photo_files: Path) -> None:
    result = cli("extract", photo_files / "coffee.png", "-f", "sift_vlad", "--format", "json")
    assert len(json.loads(result.stdout)["rows"][0]["sift_vlad"]) == 8192


def test_the_command_line_with_two_workers_gives_the_values_of_the_library(
    photo_files: Path,
) -> None:
    import imgsim

    paths = sorted(photo_files.glob("*.png"))
    printed = run_imgsim(
        "extract", photo_files, "-f", "sift_vlad", "--workers", "2", "--format", "json",
        "--no-cache",
    )  # fmt: skip
    rows = json.loads(printed.stdout)["rows"]
    values = np.array([row["sift_vlad"] for row in rows], dtype=np.float32)
    assert values.tobytes() == imgsim.extract([str(p) for p in paths], "sift_vlad").tobytes()


def test_rank_with_sift_vlad_finds_a_jpeg_copy_first(
    cli: CliRunnerFn, photo_files: Path, tmp_path: Path
) -> None:
    Image.open(photo_files / "chelsea.png").save(tmp_path / "copy.jpg", quality=50)
    result = cli(
        "rank", tmp_path / "copy.jpg", photo_files, "-f", "sift_vlad", "-k", "1",
        "--format", "json",
    )  # fmt: skip
    assert Path(json.loads(result.stdout)["rows"][0]["match"]).name == "chelsea.png"

"""OnnxModel: small networks built with onnx.helper embed real photographs as their NumPy
twins do on the preprocessing computed independently (clean-fid's resize); bad model
files are refused with a message that names the file."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from onnx_support import CHANNELS, ConvNet, clean_fid_resize, rank3_model, reference_input
from photos import PHOTOS
from PIL import Image
from skimage.transform import downscale_local_mean

from imgsim.errors import ArgumentError, UsageError
from imgsim.features.onnx_model import OnnxModel
from imgsim.features.onnx_prep import OnnxPreprocessing

NET = ConvNet.random(seed=0)
SIZE = (32, 32)
OTHER_SIZE = (24, 40)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Images = list[NDArray[np.uint8]]


@pytest.fixture(scope="module")
def images(photos: dict[str, NDArray[np.uint8]]) -> Images:
    """Five photographs of different sizes and shapes."""
    return [photos[name] for name in ("astronaut", "chelsea", "coffee", "coins", "rocket")]


@pytest.fixture
def nchw(tmp_path: Path) -> Path:
    return NET.save(tmp_path / "nchw.onnx", ["N", 3, *SIZE])


@pytest.fixture
def two_outputs(tmp_path: Path) -> Path:
    return NET.save(tmp_path / "two.onnx", ["N", 3, *SIZE], two_outputs=True)


@pytest.fixture
def dynamic(tmp_path: Path) -> Path:
    return NET.save(tmp_path / "dynamic.onnx", ["N", 3, "H", "W"])


def assert_close(actual: NDArray[np.float32], expected: NDArray[np.float64]) -> None:
    """Equal to float32 precision on the twin's values (of order 1 to 10)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


# --- embeddings against the NumPy twin --------------------------------------------------


def test_nchw_model_embeds_as_its_numpy_twin(nchw: Path, images: Images) -> None:
    expected = NET.features(reference_input(images, SIZE))
    assert_close(OnnxModel.load(nchw).embed(images), expected)


def test_nhwc_model_with_layout_metadata_embeds_as_its_twin(tmp_path: Path, images: Images) -> None:
    path = NET.save(
        tmp_path / "nhwc.onnx", ["N", *SIZE, 3], layout="NHWC", metadata={"imgsim.layout": "NHWC"}
    )
    expected = NET.features(reference_input(images, SIZE, layout="NHWC"), layout="NHWC")
    assert_close(OnnxModel.load(path).embed(images), expected)


def test_nhwc_model_with_layout_option_embeds_as_its_twin(tmp_path: Path, images: Images) -> None:
    path = NET.save(tmp_path / "nhwc.onnx", ["N", *SIZE, 3], layout="NHWC")
    expected = NET.features(reference_input(images, SIZE, layout="NHWC"), layout="NHWC")
    assert_close(OnnxModel.load(path, layout="NHWC").embed(images), expected)


def test_non_square_input_size_embeds_as_its_twin(tmp_path: Path, images: Images) -> None:
    path = NET.save(tmp_path / "wide.onnx", ["N", 3, *OTHER_SIZE])
    expected = NET.features(reference_input(images, OTHER_SIZE))
    assert_close(OnnxModel.load(path).embed(images), expected)


def test_dynamic_model_takes_the_size_option(dynamic: Path, images: Images) -> None:
    expected = NET.features(reference_input(images, OTHER_SIZE))
    assert_close(OnnxModel.load(dynamic, size=OTHER_SIZE).embed(images), expected)


def test_dynamic_model_takes_the_size_metadata(tmp_path: Path, images: Images) -> None:
    path = NET.save(tmp_path / "meta.onnx", ["N", 3, "H", "W"], metadata={"imgsim.size": "24,40"})
    expected = NET.features(reference_input(images, OTHER_SIZE))
    assert_close(OnnxModel.load(path).embed(images), expected)


def test_range_mean_and_std_come_from_metadata(tmp_path: Path, images: Images) -> None:
    metadata = {
        "imgsim.range": "-1,1",
        "imgsim.mean": ",".join(map(str, IMAGENET_MEAN)),
        "imgsim.std": ",".join(map(str, IMAGENET_STD)),
    }
    path = NET.save(tmp_path / "meta.onnx", ["N", 3, *SIZE], metadata=metadata)
    prepared = reference_input(
        images, SIZE, value_range=(-1.0, 1.0), mean=IMAGENET_MEAN, std=IMAGENET_STD
    )
    assert_close(OnnxModel.load(path).embed(images), NET.features(prepared))


def test_options_override_the_metadata(tmp_path: Path, images: Images) -> None:
    metadata = {"imgsim.range": "-1,1", "imgsim.resize": "area"}
    path = NET.save(tmp_path / "meta.onnx", ["N", 3, *SIZE], metadata=metadata)
    model = OnnxModel.load(path, value_range=(0.0, 2.0), resize="bicubic")
    expected = NET.features(reference_input(images, SIZE, value_range=(0.0, 2.0)))
    assert_close(model.embed(images), expected)


def test_mean_and_std_options_normalise(nchw: Path, images: Images) -> None:
    model = OnnxModel.load(nchw, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    expected = NET.features(reference_input(images, SIZE, mean=IMAGENET_MEAN, std=IMAGENET_STD))
    assert_close(model.embed(images), expected)


def test_first_output_by_default(two_outputs: Path, images: Images) -> None:
    expected = NET.features(reference_input(images, SIZE))
    assert_close(OnnxModel.load(two_outputs).embed(images), expected)


def test_output_option_selects_the_pooled_output(two_outputs: Path, images: Images) -> None:
    expected = NET.pooled(reference_input(images, SIZE))
    assert_close(OnnxModel.load(two_outputs, "pooled").embed(images), expected)


def test_random_images_of_random_sizes_embed_as_the_twin(nchw: Path) -> None:
    rng = np.random.default_rng(7)
    shapes = [(int(h), int(w), 3) for h, w in rng.integers(8, 200, size=(6, 2))]
    noise = [rng.integers(0, 256, size=shape, dtype=np.uint8) for shape in shapes]
    assert_close(OnnxModel.load(nchw).embed(noise), NET.features(reference_input(noise, SIZE)))


def test_batch_size_that_does_not_divide_the_images(nchw: Path, images: Images) -> None:
    expected = NET.features(reference_input(images, SIZE))
    assert_close(OnnxModel.load(nchw).embed(images, batch_size=2), expected)


def test_fixed_batch_of_one_runs_image_by_image(tmp_path: Path, images: Images) -> None:
    path = NET.save(tmp_path / "single.onnx", [1, 3, *SIZE])
    expected = NET.features(reference_input(images, SIZE))
    assert_close(OnnxModel.load(path).embed(images), expected)


def test_no_images_give_an_empty_matrix(nchw: Path) -> None:
    assert OnnxModel.load(nchw).embed([]).shape == (0, CHANNELS * 16 * 16)


def test_images_at_the_input_size_are_only_scaled(nchw: Path, images: Images) -> None:
    crops = [image[:32, :32] for image in images]
    expected = np.stack(crops).transpose(0, 3, 1, 2) / 255.0
    np.testing.assert_allclose(OnnxModel.load(nchw).preprocess(crops), expected, rtol=1e-6)


# --- the model's description ---------------------------------------------------------------


def test_dimension_of_a_static_output(nchw: Path) -> None:
    assert OnnxModel.load(nchw).dimension == CHANNELS * 16 * 16


def test_dimension_of_a_dynamic_output_is_learnt_from_a_run(dynamic: Path) -> None:
    assert OnnxModel.load(dynamic, size=OTHER_SIZE).dimension == CHANNELS * 12 * 20


def test_digest_is_the_sha256_of_the_file(nchw: Path) -> None:
    assert OnnxModel.load(nchw).digest == hashlib.sha256(nchw.read_bytes()).hexdigest()


def test_size_comes_from_the_fixed_input_shape(tmp_path: Path) -> None:
    path = NET.save(tmp_path / "wide.onnx", ["N", 3, *OTHER_SIZE])
    assert OnnxModel.load(path).preprocessing.size == OTHER_SIZE


def test_threads_set_the_intra_op_threads(nchw: Path) -> None:
    session = OnnxModel.load(nchw, threads=1).session
    assert session.get_session_options().intra_op_num_threads == 1


# --- resize filters against their references on photographs ------------------------------


@pytest.mark.parametrize("name", PHOTOS)
def test_bicubic_is_clean_fids_resize(name: str, photos: dict[str, NDArray[np.uint8]]) -> None:
    size = (37, 50)
    prepared = OnnxPreprocessing(size=size, value_range=(0.0, 255.0), layout="NHWC")
    expected = clean_fid_resize(photos[name], size)
    np.testing.assert_array_equal(prepared.prepare([photos[name]])[0], expected)


def test_area_is_the_mean_of_pixel_blocks(photos: dict[str, NDArray[np.uint8]]) -> None:
    photo = photos["astronaut"]  # 512 x 512: 8 x 8 blocks
    prepared = OnnxPreprocessing(
        size=(64, 64), value_range=(0.0, 255.0), layout="NHWC", resize="area"
    )
    expected = downscale_local_mean(photo.astype(np.float64), (8, 8, 1))  # type: ignore[no-untyped-call]
    np.testing.assert_allclose(prepared.prepare([photo])[0], expected, atol=1e-3)


def test_bilinear_is_pils_bilinear_unrounded(photos: dict[str, NDArray[np.uint8]]) -> None:
    photo = photos["chelsea"]
    prepared = OnnxPreprocessing(
        size=(30, 45), value_range=(0.0, 255.0), layout="NHWC", resize="bilinear"
    )
    rounded = np.asarray(Image.fromarray(photo).resize((45, 30), Image.Resampling.BILINEAR))
    np.testing.assert_allclose(prepared.prepare([photo])[0], rounded, atol=1.0)


# --- bad model files and options ------------------------------------------------------------


def test_text_file_is_not_an_onnx_model(tmp_path: Path) -> None:
    path = tmp_path / "notes.onnx"
    path.write_text("these are notes, not a network\n")
    with pytest.raises(UsageError, match=f"{re.escape(str(path))}: not a valid ONNX model"):
        OnnxModel.load(path)


def test_truncated_model_is_refused(nchw: Path) -> None:
    nchw.write_bytes(nchw.read_bytes()[: nchw.stat().st_size // 2])
    with pytest.raises(UsageError, match=f"{re.escape(str(nchw))}: not a valid ONNX model"):
        OnnxModel.load(nchw)


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.onnx"
    with pytest.raises(UsageError, match=f"{re.escape(str(path))}: cannot read"):
        OnnxModel.load(path)


def test_rank_3_input_is_refused_with_its_shape(tmp_path: Path) -> None:
    path = rank3_model(tmp_path / "rank3.onnx")
    with pytest.raises(UsageError, match=re.escape(f"{path}: input 'signal' has shape [N, 3, 32]")):
        OnnxModel.load(path)


def test_dynamic_size_without_a_size_asks_for_one(dynamic: Path) -> None:
    with pytest.raises(UsageError, match=f"{re.escape(str(dynamic))}: .* pass the input size"):
        OnnxModel.load(dynamic)


def test_unknown_output_lists_the_outputs(two_outputs: Path) -> None:
    expected = f"{two_outputs}: no output 'logits'; the outputs are: features, pooled"
    with pytest.raises(UsageError, match=re.escape(expected)):
        OnnxModel.load(two_outputs, "logits")


def test_nhwc_model_read_as_nchw_suggests_the_layout(tmp_path: Path) -> None:
    path = NET.save(tmp_path / "nhwc.onnx", ["N", *SIZE, 3], layout="NHWC")
    with pytest.raises(UsageError, match="pass layout=NHWC"):
        OnnxModel.load(path)


def test_size_that_contradicts_a_fixed_input_is_refused(nchw: Path) -> None:
    with pytest.raises(UsageError, match=r"fixes the size, which size=\(24, 40\) contradicts"):
        OnnxModel.load(nchw, size=OTHER_SIZE)


def test_malformed_metadata_names_the_key(tmp_path: Path) -> None:
    path = NET.save(tmp_path / "meta.onnx", ["N", 3, *SIZE], metadata={"imgsim.range": "1"})
    with pytest.raises(UsageError, match=re.escape(f"{path}: metadata property imgsim.range='1'")):
        OnnxModel.load(path)


def test_unknown_layout_option_names_the_argument(nchw: Path) -> None:
    with pytest.raises(ArgumentError, match="layout must be one of NCHW, NHWC, got 'CHW'"):
        OnnxModel.load(nchw, layout="CHW")  # type: ignore[arg-type]


def test_zero_std_names_the_argument(nchw: Path) -> None:
    with pytest.raises(ArgumentError, match="std must be positive"):
        OnnxModel.load(nchw, std=(0.2, 0.0, 0.2))


def test_without_onnxruntime_the_error_gives_the_install_command(
    nchw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(UsageError, match=re.escape("pip install 'imgsim[onnx]'")):
        OnnxModel.load(nchw)


def test_image_that_is_not_rgb_uint8_names_its_index(nchw: Path, images: Images) -> None:
    gray = images[0][:, :, 0]
    with pytest.raises(ArgumentError, match=re.escape("images[1] must be an H x W x 3 uint8")):
        OnnxModel.load(nchw).preprocess([images[0], gray])


def test_batch_the_model_cannot_take_is_refused_naming_the_file(nchw: Path) -> None:
    four_channels = np.zeros((1, 4, *SIZE), dtype=np.float32)
    with pytest.raises(UsageError, match=f"{re.escape(str(nchw))}: onnxruntime could not run"):
        OnnxModel.load(nchw).run(four_channels)

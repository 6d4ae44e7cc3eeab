"""``imgsim extract -f onnx:MODEL``: the values that the command prints are those of the
model's NumPy twin on the input computed independently of imgsim (clean-fid's resize
transcribed, the range, mean/std and layout), for real photographs decoded by Pillow.

The networks are built with ``onnx.helper`` in the test (tests/onnx_support.py); every
run goes through the real command line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from cli_support import RGB, pillow_rgb, save_image
from conftest import SAMPLES, CliRunnerFn
from extract_support import photo
from numpy.typing import NDArray
from onnx_support import ConvNet, reference_input

NET = ConvNet.random(seed=0)
SIZE = (32, 32)
OTHER_SIZE = (24, 40)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SAMPLE_PHOTOS = SAMPLES / "reference"
"""Eight photographs of mixed sizes and aspects (PNG and JPEG)."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four photographs of different sizes and aspects: wide, tall, square, small."""
    root = tmp_path_factory.mktemp("images")
    save_image(root / "a_wide.png", photo(96, 48, name="astronaut"))
    save_image(root / "b_tall.png", photo(40, 90, name="chelsea"))
    save_image(root / "c_square.png", photo(64, 64, name="coffee"))
    save_image(root / "d_small.png", photo(20, 16, name="rocket"))
    return root


def images_of(folder: Path) -> list[RGB]:
    """The images of ``folder`` as Pillow decodes them, in the order imgsim lists them."""
    return [pillow_rgb(path) for path in sorted(folder.rglob("*.*")) if path.suffix != ".md"]


def extracted(cli: CliRunnerFn, folder: Path, feature: str, *options: str) -> NDArray[np.float64]:
    """The values that ``imgsim extract FOLDER -f FEATURE --format json`` prints, one row
    per image."""
    result = cli("extract", folder, "-f", feature, "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    return np.asarray([row[feature] for row in rows], dtype=np.float64)


def assert_close(actual: NDArray[np.float64], expected: NDArray[np.float64]) -> None:
    """Equal to float32 precision on the twin's values (of order 1 to 10)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def twin(
    images: Sequence[RGB],
    size: tuple[int, int] = SIZE,
    *,
    layout: str = "NCHW",
    pooled: bool = False,
    **preprocessing: tuple[float, ...],
) -> NDArray[np.float64]:
    """The NumPy twin's output on the independently prepared input."""
    batch = reference_input(images, size, layout=layout, **preprocessing)  # type: ignore[arg-type]
    if pooled:
        return NET.pooled(batch, layout)
    return NET.features(batch, layout)


# --- layouts and sizes -------------------------------------------------------------------


def test_nchw_model_prints_its_twins_values(cli: CliRunnerFn, folder: Path, tmp_path: Path) -> None:
    model = NET.save(tmp_path / "nchw.onnx", ["N", 3, *SIZE])
    actual = extracted(cli, folder, f"onnx:{model}")
    assert_close(actual, twin(images_of(folder)))


def test_nhwc_model_with_the_layout_option_prints_its_twins_values(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    model = NET.save(tmp_path / "nhwc.onnx", ["N", *SIZE, 3], layout="NHWC")
    actual = extracted(cli, folder, f"onnx:{model}", "--onnx-layout", "NHWC")
    assert_close(actual, twin(images_of(folder), layout="NHWC"))


def test_nhwc_model_with_layout_metadata_prints_its_twins_values(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    model = NET.save(
        tmp_path / "nhwc.onnx", ["N", *SIZE, 3], layout="NHWC", metadata={"imgsim.layout": "NHWC"}
    )
    actual = extracted(cli, folder, f"onnx:{model}")
    assert_close(actual, twin(images_of(folder), layout="NHWC"))


def test_fixed_non_square_model_prints_its_twins_values(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    model = NET.save(tmp_path / "wide.onnx", ["N", 3, *OTHER_SIZE])
    actual = extracted(cli, folder, f"onnx:{model}")
    assert_close(actual, twin(images_of(folder), OTHER_SIZE))


def test_dynamic_model_with_the_size_option_prints_its_twins_values(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    model = NET.save(tmp_path / "dynamic.onnx", ["N", 3, "H", "W"])
    actual = extracted(cli, folder, f"onnx:{model}", "--onnx-size", "24,40")
    assert_close(actual, twin(images_of(folder), OTHER_SIZE))


def test_a_square_size_option_is_one_side(cli: CliRunnerFn, folder: Path, tmp_path: Path) -> None:
    model = NET.save(tmp_path / "dynamic.onnx", ["N", 3, "H", "W"])
    actual = extracted(cli, folder, f"onnx:{model}", "--onnx-size", "20")
    assert_close(actual, twin(images_of(folder), (20, 20)))


# --- preprocessing from metadata and from options ---------------------------------------


def test_metadata_sets_size_range_mean_std_and_layout(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    metadata = {
        "imgsim.size": "24,40",
        "imgsim.range": "-1,1",
        "imgsim.mean": ",".join(map(str, IMAGENET_MEAN)),
        "imgsim.std": ",".join(map(str, IMAGENET_STD)),
        "imgsim.layout": "NHWC",
    }
    model = NET.save(tmp_path / "meta.onnx", ["N", "H", "W", 3], layout="NHWC", metadata=metadata)
    expected = twin(
        images_of(folder),
        OTHER_SIZE,
        layout="NHWC",
        value_range=(-1.0, 1.0),
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
    )
    assert_close(extracted(cli, folder, f"onnx:{model}"), expected)


def test_options_set_size_range_mean_std_and_layout(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    model = NET.save(tmp_path / "plain.onnx", ["N", "H", "W", 3], layout="NHWC")
    options = [
        *("--onnx-size", "24,40", "--onnx-range", "-1,1", "--onnx-layout", "NHWC"),
        *("--onnx-mean", ",".join(map(str, IMAGENET_MEAN))),
        *("--onnx-std", ",".join(map(str, IMAGENET_STD))),
    ]
    expected = twin(
        images_of(folder),
        OTHER_SIZE,
        layout="NHWC",
        value_range=(-1.0, 1.0),
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
    )
    assert_close(extracted(cli, folder, f"onnx:{model}", *options), expected)


def test_options_override_the_metadata(cli: CliRunnerFn, folder: Path, tmp_path: Path) -> None:
    metadata = {"imgsim.range": "-1,1", "imgsim.mean": "0.5,0.5,0.5"}
    model = NET.save(tmp_path / "meta.onnx", ["N", 3, *SIZE], metadata=metadata)
    actual = extracted(cli, folder, f"onnx:{model}", "--onnx-range", "0,255")
    expected = twin(images_of(folder), value_range=(0.0, 255.0), mean=(0.5, 0.5, 0.5))
    assert_close(actual, expected)


# --- outputs, sizes of the images --------------------------------------------------------


def test_pooled_output_is_selected_by_its_name(
    cli: CliRunnerFn, folder: Path, tmp_path: Path
) -> None:
    model = NET.save(tmp_path / "two.onnx", ["N", 3, *SIZE], two_outputs=True)
    actual = extracted(cli, folder, f"onnx:{model}#pooled")
    assert_close(actual, twin(images_of(folder), pooled=True))


def test_the_first_output_is_the_default(cli: CliRunnerFn, folder: Path, tmp_path: Path) -> None:
    model = NET.save(tmp_path / "two.onnx", ["N", 3, *SIZE], two_outputs=True)
    actual = extracted(cli, folder, f"onnx:{model}")
    assert_close(actual, twin(images_of(folder)))


def test_image_at_the_input_size_is_only_scaled(cli: CliRunnerFn, tmp_path: Path) -> None:
    pixels = photo(32, 32, name="coffee")
    save_image(tmp_path / "images" / "exact.png", pixels)
    model = NET.save(tmp_path / "nchw.onnx", ["N", 3, *SIZE])
    unresized = (pixels.astype(np.float32) / np.float32(255.0)).transpose(2, 0, 1)[None]
    actual = extracted(cli, tmp_path / "images", f"onnx:{model}")
    assert_close(actual, NET.features(np.ascontiguousarray(unresized)))


def test_sample_photographs_of_mixed_sizes_print_their_twins_values(
    cli: CliRunnerFn, tmp_path: Path
) -> None:
    model = NET.save(tmp_path / "two.onnx", ["N", 3, *SIZE], two_outputs=True)
    actual = extracted(cli, SAMPLE_PHOTOS, f"onnx:{model}#pooled")
    assert_close(actual, twin(images_of(SAMPLE_PHOTOS), pooled=True))


def test_out_npz_holds_the_twins_values(cli: CliRunnerFn, folder: Path, tmp_path: Path) -> None:
    model = NET.save(tmp_path / "nchw.onnx", ["N", 3, *SIZE])
    feature = f"onnx:{model}"
    cli("extract", folder, "-f", feature, "--out", tmp_path / "x.npz")
    with np.load(tmp_path / "x.npz", allow_pickle=False) as npz:
        actual = np.asarray(npz[feature], dtype=np.float64)
    assert_close(actual, twin(images_of(folder)))


def test_batch_size_changes_no_value(cli: CliRunnerFn, folder: Path, tmp_path: Path) -> None:
    model = NET.save(tmp_path / "nchw.onnx", ["N", 3, *SIZE])
    actual = extracted(cli, folder, f"onnx:{model}", "--batch-size", "3", "--no-cache")
    assert_close(actual, twin(images_of(folder)))

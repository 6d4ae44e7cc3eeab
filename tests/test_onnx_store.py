"""``onnx:`` features in the feature store: a rerun is served from it; another model
file at the same path, another output or another preprocessing option is a miss that
gives the new values; the batch size and the model's path change no value, so they
are hits."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from cli_support import pillow_rgb, save_image
from conftest import CliRunnerFn
from extract_support import photo
from numpy.typing import NDArray
from onnx_support import ConvNet, reference_input
from store_support import expected_summary, imgsim, summary

NET = ConvNet.random(seed=0)
OTHER_NET = ConvNet.random(seed=1)
SIZE = (32, 32)
COUNT = 5


def five_photographs(folder: Path) -> Path:
    """Five small photographs of several sizes in ``folder``."""
    names = ("astronaut", "chelsea", "coffee", "rocket", "camera")
    for index, name in enumerate(names):
        save_image(folder / f"{name}.png", photo(40 + 8 * index, 30 + 5 * index, name))
    return folder


@pytest.fixture
def images(tmp_path: Path) -> Path:
    return five_photographs(tmp_path / "images")


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return NET.save(tmp_path / "model.onnx", ["N", 3, *SIZE], two_outputs=True)


def extract(cli: CliRunnerFn, images: Path, feature: str, *options: str) -> tuple[str, str]:
    """stdout (JSON) and the summary line of ``imgsim extract``."""
    result = cli("extract", images, "-f", feature, "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    return result.stdout, summary(result.stderr)


def values(stdout: str, feature: str) -> NDArray[np.float64]:
    return np.asarray([row[feature] for row in json.loads(stdout)["rows"]], dtype=np.float64)


def twin(net: ConvNet, images: Path) -> NDArray[np.float64]:
    decoded = [pillow_rgb(path) for path in sorted(images.glob("*.png"))]
    return net.features(reference_input(decoded, SIZE))


# --- hits --------------------------------------------------------------------------------


def test_a_rerun_is_served_from_the_store(cli: CliRunnerFn, images: Path, model: Path) -> None:
    extract(cli, images, f"onnx:{model}")
    _, line = extract(cli, images, f"onnx:{model}")
    assert line == expected_summary(COUNT, 0, COUNT)


def test_a_rerun_prints_what_the_first_run_printed(
    cli: CliRunnerFn, images: Path, model: Path
) -> None:
    first, _ = extract(cli, images, f"onnx:{model}")
    second, _ = extract(cli, images, f"onnx:{model}")
    assert second == first


def test_another_batch_size_is_served_from_the_store(
    cli: CliRunnerFn, images: Path, model: Path
) -> None:
    extract(cli, images, f"onnx:{model}")
    _, line = extract(cli, images, f"onnx:{model}", "--batch-size", "2")
    assert line == expected_summary(COUNT, 0, COUNT)


def test_another_batch_size_computes_the_stored_values(
    cli: CliRunnerFn, images: Path, model: Path
) -> None:
    stored, _ = extract(cli, images, f"onnx:{model}")
    fresh, _ = extract(cli, images, f"onnx:{model}", "--batch-size", "2", "--no-cache")
    np.testing.assert_allclose(values(fresh, f"onnx:{model}"), values(stored, f"onnx:{model}"))


def test_a_copy_of_the_model_elsewhere_is_served_from_the_store(
    cli: CliRunnerFn, images: Path, model: Path, tmp_path: Path
) -> None:
    """The store keys a model by the SHA-256 of its file, not by its path."""
    extract(cli, images, f"onnx:{model}")
    copy = shutil.copy(model, tmp_path / "copy.onnx")
    _, line = extract(cli, images, f"onnx:{copy}")
    assert line == expected_summary(COUNT, 0, COUNT)


# --- misses ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rewritten(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """The images, the model path, and a second run after the model was written again
    with other weights; separate processes, as for a user who exports the model again
    between two runs."""
    root = tmp_path_factory.mktemp("rewritten")
    images = five_photographs(root / "images")
    model = NET.save(root / "model.onnx", ["N", 3, *SIZE], two_outputs=True)
    store = root / "store.sqlite"
    imgsim("extract", images, "-f", f"onnx:{model}", "--cache", store, "--format", "json")
    OTHER_NET.save(model, ["N", 3, *SIZE], two_outputs=True)
    result = imgsim("extract", images, "-f", f"onnx:{model}", "--cache", store, "--format", "json")
    return images, model, result


def test_another_model_at_the_same_path_is_a_miss(
    rewritten: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    _, _, result = rewritten
    assert summary(result.stderr) == expected_summary(COUNT, COUNT, 0)


def test_another_model_at_the_same_path_gives_its_own_values(
    rewritten: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    images, model, result = rewritten
    actual = values(result.stdout, f"onnx:{model}")
    np.testing.assert_allclose(actual, twin(OTHER_NET, images), rtol=1e-5, atol=1e-5)


def test_another_range_is_a_miss(cli: CliRunnerFn, images: Path, model: Path) -> None:
    extract(cli, images, f"onnx:{model}")
    _, line = extract(cli, images, f"onnx:{model}", "--onnx-range", "0,255")
    assert line == expected_summary(COUNT, COUNT, 0)


@pytest.mark.parametrize(
    "option",
    [("--onnx-resize", "bilinear"), ("--onnx-mean", "0.5,0.5,0.5"), ("--onnx-std", "2,2,2")],
    ids=lambda option: option[0],
)
def test_another_preprocessing_value_is_a_miss(
    cli: CliRunnerFn, images: Path, model: Path, option: tuple[str, str]
) -> None:
    extract(cli, images, f"onnx:{model}")
    _, line = extract(cli, images, f"onnx:{model}", *option)
    assert line == expected_summary(COUNT, COUNT, 0)


def test_the_models_own_size_given_as_an_option_is_a_hit(
    cli: CliRunnerFn, images: Path, model: Path
) -> None:
    """The key holds the resolved preprocessing, not the options that were typed."""
    extract(cli, images, f"onnx:{model}")
    _, line = extract(cli, images, f"onnx:{model}", "--onnx-size", "32,32")
    assert line == expected_summary(COUNT, 0, COUNT)


def test_another_output_is_a_miss(cli: CliRunnerFn, images: Path, model: Path) -> None:
    extract(cli, images, f"onnx:{model}")
    _, line = extract(cli, images, f"onnx:{model}#pooled")
    assert line == expected_summary(COUNT, COUNT, 0)

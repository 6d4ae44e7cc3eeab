"""tools/export_onnx.py: its command line runs without PyTorch (help, and the pip line
when an export needs PyTorch), and the metadata that its ``add_metadata`` writes is what
imgsim's OnnxModel.load reads as the model's preprocessing.

The models are the small networks of ``onnx_support`` built with ``onnx.helper``; their
input height and width are dynamic, so the size can only come from the metadata.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import onnx
import pytest
from numpy.typing import NDArray
from onnx_support import ConvNet, reference_input

from imgsim.features.onnx_model import OnnxModel

TOOL = Path(__file__).resolve().parent.parent / "tools" / "export_onnx.py"
NET = ConvNet.random(seed=3)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
"""CLIP's normalisation, from OpenAI CLIP's ``_transform`` (also clean-fid's
``clip_features.py``)."""

BLOCK_TORCH = (
    "import runpy, sys; sys.modules['torch'] = None; sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)
"""Runs the tool with ``import torch`` failing, as on a machine without PyTorch,
whatever this environment has installed."""


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_onnx", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


export_onnx = _tool()


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_TORCH, str(TOOL), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- the command line without PyTorch -----------------------------------------------------


@pytest.fixture(scope="module")
def without_torch(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``export_onnx.py inception OUT`` where PyTorch cannot be imported."""
    out = tmp_path_factory.mktemp("export") / "inception.onnx"
    return _run("inception", str(out))


def test_help_exits_0() -> None:
    assert _run("--help").returncode == 0


def test_help_names_the_three_models() -> None:
    assert all(name in _run("--help").stdout for name in ("inception", "clip", "dinov2"))


def test_export_without_torch_exits_2(without_torch: subprocess.CompletedProcess[str]) -> None:
    assert without_torch.returncode == 2


def test_export_without_torch_gives_the_pip_line(
    without_torch: subprocess.CompletedProcess[str],
) -> None:
    assert without_torch.stderr == (
        "export_onnx.py: inception needs torch, which is not installed: "
        "pip install torch torchvision pytorch-fid onnx onnxruntime\n"
    )


def test_dinov2_size_not_a_multiple_of_14_is_refused_before_any_import() -> None:
    assert _run("dinov2", "out.onnx", "--size", "225").stderr.endswith(
        "error: --size must be a multiple of 14 (DINOv2's patch), got 225\n"
    )


# --- add_metadata read back by imgsim ------------------------------------------------------


@pytest.fixture
def clip_like(tmp_path: Path) -> Path:
    """A dynamic-size model given CLIP's preprocessing at 24 x 40 by ``add_metadata``."""
    path = NET.save(tmp_path / "clip_like.onnx", ["N", 3, "H", "W"])
    export_onnx.add_metadata(
        path, size=(24, 40), mean=CLIP_MEAN, std=CLIP_STD, resize="bilinear", source="test"
    )
    return path


@pytest.fixture
def inception_like(tmp_path: Path) -> Path:
    """A dynamic-size NHWC model given the InceptionV3 preprocessing (299, range -1..1)."""
    path = NET.save(tmp_path / "inception_like.onnx", ["N", "H", "W", 3], layout="NHWC")
    export_onnx.add_metadata(path, size=299, layout="NHWC", value_range=(-1.0, 1.0))
    return path


def test_metadata_sets_the_size(clip_like: Path) -> None:
    assert OnnxModel.load(clip_like).preprocessing.size == (24, 40)


def test_metadata_sets_a_square_size(inception_like: Path) -> None:
    assert OnnxModel.load(inception_like).preprocessing.size == (299, 299)


def test_metadata_sets_the_layout(inception_like: Path) -> None:
    assert OnnxModel.load(inception_like).preprocessing.layout == "NHWC"


def test_metadata_sets_the_range(inception_like: Path) -> None:
    assert OnnxModel.load(inception_like).preprocessing.value_range == (-1.0, 1.0)


def test_metadata_sets_the_mean_exactly(clip_like: Path) -> None:
    assert OnnxModel.load(clip_like).preprocessing.mean == CLIP_MEAN


def test_metadata_sets_the_std_exactly(clip_like: Path) -> None:
    assert OnnxModel.load(clip_like).preprocessing.std == CLIP_STD


def test_metadata_sets_the_resize_filter(clip_like: Path) -> None:
    assert OnnxModel.load(clip_like).preprocessing.resize == "bilinear"


def test_no_mean_leaves_the_mean_unset(inception_like: Path) -> None:
    assert OnnxModel.load(inception_like).preprocessing.mean is None


def test_options_override_the_metadata(clip_like: Path) -> None:
    assert OnnxModel.load(clip_like, size=32).preprocessing.size == (32, 32)


def test_metadata_driven_embedding_equals_the_numpy_network(
    photos: dict[str, NDArray[np.uint8]], tmp_path: Path
) -> None:
    """A photograph through a model that carries CLIP's normalisation at 24 x 40 (PIL
    bicubic, clean-fid's resize) equals the NumPy twin on the independently computed
    input."""
    path = NET.save(tmp_path / "bicubic.onnx", ["N", 3, "H", "W"])
    export_onnx.add_metadata(path, size=(24, 40), mean=CLIP_MEAN, std=CLIP_STD)
    images = [photos["chelsea"], photos["coffee"]]
    expected = NET.features(reference_input(images, (24, 40), mean=CLIP_MEAN, std=CLIP_STD))
    np.testing.assert_allclose(OnnxModel.load(path).embed(images), expected, rtol=1e-5, atol=1e-5)


def test_other_properties_are_kept(tmp_path: Path) -> None:
    path = NET.save(tmp_path / "props.onnx", ["N", 3, 32, 32], metadata={"author": "someone"})
    export_onnx.add_metadata(path, size=32)
    properties = {entry.key: entry.value for entry in onnx.load(str(path)).metadata_props}
    assert properties["author"] == "someone"


def test_source_is_written(clip_like: Path) -> None:
    properties = {entry.key: entry.value for entry in onnx.load(str(clip_like)).metadata_props}
    assert properties["source"] == "test"


def test_a_second_call_replaces_the_preprocessing(clip_like: Path) -> None:
    export_onnx.add_metadata(clip_like, size=16)
    assert OnnxModel.load(clip_like).preprocessing.mean is None


def test_written_text_is_what_imgsim_documents(tmp_path: Path) -> None:
    path = NET.save(tmp_path / "text.onnx", ["N", 3, 32, 32])
    written = export_onnx.add_metadata(path, size=(299, 299), mean=(0.485, 0.456, 0.406))
    assert written == {
        "imgsim.size": "299",
        "imgsim.layout": "NCHW",
        "imgsim.range": "0.0,1.0",
        "imgsim.resize": "bicubic",
        "imgsim.mean": "0.485,0.456,0.406",
    }


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"size": 0}, "size"),
        ({"size": (224, 224, 3)}, "size"),
        ({"size": 224, "layout": "NCWH"}, "layout"),
        ({"size": 224, "resize": "lanczos"}, "resize"),
        ({"size": 224, "value_range": (1.0, 1.0)}, "value_range"),
        ({"size": 224, "mean": (0.5, 0.5)}, "mean"),
        ({"size": 224, "std": (0.2, 0.0, 0.2)}, "std"),
    ],
)
def test_invalid_options_name_the_argument(
    tmp_path: Path, options: dict[str, object], argument: str
) -> None:
    path = NET.save(tmp_path / "bad.onnx", ["N", 3, 32, 32])
    with pytest.raises(ValueError, match=f"^{argument} must"):
        export_onnx.add_metadata(path, **options)

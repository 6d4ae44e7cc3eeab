"""``imgsim extract -f onnx:MODEL`` refuses what it cannot use: a file that is not a
usable ONNX image model, an option's invalid value, a missing onnxruntime. Each one
exits 2 with one message that names the file (or the flag), and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import PLAIN_TERMINAL, save_image
from conftest import CliResult, CliRunnerFn
from extract_support import photo
from onnx_support import ConvNet, rank3_model

NET = ConvNet.random(seed=0)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two small photographs, a fixed 32 x 32 model with two outputs, a dynamic model,
    and bad model files."""
    base = tmp_path_factory.mktemp("onnx")
    save_image(base / "images" / "a.png", photo(48, 32))
    save_image(base / "images" / "b.png", photo(40, 40, name="chelsea"))
    fixed = NET.save(base / "fixed.onnx", ["N", 3, 32, 32], two_outputs=True)
    NET.save(base / "dynamic.onnx", ["N", 3, "H", "W"])
    rank3_model(base / "rank3.onnx")
    (base / "notes.onnx").write_text("these are not the weights you are looking for\n")
    content = fixed.read_bytes()
    (base / "truncated.onnx").write_bytes(content[: len(content) // 2])
    return base


BAD_MODELS = {
    "text": ("notes.onnx", "not a valid ONNX model"),
    "truncated": ("truncated.onnx", "not a valid ONNX model"),
    "rank 3": ("rank3.onnx", "needs a rank-4 input"),
    "dynamic size": ("dynamic.onnx", "--onnx-size"),
    "unknown output": ("fixed.onnx#nope", "the outputs are: features, pooled"),
    "missing": ("missing.onnx", "cannot read the ONNX model"),
}
"""Each bad model (``onnx:`` + the text, under ``root``) and what its message says."""

BAD_OPTIONS = {
    "mean of two numbers": ("--onnx-mean", "1,2"),
    "std of zero": ("--onnx-std", "1,0,1"),
    "size that the model contradicts": ("--onnx-size", "20"),
}


def model_run(cli_once: CliRunnerFn, root: Path, model: str) -> CliResult:
    return cli_once("extract", root / "images", "-f", f"onnx:{root / model}", "--format", "csv")


def option_run(cli_once: CliRunnerFn, root: Path, flag: str, value: str) -> CliResult:
    feature = f"onnx:{root / 'fixed.onnx'}"
    return cli_once("extract", root / "images", "-f", feature, flag, value, "--format", "csv")


# --- bad model files ---------------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_MODELS)
def test_bad_model_exits_2(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    model, _ = BAD_MODELS[case]
    assert model_run(cli_once, root, model).exit_code == 2


@pytest.mark.parametrize("case", BAD_MODELS)
def test_bad_model_message_names_the_file(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    model, _ = BAD_MODELS[case]
    path = root / model.partition("#")[0]
    assert f"imgsim: {path}: " in model_run(cli_once, root, model).stderr


@pytest.mark.parametrize("case", BAD_MODELS)
def test_bad_model_message_says_what_is_wrong(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    model, reason = BAD_MODELS[case]
    assert reason in model_run(cli_once, root, model).stderr


@pytest.mark.parametrize("case", BAD_MODELS)
def test_bad_model_prints_nothing_on_stdout(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    model, _ = BAD_MODELS[case]
    assert model_run(cli_once, root, model).stdout == ""


@pytest.mark.parametrize("case", BAD_MODELS)
def test_bad_model_prints_no_traceback(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    model, _ = BAD_MODELS[case]
    assert "Traceback" not in model_run(cli_once, root, model).stderr


# --- invalid option values ---------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_invalid_option_exits_2(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    flag, value = BAD_OPTIONS[case]
    assert option_run(cli_once, root, flag, value).exit_code == 2


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_invalid_option_message_names_the_flag(
    cli_once: CliRunnerFn, root: Path, case: str
) -> None:
    flag, value = BAD_OPTIONS[case]
    assert flag in option_run(cli_once, root, flag, value).stderr


@pytest.mark.parametrize("case", BAD_OPTIONS)
def test_invalid_option_prints_no_traceback(cli_once: CliRunnerFn, root: Path, case: str) -> None:
    flag, value = BAD_OPTIONS[case]
    assert "Traceback" not in option_run(cli_once, root, flag, value).stderr


# --- without onnxruntime -----------------------------------------------------------------

WITHOUT_ONNXRUNTIME = (
    "import sys\n"
    "sys.modules['onnxruntime'] = None  # import onnxruntime raises ImportError\n"
    "from imgsim.cli import main\n"
    "main()\n"
)
"""``imgsim ARGS…`` in an interpreter where onnxruntime cannot be imported."""


@pytest.fixture(scope="module")
def without_onnxruntime(root: Path) -> subprocess.CompletedProcess[str]:
    feature = f"onnx:{root / 'fixed.onnx'}"
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_ONNXRUNTIME, "extract", str(root / "images"), "-f", feature],
        capture_output=True,
        text=True,
        env={**os.environ, **PLAIN_TERMINAL, "IMGSIM_CACHE": str(root / "store.sqlite")},
        timeout=120,
        check=False,
    )


def test_without_onnxruntime_exits_2(without_onnxruntime: subprocess.CompletedProcess[str]) -> None:
    assert without_onnxruntime.returncode == 2


def test_without_onnxruntime_gives_the_install_command(
    without_onnxruntime: subprocess.CompletedProcess[str],
) -> None:
    assert "pip install 'imgsim[onnx]'" in without_onnxruntime.stderr


def test_without_onnxruntime_prints_no_traceback(
    without_onnxruntime: subprocess.CompletedProcess[str],
) -> None:
    assert "Traceback" not in without_onnxruntime.stderr

"""``imgsim compare`` through the real command line, and ``imgsim.compare`` in Python.

Scores are checked against independent references (scikit-image, imagehash,
OpenCV on images decoded by Pillow), and the contract of DESIGN.md: pairing,
columns named as typed, CSV and JSON layout, gates and exit statuses.
"""

from __future__ import annotations

import csv
import io
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import imagehash
import numpy as np
import pytest
from conftest import CliResult, CliRunnerFn
from numpy.typing import NDArray
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

import imgsim
from imgsim.metrics import PIXEL_METRICS

RGB = NDArray[np.uint8]
SIZE = (64, 48)
"""Width, height of the small test images."""


def _small(photo: RGB, size: tuple[int, int] = SIZE) -> RGB:
    return np.asarray(cv2.resize(photo, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _save(path: Path, pixels: RGB, quality: int = 95) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=quality)
    return path


def _decoded(path: Path) -> RGB:
    """The pixels of a file as Pillow decodes them: the independent side of the comparison."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _rows(result: CliResult) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _header(result: CliResult) -> list[str]:
    return next(csv.reader(io.StringIO(result.stdout)))


def _pairs(result: CliResult) -> list[tuple[str, str]]:
    return [(row["a"], row["b"]) for row in _rows(result)]


@pytest.fixture
def folders(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    """gen/ and ref/ with two matching pairs (one in a subfolder) and three loners.

    gen/cat.png meets ref/cat.jpg (a JPEG of the same photo); gen/sub/dog.png meets
    ref/sub/dog.png (identical); gen/lonely.png, ref/dog.png and ref/sub/stray.png
    have no partner (ref/dog.png is not gen/sub/dog.png's partner: paths count).
    """
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    cat, dog = _small(photos["astronaut"]), _small(photos["chelsea"])
    _save(gen / "cat.png", cat)
    _save(ref / "cat.jpg", cat, quality=60)
    _save(gen / "sub" / "dog.png", dog)
    _save(ref / "sub" / "dog.png", dog)
    _save(gen / "lonely.png", _small(photos["coffee"]))
    _save(ref / "dog.png", dog)
    _save(ref / "sub" / "stray.png", _small(photos["rocket"]))
    return gen, ref


@pytest.fixture
def cat_pair(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    gen, ref = folders
    return gen / "cat.png", ref / "cat.jpg"


@pytest.fixture
def identical_pair(folders: tuple[Path, Path]) -> tuple[Path, Path]:
    gen, ref = folders
    return gen / "sub" / "dog.png", ref / "sub" / "dog.png"


@pytest.fixture
def unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "broken.png"
    path.write_text("this is not an image")
    return path


# --------------------------------------------------------------------------- pairing


def test_file_against_file_is_one_row(cli: CliRunnerFn, cat_pair: tuple[Path, Path]) -> None:
    a, b = cat_pair

    result = cli("compare", a, b, "-m", "ssim")

    assert _pairs(result) == [(str(a), str(b))]


def _skimage_ssim(a: RGB, b: RGB) -> float:
    return float(
        structural_similarity(
            a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
            data_range=255, channel_axis=-1,
        )
    )  # fmt: skip


REFERENCES: dict[str, Callable[[RGB, RGB], float]] = {
    "ssim": _skimage_ssim,
    "psnr": lambda a, b: float(peak_signal_noise_ratio(b, a, data_range=255)),
    "mae": lambda a, b: float(np.mean(np.abs(a.astype(np.float64) - b.astype(np.float64)))),
}


@pytest.mark.parametrize("metric", list(REFERENCES))
def test_file_against_file_scores_match_the_reference(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], metric: str
) -> None:
    a, b = cat_pair
    expected = REFERENCES[metric](_decoded(a), _decoded(b))

    result = cli("compare", a, b, "-m", metric)

    assert float(_rows(result)[0][metric]) == pytest.approx(expected, abs=1e-4)


def test_phash_is_the_hamming_distance_imagehash_gives(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    a, b = gen / "cat.png", ref / "sub" / "stray.png"
    expected = imagehash.phash(Image.open(a)) - imagehash.phash(Image.open(b))

    result = cli("compare", a, b, "-m", "phash")

    assert int(_rows(result)[0]["phash"]) == expected


def test_color_hist_intersection_matches_opencv(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    a, b = gen / "cat.png", ref / "sub" / "stray.png"

    def histogram(path: Path) -> NDArray[np.float32]:
        hsv = cv2.cvtColor(_decoded(path), cv2.COLOR_RGB2HSV)
        counts = cv2.calcHist([hsv], [0, 1, 2], None, [8, 8, 8], [0, 180, 0, 256, 0, 256])
        return np.asarray(counts / counts.sum(), dtype=np.float32)

    expected = cv2.compareHist(histogram(a), histogram(b), cv2.HISTCMP_INTERSECT)

    result = cli("compare", a, b, "-m", "color_hist:intersection")

    assert float(_rows(result)[0]["color_hist:intersection"]) == pytest.approx(expected, rel=1e-6)


def test_folders_pair_by_relative_path_without_extension(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim")

    assert _pairs(result) == [
        (str(gen / "cat.png"), str(ref / "cat.jpg")),
        (str(gen / "sub" / "dog.png"), str(ref / "sub" / "dog.png")),
    ]


def test_unmatched_files_are_listed_on_stderr(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim")

    listed = sorted(
        line.split(": ")[0] for line in result.stderr.splitlines() if "no partner" in line
    )
    assert listed == sorted(
        str(p) for p in (gen / "lonely.png", ref / "dog.png", ref / "sub" / "stray.png")
    )


def test_unmatched_files_leave_exit_0(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    result = cli("compare", *folders, "-m", "ssim")

    assert result.exit_code == 0


def test_file_against_folder_scores_the_file_against_every_image(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    a = gen / "cat.png"

    result = cli("compare", a, ref, "-m", "ssim")

    assert _pairs(result) == [
        (str(a), str(ref / name)) for name in ("cat.jpg", "dog.png", "sub/dog.png", "sub/stray.png")
    ]


def test_folder_against_file_scores_every_image_against_the_file(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders
    b = ref / "cat.jpg"

    result = cli("compare", gen, b, "-m", "ssim")

    assert _pairs(result) == [
        (str(gen / name), str(b)) for name in ("cat.png", "lonely.png", "sub/dog.png")
    ]


# --------------------------------------------------------------------------- columns and formats


def test_default_metrics_are_ssim_psnr_phash_color_hist(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair)

    assert _header(result) == ["a", "b", "ssim", "psnr", "phash", "color_hist", "error"]


def test_csv_columns_are_the_metric_names_as_typed(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli(
        "compare",
        *cat_pair,
        "-m",
        "color_hist:intersection",
        "-m",
        "mae,phash:hamming",
    )

    assert _header(result) == [
        "a",
        "b",
        "color_hist:intersection",
        "mae",
        "phash:hamming",
        "error",
    ]


def _json_document(cli: CliRunnerFn, folders: tuple[Path, Path]) -> dict[str, Any]:
    result = cli("compare", *folders, "-m", "ssim", "--gate", "ssim>=0", "--format", "json")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_json_is_one_object_with_rows_summary_and_gates(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    assert list(_json_document(cli, folders)) == ["rows", "summary", "gates"]


def test_json_summary_gives_mean_min_max_and_median_of_each_metric(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    summary = _json_document(cli, folders)["summary"]

    assert list(summary["ssim"]) == ["mean", "min", "max", "median"]


def test_json_gates_give_the_gate_whether_it_passed_and_the_failing_rows(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gates = _json_document(cli, folders)["gates"]

    assert list(gates[0]) == ["gate", "passed", "failing_rows"]


def test_json_summary_aggregates_the_rows(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--format", "json")
    document = json.loads(result.stdout)
    values = [row["ssim"] for row in document["rows"]]

    summary = document["summary"]["ssim"]

    assert summary == pytest.approx(
        {
            "mean": np.mean(values),
            "min": min(values),
            "max": max(values),
            "median": np.median(values),
        }
    )


def test_identical_images_have_psnr_inf_in_csv(
    cli: CliRunnerFn, identical_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *identical_pair, "-m", "psnr")

    assert _rows(result)[0]["psnr"] == "inf"


def test_identical_images_have_psnr_as_the_string_inf_in_json(
    cli: CliRunnerFn, identical_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *identical_pair, "-m", "psnr", "--format", "json")

    assert json.loads(result.stdout)["rows"][0]["psnr"] == "inf"


# --------------------------------------------------------------------------- sizes


@pytest.fixture
def different_sizes(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    a = _save(tmp_path / "wide.png", _small(photos["astronaut"], (64, 48)))
    b = _save(tmp_path / "short.png", _small(photos["astronaut"], (64, 40)))
    return a, b


def test_different_sizes_are_a_usage_error(
    cli: CliRunnerFn, different_sizes: tuple[Path, Path]
) -> None:
    result = cli("compare", *different_sizes, "-m", "ssim")

    assert result.exit_code == 2


def test_different_sizes_are_reported_naming_both_files_and_sizes(
    cli: CliRunnerFn, different_sizes: tuple[Path, Path]
) -> None:
    a, b = different_sizes

    result = cli("compare", a, b, "-m", "ssim")

    assert f"{a} is 64x48, {b} is 64x40" in result.stderr


def test_resize_scores_images_of_different_sizes(
    cli: CliRunnerFn, different_sizes: tuple[Path, Path]
) -> None:
    result = cli("compare", *different_sizes, "-m", "ssim", "--resize")

    assert result.exit_code == 0


def test_ms_ssim_of_images_under_176_pixels_is_a_usage_error(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,ms_ssim")

    assert result.exit_code == 2


def test_ms_ssim_of_images_under_176_pixels_gives_the_reason_in_the_row(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,ms_ssim")

    reason = "ms_ssim needs images of at least 176x176 pixels"
    assert reason in _rows(result)[0]["error"]


# --------------------------------------------------------------------------- gates


def test_a_bare_gate_that_holds_on_every_row_exits_0(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--gate", "ssim>=0.5")

    assert result.exit_code == 0


def test_a_bare_gate_that_fails_exits_1(cli: CliRunnerFn, folders: tuple[Path, Path]) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--gate", "ssim>=0.999")

    assert result.exit_code == 1


def test_a_bare_gate_that_fails_lists_the_failing_rows(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim", "--gate", "ssim>=0.999")

    failing = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    pairs = [line.split(": ssim")[0] for line in failing]
    assert pairs == [f"{gen / 'cat.png'} vs {ref / 'cat.jpg'}"]


@pytest.mark.parametrize(
    ("gate", "exit_code"),
    [
        ("mean(ssim)>=0.999", 1),  # one pair is identical (1.0), the other a JPEG copy
        ("mean(ssim)>=0.5", 0),
        ("max(ssim)>=0.999", 0),
        ("max(psnr)<=1000", 1),  # identical images: psnr = inf
        ("min(phash)<=0", 0),
        ("min(psnr)<inf", 0),
        ("median(psnr)==inf", 0),
    ],
)
def test_aggregate_gates(
    cli: CliRunnerFn, folders: tuple[Path, Path], gate: str, exit_code: int
) -> None:
    result = cli("compare", *folders, "-m", "ssim,psnr,phash", "--gate", gate)

    assert result.exit_code == exit_code


def test_psnr_of_identical_images_passes_any_finite_lower_bound(
    cli: CliRunnerFn, identical_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *identical_pair, "-m", "psnr", "--gate", "psnr>=1000")

    assert result.exit_code == 0


def test_json_lists_the_rows_that_broke_a_gate(
    cli: CliRunnerFn, folders: tuple[Path, Path]
) -> None:
    gen, ref = folders

    result = cli("compare", gen, ref, "-m", "ssim", "--gate", "ssim>=0.999", "--format", "json")

    gate = json.loads(result.stdout)["gates"][0]
    assert [(row["a"], row["b"]) for row in gate["failing_rows"]] == [
        (str(gen / "cat.png"), str(ref / "cat.jpg"))
    ]


def test_a_gate_on_a_metric_not_computed_is_a_usage_error(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,psnr", "--gate", "mean(phash)<=4")

    assert result.exit_code == 2


def test_a_gate_on_a_metric_not_computed_lists_the_computed_ones(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,psnr", "--gate", "mean(phash)<=4")

    assert "computed: ssim, psnr" in result.stderr


MALFORMED_GATES = (
    "ssim",
    "ssim=>0.9",
    "ssim=0.9",
    "ssim>=high",
    "avg(ssim)>=0.9",
    "mean(ssim>=0.9",
    "ssim>=nan",
)


@pytest.mark.parametrize("gate", MALFORMED_GATES)
def test_a_malformed_gate_is_a_usage_error(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], gate: str
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim", "--gate", gate)

    assert result.exit_code == 2


@pytest.mark.parametrize("gate", MALFORMED_GATES)
def test_a_malformed_gate_prints_no_rows(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], gate: str
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim", "--gate", gate)

    assert result.stdout == ""


def test_a_failing_gate_wins_over_an_unreadable_input(
    cli: CliRunnerFn, folders: tuple[Path, Path], unreadable: Path
) -> None:
    gen, ref = folders
    (gen / "cat.png").write_bytes(unreadable.read_bytes())

    result = cli("compare", gen, ref, "-m", "ssim", "--gate", "ssim>=1.5")

    assert result.exit_code == 1


def test_an_unreadable_input_exits_3(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert result.exit_code == 3


def test_an_unreadable_input_is_named_on_stderr(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert f"{unreadable}: not an image" in result.stderr


def test_an_unreadable_input_is_a_row_without_scores(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert _rows(result)[0]["ssim"] == ""


def test_an_unreadable_input_is_a_row_with_an_error_naming_the_file(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim")

    assert _rows(result)[0]["error"].startswith(f"{unreadable}: ")


def test_skip_bad_turns_an_unreadable_input_into_exit_0(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path], unreadable: Path
) -> None:
    result = cli("compare", unreadable, cat_pair[1], "-m", "ssim", "--skip-bad")

    assert result.exit_code == 0


@pytest.mark.parametrize(("gate", "exit_code"), [("ssim>=0.5", 0), ("ssim>=0.999", 1)])
def test_gates_on_folders_with_unmatched_files_judge_only_the_pairs(
    cli: CliRunnerFn, folders: tuple[Path, Path], gate: str, exit_code: int
) -> None:
    result = cli("compare", *folders, "-m", "ssim", "--gate", gate)

    assert result.exit_code == exit_code


# --------------------------------------------------------------------------- metrics


@pytest.fixture
def sift_of_a_flat_image(
    cli: CliRunnerFn, tmp_path: Path, cat_pair: tuple[Path, Path]
) -> CliResult:
    flat = _save(tmp_path / "flat.png", np.full((48, 64, 3), 128, dtype=np.uint8))
    return cli("compare", flat, cat_pair[0], "-m", "sift")


def test_sift_on_a_flat_image_exits_0(sift_of_a_flat_image: CliResult) -> None:
    assert sift_of_a_flat_image.exit_code == 0


def test_sift_on_a_flat_image_is_0(sift_of_a_flat_image: CliResult) -> None:
    assert _rows(sift_of_a_flat_image)[0]["sift"] == "0.0"


def test_sift_on_a_flat_image_notes_the_reason(sift_of_a_flat_image: CliResult) -> None:
    note = "sift = 0: too few keypoints (0 in the first image)"
    assert note in sift_of_a_flat_image.stderr


def test_an_unknown_metric_is_a_usage_error_listing_the_valid_names(
    cli: CliRunnerFn, cat_pair: tuple[Path, Path]
) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,sharpness")

    listed = result.stderr.split("valid metrics: ")[-1]
    valid = [*PIXEL_METRICS, "sift", "phash", "color_hist"]
    assert [name for name in valid if name not in listed] == []


def test_an_unknown_metric_exits_2(cli: CliRunnerFn, cat_pair: tuple[Path, Path]) -> None:
    result = cli("compare", *cat_pair, "-m", "ssim,sharpness")

    assert result.exit_code == 2


@pytest.fixture
def six_pairs(tmp_path: Path, photos: dict[str, RGB]) -> tuple[Path, Path]:
    gen, ref = tmp_path / "many_gen", tmp_path / "many_ref"
    rng = np.random.default_rng(0)
    for index, name in enumerate(["astronaut", "chelsea", "coffee", "rocket", "camera", "coins"]):
        image = _small(photos[name])
        noisy = np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8)
        _save(gen / f"{index}.png", noisy)
        _save(ref / f"{index}.png", image)
    return gen, ref


WORKER_METRICS = "ssim,psnr,phash,color_hist,sift"


def test_two_workers_exit_0(cli: CliRunnerFn, six_pairs: tuple[Path, Path]) -> None:
    two = cli("compare", *six_pairs, "-m", WORKER_METRICS, "--workers", "2", "--format", "json")

    assert two.exit_code == 0


def test_one_worker_and_two_workers_print_the_same(
    cli: CliRunnerFn, six_pairs: tuple[Path, Path]
) -> None:
    one = cli("compare", *six_pairs, "-m", WORKER_METRICS, "--workers", "1", "--format", "json")

    two = cli("compare", *six_pairs, "-m", WORKER_METRICS, "--workers", "2", "--format", "json")

    assert two.stdout == one.stdout


_WORKERS_AFTER_OPENCV = """
import sys
import time

import cv2
import numpy as np
from typer.testing import CliRunner

from imgsim.cli import app

gen, ref, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(runs):
    # As this test session, or a training loop, does: use OpenCV's thread pool, whose
    # workers then wait, idle, for the next job.
    cv2.GaussianBlur(np.zeros((1000, 1000, 3), dtype=np.uint8), (0, 0), 3)
    time.sleep(0.1)
    result = CliRunner().invoke(app, ["compare", gen, ref, "-m", "ssim", "--workers", "2"])
    print(result.exit_code, flush=True)
"""


def _printed_lines_until_stalled(args: list[str], stall_seconds: float) -> list[str]:
    """What ``python -c ARGS…`` prints; it is killed (with its workers) once it stalls."""
    process = subprocess.Popen(
        [sys.executable, "-c", *args], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None
    lines: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while selector.select(timeout=stall_seconds):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return lines


def test_two_workers_finish_after_opencv_ran_in_the_same_process(
    six_pairs: tuple[Path, Path],
) -> None:
    """Worker processes forked after OpenCV's thread pool ran used to deadlock.

    Run in a separate process, killed if it stalls, so that a regression fails
    instead of hanging the test session.
    """
    runs = 3

    lines = _printed_lines_until_stalled(
        [_WORKERS_AFTER_OPENCV, *map(str, six_pairs), str(runs)], stall_seconds=4.0
    )

    assert lines == ["0"] * runs


_MODULES_AFTER_COMPARE = """
import sys

from imgsim.cli import app

try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = ("scipy", "skimage", "sqlite3", "imgsim.store", "imgsim.metrics.distances", "statistics")
sys.stderr.write("LOADED " + " ".join(m for m in heavy if m in sys.modules) + "\\n")
"""


def test_a_one_pair_pixel_compare_loads_no_module_it_does_not_use(tmp_path: Path) -> None:
    """Start-up of the commonest call: no scipy, scikit-image, feature store or distances."""
    pixels = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    a, b = _save(tmp_path / "a.png", pixels), _save(tmp_path / "b.png", 255 - pixels)
    command = [sys.executable, "-c", _MODULES_AFTER_COMPARE, "compare", str(a), str(b)]

    result = subprocess.run([*command, "-m", "ssim,psnr"], capture_output=True, text=True)

    assert result.stderr.splitlines()[-1] == "LOADED ", result.stderr
    assert result.stdout.count("\n") == 2  # header and the pair


# --------------------------------------------------------------------------- Python API


_COMPARE_AFTER_EXTRACT = """
import numpy as np

import imgsim

image = np.zeros((32, 32, 3), dtype=np.uint8)
imgsim.extract([image], "phash")
print(imgsim.compare(image, image, metrics=["psnr"]))
"""


def test_imgsim_compare_stays_the_function_after_extract() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _COMPARE_AFTER_EXTRACT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.stdout == "{'psnr': inf}\n"


def test_python_compare_on_arrays_matches_scikit_image(photos: dict[str, RGB]) -> None:
    a = _small(photos["coffee"])
    b = np.clip(a + np.random.default_rng(0).normal(0, 8, a.shape), 0, 255).astype(np.uint8)

    values = imgsim.compare(a, b, metrics=["ssim", "psnr"])

    assert values == pytest.approx(
        {"ssim": _skimage_ssim(a, b), "psnr": peak_signal_noise_ratio(a, b, data_range=255)},
        abs=1e-4,
    )


def test_python_compare_on_paths_equals_compare_on_the_decoded_arrays(
    cat_pair: tuple[Path, Path],
) -> None:
    a, b = cat_pair
    metrics = ["ssim", "psnr", "phash", "color_hist:intersection"]

    from_paths = imgsim.compare(a, b, metrics=metrics)

    assert from_paths == imgsim.compare(_decoded(a), _decoded(b), metrics=metrics)


def test_python_compare_of_identical_arrays_has_infinite_psnr(photos: dict[str, RGB]) -> None:
    a = _small(photos["coffee"])

    assert imgsim.compare(a, a.copy(), metrics=["psnr"]) == {"psnr": float("inf")}


def test_python_compare_refuses_different_sizes_naming_both(photos: dict[str, RGB]) -> None:
    a, b = _small(photos["coffee"], (64, 48)), _small(photos["coffee"], (64, 40))

    with pytest.raises(ValueError, match="got 64x48 and 64x40"):
        imgsim.compare(a, b, metrics=["ssim"])


def test_python_compare_refuses_images_too_small_for_ms_ssim(photos: dict[str, RGB]) -> None:
    a = _small(photos["coffee"])

    with pytest.raises(ValueError, match="at least 176x176 pixels"):
        imgsim.compare(a, a, metrics=["ms_ssim"])

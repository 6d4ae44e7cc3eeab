"""The in-memory Python API: ``imgsim.extract`` and ``imgsim.load_image``.

Hash values are checked against imagehash on the same pixels; input validation must
name the argument and the value it received (DESIGN.md, STYLE.md).
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import imagehash
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

import imgsim
from imgsim.errors import UsageError
from imgsim.features import output_value

RGB = NDArray[np.uint8]


def _phash_bytes(pixels: RGB) -> RGB:
    """imagehash's 64 pHash bits of the same pixels, packed row-major."""
    return np.packbits(imagehash.phash(Image.fromarray(pixels)).hash.flatten())


@pytest.fixture
def coffee(photos: dict[str, RGB]) -> RGB:
    return photos["coffee"]


@pytest.fixture
def chelsea_png(tmp_path: Path, photos: dict[str, RGB]) -> Path:
    path = tmp_path / "chelsea.png"
    Image.fromarray(photos["chelsea"]).save(path)
    return path


# --------------------------------------------------------------------------- extract


def test_extract_of_an_array_and_a_path_is_two_rows_of_8_values(
    coffee: RGB, chelsea_png: Path
) -> None:
    hashes = imgsim.extract([coffee, chelsea_png], "phash")

    assert hashes.shape == (2, 8)


def test_extract_of_a_hash_is_bytes(coffee: RGB, chelsea_png: Path) -> None:
    hashes = imgsim.extract([coffee, chelsea_png], "phash")

    assert hashes.dtype == np.dtype(np.uint8)


def test_extract_of_an_array_and_a_path_gives_imagehash_bits(
    coffee: RGB, photos: dict[str, RGB], chelsea_png: Path
) -> None:
    expected = np.stack([_phash_bytes(coffee), _phash_bytes(photos["chelsea"])])

    hashes = imgsim.extract([coffee, str(chelsea_png)], "phash")

    np.testing.assert_array_equal(hashes, expected)


def test_extract_of_a_batch_array_equals_extract_of_its_images() -> None:
    batch = np.random.default_rng(0).integers(0, 256, (5, 48, 64, 3), dtype=np.uint8)
    one_by_one = np.stack([imgsim.extract([image], "thumb")[0] for image in batch])

    vectors = imgsim.extract(batch, "thumb")

    np.testing.assert_array_equal(vectors, one_by_one)


def test_extract_of_a_batch_array_is_n_rows() -> None:
    batch = np.zeros((3, 40, 40, 3), dtype=np.uint8)

    vectors = imgsim.extract(batch, "color_hist")

    assert vectors.shape == (3, 512)


def test_extract_of_a_batch_array_is_float32() -> None:
    batch = np.zeros((3, 40, 40, 3), dtype=np.uint8)

    vectors = imgsim.extract(batch, "color_hist")

    assert vectors.dtype == np.dtype(np.float32)


def test_extract_of_a_gray_array_equals_extract_of_its_rgb_copy(coffee: RGB) -> None:
    gray = coffee[:, :, 1]
    rgb = np.repeat(gray[:, :, None], 3, axis=2)

    np.testing.assert_array_equal(imgsim.extract([gray], "phash"), imgsim.extract([rgb], "phash"))


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([np.zeros((20, 30, 3), np.float32)], r"images\[0\] must have dtype uint8.*got float32"),
        (np.zeros((2, 20, 30, 3), np.float64), r"images\[0\] must have dtype uint8.*got float64"),
        ([np.zeros((20, 30, 4), np.uint8)], r"images\[0\] must have shape.*got \(20, 30, 4\)"),
        ([np.zeros((0, 30, 3), np.uint8)], r"images\[0\] must have shape.*got \(0, 30, 3\)"),
        ([np.zeros((20, 30, 3), np.uint8), 7], r"images\[1\] must be a numpy array or a path.*int"),
        (np.zeros((20, 30, 3), np.uint8), r"images must be .*got \(20, 30, 3\)"),
        (np.zeros((1, 1, 20, 30, 3), np.uint8), r"images must be .*got \(1, 1, 20, 30, 3\)"),
    ],
    ids=[
        "float32_image",
        "float64_batch",
        "four_channels",
        "empty_image",
        "not_an_array",
        "one_image_not_in_a_list",
        "five_dimensions",
    ],
)
def test_extract_rejects_a_bad_input_naming_the_argument_and_the_value(
    images: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        imgsim.extract(images, "phash")  # type: ignore[arg-type]


def test_extract_of_an_unknown_feature_lists_the_valid_ones(coffee: RGB) -> None:
    with pytest.raises(UsageError, match=r"unknown feature 'nope'.*phash"):
        imgsim.extract([coffee], "nope")


def test_extract_of_a_bare_path_string_is_a_value_error_naming_images(chelsea_png: Path) -> None:
    with pytest.raises(ValueError, match=r"images"):
        imgsim.extract(str(chelsea_png), "phash")


def test_extract_of_no_images_is_zero_rows_of_the_feature_width() -> None:
    hashes = imgsim.extract([], "phash")

    assert hashes.shape == (0, 8)


# --------------------------------------------------------------------------- argument messages


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hash_size": 1}, "hash_size must be at least 2, got 1"),
        ({"bins": 0}, "bins must be between 1 and 64, got 0"),
        ({"bins": 65}, "bins must be between 1 and 64, got 65"),
    ],
    ids=["hash_size_1", "bins_0", "bins_65"],
)
def test_feature_params_refuse_a_value_naming_the_argument(
    options: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        imgsim.FeatureParams(**options)


def test_extract_of_whash_refuses_a_hash_size_not_a_power_of_2_naming_the_argument(
    coffee: RGB,
) -> None:
    params = imgsim.FeatureParams(hash_size=6)

    with pytest.raises(ValueError, match=r"^hash_size must be a power of 2 for whash, got 6$"):
        imgsim.extract([coffee], "whash", params=params)


def test_the_cli_words_a_hash_size_not_a_power_of_2_as_its_flag(chelsea_png: Path) -> None:
    command = [sys.executable, "-m", "imgsim", "extract", str(chelsea_png), "-f", "whash"]

    result = subprocess.run([*command, "--hash-size", "6"], capture_output=True, text=True)

    assert result.stderr == "imgsim: --hash-size must be a power of 2 for whash, got 6\n"


def test_statistics_of_other_bins_are_refused_naming_the_arguments() -> None:
    vectors = imgsim.extract(
        np.zeros((3, 40, 40, 3), np.uint8), "color_hist", params=imgsim.FeatureParams(bins=4)
    )
    stats = imgsim.ReferenceStats.from_features(vectors, "color_hist", imgsim.FeatureParams(bins=4))
    version = imgsim.FEATURES["color_hist"].version

    message = (
        f"the reference statistics were made with color_hist (bins=4, space=hsv) version "
        f"{version}, not color_hist (bins=8, space=hsv) version {version}; rebuild them with "
        "ReferenceStats.from_folder(REF, 'color_hist', FeatureParams(bins=8, space='hsv'))"
    )

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        stats.check_compatible("color_hist", imgsim.FeatureParams(bins=8))


@pytest.fixture
def stats_before_space(tmp_path: Path) -> imgsim.ReferenceStats:
    """color_hist statistics as imgsim wrote them before color_hist had ``space``: its
    ``_meta`` records ``{"bins": 8}`` only."""
    path = tmp_path / "stats.npz"
    _color_hist_stats().save(path)
    with np.load(path, allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in saved.files}
    meta = json.loads(str(arrays["_meta"]))
    meta["params"] = {"bins": 8}
    arrays["_meta"] = np.array(json.dumps(meta))
    np.savez(path, **arrays)
    return imgsim.ReferenceStats.load(path)


def test_statistics_recorded_before_an_option_existed_count_as_its_default(
    stats_before_space: imgsim.ReferenceStats,
) -> None:
    stats_before_space.check_compatible("color_hist", imgsim.FeatureParams(space="hsv"))


def test_statistics_recorded_before_an_option_existed_are_refused_for_another_value(
    stats_before_space: imgsim.ReferenceStats,
) -> None:
    with pytest.raises(ValueError, match=r"not color_hist \(bins=8, space=lab\)"):
        stats_before_space.check_compatible("color_hist", imgsim.FeatureParams(space="lab"))


# --------------------------------------------------------------------------- load_image


def test_load_image_returns_the_pixels_of_a_png(chelsea_png: Path, photos: dict[str, RGB]) -> None:
    pixels = imgsim.load_image(chelsea_png)

    np.testing.assert_array_equal(pixels, photos["chelsea"])


IMAGE_MODES = pytest.mark.parametrize(
    ("mode", "suffix"),
    [("RGB", ".png"), ("L", ".png"), ("RGBA", ".png"), ("P", ".png"), ("RGB", ".jpg")],
)


def _loaded(tmp_path: Path, coffee: RGB, mode: str, suffix: str) -> RGB:
    path = tmp_path / f"coffee_{mode}{suffix}"
    Image.fromarray(coffee).convert(mode).save(path)
    return imgsim.load_image(path)


@IMAGE_MODES
def test_load_image_returns_h_w_3(tmp_path: Path, coffee: RGB, mode: str, suffix: str) -> None:
    assert _loaded(tmp_path, coffee, mode, suffix).shape == (*coffee.shape[:2], 3)


@IMAGE_MODES
def test_load_image_returns_uint8(tmp_path: Path, coffee: RGB, mode: str, suffix: str) -> None:
    assert _loaded(tmp_path, coffee, mode, suffix).dtype == np.dtype(np.uint8)


# --------------------------------------------------------------------------- API and CLI agree

LARGE = (1600, 1200)
"""Large enough that the command line DCT-scales these JPEGs for every feature."""


def _imgsim(*args: str | Path) -> str:
    """stdout of ``python -m imgsim ARGS…``, the real entry point, without a store."""
    command = [sys.executable, "-m", "imgsim", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def large_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two large JPEGs and a large PNG made from scikit-image photographs."""
    from conftest import load_photo

    folder = tmp_path_factory.mktemp("large")
    files = {
        "coffee.jpg": "coffee",
        "chelsea.jpg": "chelsea",
        "astronaut.png": "astronaut",
    }
    paths = {}
    for file_name, photo in files.items():
        path = folder / file_name
        Image.fromarray(load_photo(photo)).resize(LARGE, Image.Resampling.LANCZOS).save(path)
        paths[file_name] = path
    return paths


@pytest.fixture(scope="module")
def cli_features(large_files: dict[str, Path]) -> dict[str, list[object]]:
    """Every feature of the registry, as ``imgsim extract --format json`` writes it."""
    paths = list(large_files.values())
    output = _imgsim(
        "extract", *paths, "-f", ",".join(imgsim.FEATURES), "--format", "json", "--no-cache"
    )
    rows = json.loads(output)["rows"]
    return {name: [row[name] for row in rows] for name in imgsim.FEATURES}


def _as_written(feature: str, values: NDArray[np.generic]) -> list[object]:
    """The API's values in the CLI's form: hashes as their text (hex of the feature's
    bits, which need not fill whole bytes: colorhash has 42), vectors as the bits of
    each float32."""
    spec = imgsim.FEATURES[feature]
    if spec.kind == "hash":
        params = imgsim.FeatureParams()
        return [output_value(spec, row, params) for row in values.astype(np.uint8)]
    return [row.view(np.uint32).tolist() for row in values.astype(np.float32)]


def _cli_as_written(feature: str, values: list[object]) -> list[object]:
    if imgsim.FEATURES[feature].kind == "hash":
        return values
    return [np.asarray(row, dtype=np.float32).view(np.uint32).tolist() for row in values]


@pytest.mark.parametrize("feature", list(imgsim.FEATURES))
def test_extract_of_large_jpeg_and_png_paths_equals_the_cli_bit_for_bit(
    feature: str, large_files: dict[str, Path], cli_features: dict[str, list[object]]
) -> None:
    values = imgsim.extract(list(large_files.values()), feature)

    assert _as_written(feature, values) == _cli_as_written(feature, cli_features[feature])


def _pair_metrics() -> list[str]:
    """Every pair metric ``imgsim list`` names: pixel and keypoint metrics, and each
    built-in feature with its default and with every distance it accepts (hamming: hashes; a
    distance listed as FEATURE:DISTANCE: that feature only; distances between
    distributions: features without negative values)."""
    from imgsim.metrics.registry import DISTANCES

    rows = json.loads(_imgsim("list", "--format", "json"))["rows"]
    distances = [row["name"].split(" | ")[0] for row in rows if row["type"] == "distance"]
    metrics = [
        row["name"] for row in rows if row["type"] in ("metric (pixels)", "metric (keypoints)")
    ]
    for row in rows:
        if row["name"] in imgsim.FEATURES:
            is_hash = row["type"].startswith("feature (hash)")
            metrics.append(row["name"])
            for distance in distances:
                feature, _, name = distance.rpartition(":")
                refused = DISTANCES[name].signed_refusal(imgsim.FEATURES[row["name"]])
                if feature in ("", row["name"]) and (is_hash or name != "hamming") and not refused:
                    metrics.append(f"{row['name']}:{name}")
    return metrics


@pytest.mark.parametrize(
    ("a", "b"), [("coffee.jpg", "chelsea.jpg"), ("astronaut.png", "coffee.jpg")]
)
def test_compare_of_large_jpeg_paths_equals_the_cli_bit_for_bit(
    a: str, b: str, large_files: dict[str, Path]
) -> None:
    metrics = _pair_metrics()
    output = _imgsim(
        "compare",
        large_files[a],
        large_files[b],
        "-m",
        ",".join(metrics),
        "--format",
        "json",
        "--no-cache",
    )
    (row,) = json.loads(output)["rows"]
    printed = {name: float(row[name]) if row[name] == "inf" else row[name] for name in metrics}
    scores = imgsim.compare(large_files[a], large_files[b], metrics=metrics)

    assert {name: _as_json(value) for name, value in scores.items()} == printed


def _as_json(value: float | int | None) -> float | int | None:
    """A score as JSON holds it: a value that was not computed (NaN in Python, e.g. a
    distance between distributions on a signed feature such as hu) is null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def test_hash_to_hex_of_an_extracted_phash_is_imagehash_text(chelsea_png: Path) -> None:
    (packed,) = imgsim.extract([chelsea_png], "phash")

    with Image.open(chelsea_png) as image:
        assert imgsim.hash_to_hex(packed, 64) == str(imagehash.phash(image))


# --------------------------------------------------------------------------- engine after the API

POOL_AFTER_OPENCV = """
import sys
import time
from pathlib import Path

import numpy as np

import imgsim
from imgsim.engine import ExtractOptions, extract_files

imgsim.extract([np.zeros((1024, 1024, 3), np.uint8)], "thumb")  # OpenCV's thread pool starts
time.sleep(0.5)  # and its threads go idle, waiting on the pool's condition variable
paths = [Path(arg) for arg in sys.argv[1:]]
options = ExtractOptions(features=("thumb",))
print(len(list(extract_files(paths, options, workers=2, chunk_size=1))))
"""
POOL_TIMEOUT_SECONDS = 5
"""The script takes about a second when it works."""


def test_the_process_pool_works_after_opencv_ran_here(tmp_path: Path) -> None:
    paths = [tmp_path / f"{index}.png" for index in range(2)]
    for path in paths:
        Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(path)
    script = subprocess.Popen(
        [sys.executable, "-c", POOL_AFTER_OPENCV, *map(str, paths)],
        stdout=subprocess.PIPE,
        start_new_session=True,  # its own process group: a hung pool is killed with it
    )
    try:
        output, _ = script.communicate(timeout=POOL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGKILL)
        script.communicate()
        output = b"hung"

    assert output.strip() == b"2"


# --------------------------------------------------------------------------- library wording

# The library's messages name Python arguments and calls; the command line words the
# same messages with its flags and commands (pinned by the command-line tests).


def _noise_png(path: Path, height: int = 40, width: int = 48, seed: int = 0) -> Path:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture
def noise_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "noise"
    folder.mkdir()
    for index in range(3):
        _noise_png(folder / f"{index}.png", seed=index)
    return folder


def test_load_image_refuses_too_many_pixels_naming_max_pixels(tmp_path: Path) -> None:
    path = _noise_png(tmp_path / "small.png")

    with pytest.raises(imgsim.BadImage, match=r": 48x40 exceeds max_pixels 100$"):
        imgsim.load_image(path, max_pixels=100)


def test_a_stored_image_over_max_pixels_is_refused_naming_max_pixels(
    tmp_path: Path, noise_folder: Path
) -> None:
    files = imgsim.find_images([noise_folder])
    with imgsim.FeatureStore(tmp_path / "store.sqlite") as store:
        list(imgsim.extract_rows(files, imgsim.ExtractOptions(features=("phash",)), store=store))
    small = imgsim.ExtractOptions(features=("phash",), max_pixels=100)

    with imgsim.FeatureStore(tmp_path / "store.sqlite") as store:
        row = next(imgsim.extract_rows(files, small, store=store))

    assert row["error"] == "48x40 exceeds max_pixels 100"


def test_a_pair_of_different_sizes_advises_resize_true(tmp_path: Path) -> None:
    from imgsim.metrics import parse_pair_metrics

    a = _noise_png(tmp_path / "a.png")
    b = _noise_png(tmp_path / "b.png", height=30)
    options = imgsim.CompareOptions(metrics=tuple(parse_pair_metrics(["ssim"])))

    row = next(imgsim.compare_inputs(a, b, options).rows(workers=1))

    assert row["error"].endswith(
        "ssim not computed, pixel metrics need equal sizes (use resize=True to resize B to "
        "A's size)"
    )


def test_an_unusable_store_advises_the_python_calls() -> None:
    problems: list[str] = []

    imgsim.FeatureStore(Path("/proc/imgsim-store.sqlite"), on_problem=problems.append).close()

    assert problems[0].endswith(
        "going on without it. Run imgsim.store_maintenance.clear_store(path) to start a new "
        "store, open the FeatureStore at a writable file, or pass store=None."
    )


@pytest.fixture
def gallery_file(tmp_path: Path, noise_folder: Path) -> Path:
    path = tmp_path / "gallery.npz"
    imgsim.extract_gallery(
        path, imgsim.find_images([noise_folder]), imgsim.ExtractOptions(features=("dhash",))
    )
    return path


def test_a_gallery_read_as_statistics_names_the_python_calls(gallery_file: Path) -> None:
    message = (
        f"{gallery_file}: a gallery written by imgsim.extract_gallery, not statistics: "
        "use it with imgsim.nearest"
    )

    with pytest.raises(UsageError, match=f"^{re.escape(message)}$"):
        imgsim.ReferenceStats.load(gallery_file)


def _color_hist_stats() -> imgsim.ReferenceStats:
    vectors = imgsim.extract(np.zeros((3, 40, 40, 3), np.uint8), "color_hist")
    return imgsim.ReferenceStats.from_features(vectors, "color_hist")


def test_truncated_statistics_advise_reference_stats_save(tmp_path: Path) -> None:
    stats = _color_hist_stats()
    stats.save(tmp_path / "stats.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes((tmp_path / "stats.npz").read_bytes()[:100])

    with pytest.raises(UsageError, match=r"; write it again with imgsim\.ReferenceStats\.save$"):
        imgsim.ReferenceStats.load(truncated)


def test_a_gallery_of_another_feature_advises_extract_gallery(
    gallery_file: Path, noise_folder: Path
) -> None:
    source = imgsim.store_source("phash")
    advice = (
        f"holds dhash, not phash; write one with imgsim.extract_gallery({str(gallery_file)!r}, "
        "FILES, ExtractOptions(features=('phash',)))"
    )

    with pytest.raises(UsageError, match=f"{re.escape(advice)}$"):
        imgsim.nearest(
            noise_folder,
            gallery_file,
            feature="phash",
            params=imgsim.FeatureParams(),
            distance="hamming",
            k=1,
            source=source,
        )


def test_statistics_saved_where_no_folder_is_name_out(tmp_path: Path) -> None:
    stats = _color_hist_stats()
    path = tmp_path / "missing" / "stats.npz"

    with pytest.raises(UsageError, match=f"^out {re.escape(str(path))}: cannot write there"):
        stats.save(path)


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize("name", imgsim.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(imgsim, name) is not None

"""A feature's value depends on the file and its own options, never on the other
features of the run; the store hits across runs of different feature sets; no more
worker processes than chunks of work. Through the real command line.

The JPEG is scikit-image's colour wheel upscaled to 2048x1536 and saved at quality
90: its pHash has two bits that a luma decode and an RGB decode of the same DCT-scaled
JPEG set differently, so a value taken from the decode of another feature shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_support import run_imgsim
from conftest import load_photo
from PIL import Image

from imgsim.engine import ExtractOptions, feature_keys

_COUNT_STARTED_PROCESSES = """
import multiprocessing.process, runpy, sys
log, sys.argv = sys.argv[1], ["imgsim", *sys.argv[2:]]
started = 0
start = multiprocessing.process.BaseProcess.start
def counted_start(self):
    global started
    started += 1
    start(self)
multiprocessing.process.BaseProcess.start = counted_start
try:
    runpy.run_module("imgsim", run_name="__main__")
finally:
    with open(log, "w") as file:
        file.write(str(started))
"""
"""Runs ``python -m imgsim ARGS`` and writes how many processes it started to a file."""


def _values(path: Path, features: str, *options: str) -> dict[str, object]:
    """The one row of ``imgsim extract PATH -f FEATURES OPTIONS`` as JSON."""
    result = run_imgsim("extract", path, "-f", features, "--format", "json", "--no-cache", *options)
    row: dict[str, object] = json.loads(result.stdout)["rows"][0]
    return row


def _processes_started(tmp_path: Path, *args: str | Path) -> int:
    log = tmp_path / "started.txt"
    command = [sys.executable, "-c", _COUNT_STARTED_PROCESSES, str(log), *map(str, args)]
    subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    return int(log.read_text())


@pytest.fixture(scope="module")
def wheel_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "wheel.jpg"
    image = Image.fromarray(load_photo("colorwheel"))
    image.resize((2048, 1536), Image.Resampling.LANCZOS).save(path, quality=90)
    return path


@pytest.fixture(scope="module")
def turned_jpeg(wheel_jpeg: Path) -> Path:
    """The wheel JPEG with an EXIF orientation of 6 (to be turned a quarter clockwise)."""
    path = wheel_jpeg.with_name("turned.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6
    with Image.open(wheel_jpeg) as image:
        image.save(path, quality=90, exif=exif)
    return path


@pytest.fixture(scope="module")
def colour_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("colour") / "astronaut.png"
    Image.fromarray(load_photo("astronaut")).save(path)
    return path


@pytest.fixture(scope="module")
def gray_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gray") / "camera.png"
    Image.fromarray(load_photo("camera")[:, :, 0]).save(path)
    return path


def test_phash_with_color_hist_is_phash_alone(wheel_jpeg: Path) -> None:
    assert _values(wheel_jpeg, "phash,color_hist")["phash"] == _values(wheel_jpeg, "phash")["phash"]


def test_phash_among_three_features_is_phash_alone(wheel_jpeg: Path) -> None:
    together = _values(wheel_jpeg, "color_hist,phash,thumb")["phash"]
    assert together == _values(wheel_jpeg, "phash")["phash"]


def test_phash_with_a_full_resolution_feature_is_phash_alone(wheel_jpeg: Path) -> None:
    assert _values(wheel_jpeg, "ahash,phash")["phash"] == _values(wheel_jpeg, "phash")["phash"]


def test_thumb_with_color_hist_is_thumb_alone(wheel_jpeg: Path) -> None:
    together = _values(wheel_jpeg, "color_hist,phash,thumb")["thumb"]
    assert together == _values(wheel_jpeg, "thumb")["thumb"]


def test_thumb_of_a_turned_jpeg_with_color_hist_is_thumb_alone(turned_jpeg: Path) -> None:
    together = _values(turned_jpeg, "color_hist,thumb")["thumb"]
    assert together == _values(turned_jpeg, "thumb")["thumb"]


def test_thumb_of_a_jpeg_resized_by_size_with_color_hist_is_thumb_alone(wheel_jpeg: Path) -> None:
    together = _values(wheel_jpeg, "color_hist,thumb", "--size", "500")["thumb"]
    assert together == _values(wheel_jpeg, "thumb", "--size", "500")["thumb"]


def test_color_hist_with_hashes_is_color_hist_alone(wheel_jpeg: Path) -> None:
    together = _values(wheel_jpeg, "phash,color_hist,ahash")["color_hist"]
    assert together == _values(wheel_jpeg, "color_hist")["color_hist"]


def test_features_of_a_gray_png_together_are_each_alone(gray_png: Path) -> None:
    names = ("ahash", "phash", "thumb", "color_hist")
    together = _values(gray_png, ",".join(names))
    alone = {name: _values(gray_png, name)[name] for name in names}
    assert {name: together[name] for name in names} == alone


def test_thumb_of_a_png_resized_by_size_with_color_hist_is_thumb_alone(colour_png: Path) -> None:
    together = _values(colour_png, "thumb,color_hist", "--size", "300")["thumb"]
    assert together == _values(colour_png, "thumb", "--size", "300")["thumb"]


def test_store_key_of_phash_ignores_the_other_features() -> None:
    keys = {
        feature_keys(ExtractOptions(features))["phash"]
        for features in (("phash",), ("phash", "color_hist"), ("ahash", "thumb", "phash"))
    }
    assert len(keys) == 1


def test_both_features_after_a_run_of_each_come_from_the_store(wheel_jpeg: Path) -> None:
    run_imgsim("extract", wheel_jpeg, "-f", "phash")
    run_imgsim("extract", wheel_jpeg, "-f", "color_hist")
    result = run_imgsim("extract", wheel_jpeg, "-f", "phash,color_hist")
    assert "0 computed, 1 from the store" in result.stderr


def test_phash_after_a_run_with_color_hist_comes_from_the_store(wheel_jpeg: Path) -> None:
    run_imgsim("extract", wheel_jpeg, "-f", "phash,color_hist")
    result = run_imgsim("extract", wheel_jpeg, "-f", "phash")
    assert "0 computed, 1 from the store" in result.stderr


def test_a_bad_file_is_not_decoded_for_each_feature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imgsim.decoding
    from imgsim.engine import extract_file
    from imgsim.images import decode_upright_rgb as decode

    calls: list[Path] = []

    def counted(path: Path, **options: object) -> object:
        calls.append(path)
        return decode(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(imgsim.decoding, "decode_upright_rgb", counted)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + bytes(100))
    extract_file(bad, ExtractOptions(("phash", "color_hist")))
    assert len(calls) == 1


def test_a_bad_file_among_two_decodes_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + bytes(100))
    result = run_imgsim("extract", bad, "-f", "phash,color_hist", "--format", "json", "--no-cache")
    assert json.loads(result.stdout)["rows"][0]["error"]


def test_three_files_with_eight_workers_start_at_most_three(tmp_path: Path) -> None:
    photo = np.asarray(Image.fromarray(load_photo("astronaut")).resize((64, 64)))
    paths = [tmp_path / f"{index}.png" for index in range(3)]
    for index, path in enumerate(paths):
        Image.fromarray(np.roll(photo, index, axis=0)).save(path)
    started = _processes_started(tmp_path, "extract", *paths, "-f", "phash", "--workers", "8")
    assert started <= 3


def test_three_pairs_with_eight_workers_start_at_most_three(tmp_path: Path) -> None:
    photo = np.asarray(Image.fromarray(load_photo("astronaut")).resize((64, 64)))
    for side, shift in (("a", 0), ("b", 1)):
        (tmp_path / side).mkdir()
        for index in range(3):
            image = Image.fromarray(np.roll(photo, index + shift, axis=0))
            image.save(tmp_path / side / f"{index}.png")
    arguments: list[str | Path] = [
        *("compare", tmp_path / "a", tmp_path / "b"),
        *("-m", "ssim,phash", "--workers", "8"),
    ]
    assert _processes_started(tmp_path, *arguments) <= 3


def test_one_file_with_64_workers_starts_no_worker(tmp_path: Path) -> None:
    path = tmp_path / "one.png"
    Image.fromarray(load_photo("astronaut")).save(path)
    started = _processes_started(tmp_path, "extract", path, "-f", "phash", "--workers", "64")
    assert started == 0

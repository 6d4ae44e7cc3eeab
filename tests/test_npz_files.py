"""Broken, foreign and mismatched ``.npz`` files given as statistics or gallery.

Each is exit 2 (a usage error, never 1, the "gate failed" code) with one line on
stderr that names the file and says what it is instead, through the real command
line: ``imgsim compare GEN FILE --set`` reads statistics, ``imgsim rank Q FILE`` a
gallery.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

Case = Callable[[Path], tuple[list[str], str]]
"""Given the fixture folder: the imgsim arguments, and the one line expected on stderr."""


def run_imgsim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "imgsim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``images/`` (four small PNGs), ``stats.npz`` and ``gallery.npz`` made from them."""
    root = tmp_path_factory.mktemp("npz")
    store = root / "store.sqlite"
    images = root / "images"
    images.mkdir()
    rng = np.random.default_rng(12)
    for index in range(4):
        pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(images / f"image_{index}.png")
    common = ("-j", "1", "--cache", store)
    run_imgsim("stats", images, "-f", "color_hist", "--out", root / "stats.npz", *common)
    run_imgsim("extract", images, "-f", "color_hist", "--out", root / "gallery.npz", *common)
    return root


def rewritten(source: Path, target: Path, change: Callable[[dict[str, object]], None]) -> Path:
    """``source``'s arrays, edited by ``change``, saved at ``target``."""
    with np.load(source, allow_pickle=False) as data:
        arrays: dict[str, object] = {name: data[name] for name in data.files}
    change(arrays)
    np.savez(target, **arrays)  # type: ignore[arg-type]
    return target


def _truncated(root: Path, name: str) -> Path:
    target = root / f"truncated_{name}"
    target.write_bytes((root / name).read_bytes()[:300])
    return target


def _png(root: Path) -> Path:
    target = root / "picture.npz"
    target.write_bytes((root / "images" / "image_0.png").read_bytes())
    return target


def _random(root: Path) -> Path:
    target = root / "random.npz"
    np.savez(target, a=np.random.default_rng(0).random((3, 4)), b=np.arange(3))
    return target


def _pickled(root: Path) -> Path:
    """An .npz whose _meta is a pickled dict, which only pickle can load."""
    target = root / "pickled.npz"
    np.savez(target, _meta=np.array({"kind": "imgsim reference statistics"}, dtype=object))
    return target


def _flipped(root: Path) -> Path:
    """The statistics with one byte of the features' data changed (a bad CRC)."""
    raw = bytearray((root / "stats.npz").read_bytes())
    raw[2000] ^= 0xFF
    target = root / "flipped.npz"
    target.write_bytes(bytes(raw))
    return target


def _set_meta(text: str) -> Callable[[dict[str, object]], None]:
    def change(arrays: dict[str, object]) -> None:
        arrays["_meta"] = np.array(text)

    return change


def _legacy_gallery(root: Path) -> Path:
    """A gallery as earlier versions wrote it: no "kind" in its _meta."""

    def change(arrays: dict[str, object]) -> None:
        meta = json.loads(str(arrays["_meta"]))
        del meta["kind"]
        arrays["_meta"] = np.array(json.dumps(meta))

    return rewritten(root / "gallery.npz", root / "legacy_gallery.npz", change)


def _short_mean(arrays: dict[str, object]) -> None:
    arrays["mean"] = np.zeros(3)


def _small_covariance(arrays: dict[str, object]) -> None:
    arrays["covariance"] = np.eye(2)


def _one_path_less(arrays: dict[str, object]) -> None:
    arrays["paths"] = np.asarray(arrays["paths"])[:-1]


def _compare(path: Path, root: Path) -> list[str]:
    return [
        "compare", root / "images", path, "--set", "-f", "color_hist",
        "--cache", root / "store.sqlite",
    ]  # fmt: skip


def _rank(path: Path, root: Path) -> list[str]:
    return ["rank", root / "images", path, "-f", "color_hist", "--cache", root / "store.sqlite"]


CASES: dict[str, Case] = {
    "truncated statistics": lambda root: (
        _compare(path := _truncated(root, "stats.npz"), root),
        f"imgsim: {path}: truncated .npz (no zip directory at its end); "
        "write it again with `imgsim stats`",
    ),
    "truncated gallery": lambda root: (
        _rank(path := _truncated(root, "gallery.npz"), root),
        f"imgsim: {path}: truncated .npz (no zip directory at its end); "
        "write it again with `imgsim extract --out`",
    ),
    "damaged statistics": lambda root: (
        _compare(path := _flipped(root), root),
        f"imgsim: {path}: truncated or damaged .npz (features: Bad CRC-32 for file "
        "'features.npy'); write it again with `imgsim stats`",
    ),
    "PNG as statistics": lambda root: (
        _compare(path := _png(root), root),
        f"imgsim: {path}: not an imgsim statistics file: a PNG image, not an .npz",
    ),
    "PNG as gallery": lambda root: (
        _rank(path := _png(root), root),
        f"imgsim: {path}: not an imgsim gallery file: a PNG image, not an .npz",
    ),
    "random arrays as statistics": lambda root: (
        _compare(path := _random(root), root),
        f"imgsim: {path}: not an imgsim statistics file "
        "(an .npz without imgsim's _meta entry; it holds a, b)",
    ),
    "random arrays as gallery": lambda root: (
        _rank(path := _random(root), root),
        f"imgsim: {path}: not an imgsim gallery file "
        "(an .npz without imgsim's _meta entry; it holds a, b)",
    ),
    "pickled metadata": lambda root: (
        _compare(path := _pickled(root), root),
        f"imgsim: {path}: not an imgsim statistics file "
        "(its _meta entry holds pickled Python objects)",
    ),
    "metadata that is not JSON": lambda root: (
        _compare(
            path := rewritten(root / "stats.npz", root / "not_json.npz", _set_meta("{oops")),
            root,
        ),
        f"imgsim: {path}: not an imgsim statistics file (its _meta entry is not imgsim's JSON)",
    ),
    "a gallery as statistics": lambda root: (
        _compare(path := root / "gallery.npz", root),
        f"imgsim: {path}: a gallery written by `imgsim extract --out`, not statistics: "
        "use it with `imgsim rank`",
    ),
    "an earlier version's gallery as statistics": lambda root: (
        _compare(path := _legacy_gallery(root), root),
        f"imgsim: {path}: a gallery written by `imgsim extract --out`, not statistics: "
        "use it with `imgsim rank`",
    ),
    "statistics as a gallery": lambda root: (
        _rank(path := root / "stats.npz", root),
        f"imgsim: {path}: statistics written by `imgsim stats`, not a gallery: "
        "use it with `imgsim compare --set`",
    ),
    "a mean shorter than the features": lambda root: (
        _compare(path := rewritten(root / "stats.npz", root / "short_mean.npz", _short_mean), root),
        f"imgsim: {path}: damaged imgsim statistics file: mean has 3 values for features "
        "of 512 dimensions; write it again with `imgsim stats`",
    ),
    "a covariance smaller than the features": lambda root: (
        _compare(
            path := rewritten(root / "stats.npz", root / "small_cov.npz", _small_covariance),
            root,
        ),
        f"imgsim: {path}: damaged imgsim statistics file: covariance is 2x2 for features "
        "of 512 dimensions; write it again with `imgsim stats`",
    ),
    "fewer paths than gallery rows": lambda root: (
        _rank(
            path := rewritten(root / "gallery.npz", root / "short_paths.npz", _one_path_less),
            root,
        ),
        f"imgsim: {path}: damaged imgsim gallery file: color_hist is 4x512, but it lists "
        "3 paths and color_hist has 512 values per image; "
        "write it again with `imgsim extract --out`",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_npz_exits_2_with_one_line_naming_the_file_and_what_it_is(
    files: Path, case: str
) -> None:
    args, line = CASES[case](files)
    result = run_imgsim(*args)
    assert f"exit {result.returncode}: {result.stderr}" == f"exit 2: {line}\n"


def test_extract_out_writes_a_gallery_that_says_what_it_is(files: Path) -> None:
    with np.load(files / "gallery.npz", allow_pickle=False) as data:
        meta = json.loads(str(data["_meta"]))
    assert meta["kind"] == "imgsim features"

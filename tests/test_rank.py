"""``imgsim rank`` and ``imgsim duplicates`` through the real command line.

The memorisation check runs on tiles of real photographs: a "training set" of
about 300 tiles, and a "generated set" holding five lightly edited copies of
training tiles (resized, re-encoded as JPEG, cropped to 90 %) among fifteen tiles
of photographs the training set does not contain.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from photos import HELD_OUT, TILE_PHOTOS
from PIL import Image

from tests.conftest import CliRunnerFn

TILE = 128
TRAINING_PHOTOS = TILE_PHOTOS
HELD_OUT_PHOTOS = HELD_OUT
COPIED = (
    ("astronaut", 5),
    ("coffee", 5),
    ("rocket", 6),
    ("immunohistochemistry", 5),
    ("chelsea", 4),
)


def _tiles(name: str) -> list[np.ndarray]:
    from skimage import data

    pixels = np.asarray(getattr(data, name)())
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    pixels = np.ascontiguousarray(pixels[:, :, :3]).astype(np.uint8)
    height, width = pixels.shape[:2]
    return [
        pixels[y : y + TILE, x : x + TILE]
        for y in range(0, height - TILE + 1, TILE)
        for x in range(0, width - TILE + 1, TILE)
    ]


def _edited(tile: np.ndarray, edit: int) -> Image.Image:
    image = Image.fromarray(tile)
    if edit in (0, 1):
        return image.resize((102, 102), Image.Resampling.LANCZOS)
    if edit in (2, 3):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=75)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return image.crop((6, 6, TILE - 6, TILE - 6))  # the central 90 %


@pytest.fixture(scope="module")
def memorised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``training/`` (about 300 tiles) and ``generated/`` (5 edited copies, 15 new tiles)."""
    root = tmp_path_factory.mktemp("memorised")
    training, generated = root / "training", root / "generated"
    training.mkdir()
    generated.mkdir()
    tiles = {}
    for name in TRAINING_PHOTOS:
        for index, tile in enumerate(_tiles(name)):
            tiles[name, index] = tile
            Image.fromarray(tile).save(training / f"{name}_{index:03d}.png")
    for edit, (name, index) in enumerate(COPIED):
        _edited(tiles[name, index], edit).save(generated / f"copy_{name}_{index:03d}.png")
    for name in HELD_OUT_PHOTOS:
        for index, tile in enumerate(_tiles(name)[:3]):
            Image.fromarray(tile).save(generated / f"new_{name}_{index:03d}.png")
    return root


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _copies() -> dict[str, str]:
    return {f"copy_{name}_{i:03d}.png": f"{name}_{i:03d}.png" for name, i in COPIED}


def test_the_training_set_is_about_300_tiles(memorised: Path) -> None:
    assert 280 <= len(list((memorised / "training").iterdir())) <= 340


@pytest.mark.parametrize("feature", ["phash", "color_hist"])
def test_rank_finds_each_copy_as_the_top_match_of_its_source(
    cli: CliRunnerFn, memorised: Path, feature: str
) -> None:
    result = cli(
        "rank", memorised / "generated", memorised / "training", "-f", feature, "-k", "1",
        "--format", "csv", "--quiet",
    )  # fmt: skip
    top = {Path(r["query"]).name: Path(r["match"]).name for r in _rows(result.stdout)}
    assert (result.exit_code, {q: top[q] for q in _copies()}) == (0, _copies())


def test_a_memorisation_gate_fails_exactly_on_the_copies(cli: CliRunnerFn, memorised: Path) -> None:
    result = cli(
        "rank", memorised / "generated", memorised / "training", "-f", "phash", "-k", "1",
        "--gate", "hamming>10", "--format", "json", "--quiet",
    )  # fmt: skip
    gate = json.loads(result.stdout)["gates"][0]
    failing = {Path(row["query"]).name for row in gate["failing_rows"]}
    assert (result.exit_code, gate["passed"], failing) == (1, False, set(_copies()))


def test_the_default_feature_is_used_without_f(cli: CliRunnerFn, memorised: Path) -> None:
    from imgsim.features import DEFAULT_FEATURE, get_feature

    result = cli(
        "rank", memorised / "generated", memorised / "training", "-k", "1", "--format", "csv",
        "--quiet",
    )  # fmt: skip
    assert (
        result.stdout.splitlines()[0]
        == f"query,rank,match,{get_feature(DEFAULT_FEATURE).default_distance}"
    )


@pytest.fixture(scope="module")
def ranked_excluding_self(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """Rows of `rank SET SET --exclude-self` on six tiles and ``tile_0_again.png``, a
    byte-identical copy of ``tile_0.png``."""
    folder = tmp_path_factory.mktemp("copy") / "set"
    folder.mkdir()
    for index, tile in enumerate(_tiles("astronaut")[:6]):
        Image.fromarray(tile).save(folder / f"tile_{index}.png")
    (folder / "tile_0_again.png").write_bytes((folder / "tile_0.png").read_bytes())
    options = ["-f", "phash", "-k", "3", "--exclude-self", "--format", "csv", "-j", "1"]
    result = subprocess.run(
        [sys.executable, "-m", "imgsim", "rank", str(folder), str(folder), *options],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return _rows(result.stdout)


def test_exclude_self_never_returns_the_query_itself(
    ranked_excluding_self: list[dict[str, str]],
) -> None:
    rows = ranked_excluding_self
    assert [row for row in rows if row["query"] == row["match"]] == []


def test_exclude_self_shows_a_byte_copy_first_at_distance_0(
    ranked_excluding_self: list[dict[str, str]],
) -> None:
    rows = ranked_excluding_self
    first = next(row for row in rows if Path(row["query"]).name == "tile_0.png")
    assert (Path(first["match"]).name, first["hamming"]) == ("tile_0_again.png", "0")


def test_without_exclude_self_each_image_is_its_own_top_match(
    cli: CliRunnerFn, memorised: Path
) -> None:
    result = cli(
        "rank", memorised / "generated", memorised / "generated", "-f", "phash", "-k", "1",
        "--format", "csv", "--quiet",
    )  # fmt: skip
    rows = _rows(result.stdout)
    assert all(row["query"] == row["match"] and row["hamming"] == "0" for row in rows)


def test_a_threshold_keeps_only_close_matches(cli: CliRunnerFn, memorised: Path) -> None:
    result = cli(
        "rank", memorised / "generated", memorised / "training", "-f", "phash", "-k", "3",
        "--threshold", "10", "--format", "csv", "--quiet",
    )  # fmt: skip
    queries = {Path(row["query"]).name for row in _rows(result.stdout)}
    assert queries == set(_copies())


def test_an_extract_npz_is_a_gallery_that_gives_the_same_rows(
    cli: CliRunnerFn, memorised: Path, tmp_path: Path
) -> None:
    index = tmp_path / "training.npz"
    cli("extract", memorised / "training", "-f", "phash", "--out", index, "--quiet")
    args = ("-f", "phash", "-k", "2", "--format", "csv", "--quiet")
    from_folder = cli("rank", memorised / "generated", memorised / "training", *args)
    from_index = cli("rank", memorised / "generated", index, *args)
    assert (from_index.exit_code, from_index.stdout) == (0, from_folder.stdout)


def test_an_npz_of_another_feature_is_refused(
    cli: CliRunnerFn, memorised: Path, tmp_path: Path
) -> None:
    index = tmp_path / "training.npz"
    cli("extract", memorised / "training", "-f", "dhash", "--out", index, "--quiet")
    result = cli("rank", memorised / "generated", index, "-f", "phash")
    assert (result.exit_code, "holds dhash, not phash" in result.stderr) == (2, True)


def test_an_npz_with_other_options_is_refused(
    cli: CliRunnerFn, memorised: Path, tmp_path: Path
) -> None:
    index = tmp_path / "training.npz"
    cli("extract", memorised / "training", "-f", "phash", "--hash-size", "16", "--out", index, "-q")
    result = cli("rank", memorised / "generated", index, "-f", "phash")
    assert (result.exit_code, "extract the gallery again" in result.stderr) == (2, True)


def test_duplicates_lists_each_group_once(cli: CliRunnerFn, tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    tiles = _tiles("coffee")[:4]
    for index, tile in enumerate(tiles):
        Image.fromarray(tile).save(folder / f"tile_{index}.png")
    Image.fromarray(tiles[1]).save(folder / "tile_1_copy.png")
    Image.fromarray(tiles[1]).save(folder / "tile_1_copy_again.png")
    Image.fromarray(tiles[3]).save(folder / "tile_3_copy.png")
    result = cli("duplicates", folder, "-f", "phash", "--format", "csv", "--quiet")
    groups: dict[str, set[str]] = {}
    for row in _rows(result.stdout):
        groups.setdefault(row["group"], set()).add(Path(row["path"]).name)
    expected = [
        {"tile_1.png", "tile_1_copy.png", "tile_1_copy_again.png"},
        {"tile_3.png", "tile_3_copy.png"},
    ]
    assert (result.exit_code, list(groups.values())) == (0, expected)


def test_duplicates_with_a_distance_without_default_threshold_asks_for_one(
    cli: CliRunnerFn, memorised: Path
) -> None:
    # Intersection has no largest value on a feature that is not a histogram.
    result = cli("duplicates", memorised / "generated", "-f", "thumb", "-d", "intersection")
    assert result.exit_code == 2


def test_rank_of_a_hash_with_a_vector_distance_unpacks_the_bits(
    cli: CliRunnerFn, memorised: Path
) -> None:
    result = cli(
        "rank", memorised / "generated", memorised / "training", "-f", "phash", "-d", "euclidean",
        "-k", "1", "--format", "csv", "--quiet",
    )  # fmt: skip
    rows = {Path(r["query"]).name: r for r in _rows(result.stdout)}
    copy = rows["copy_astronaut_005.png"]
    assert (Path(copy["match"]).name, float(copy["euclidean"])) == ("astronaut_005.png", 0.0)

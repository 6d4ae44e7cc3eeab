"""``imgsim rank`` and ``imgsim duplicates`` through the real command line.

The memorisation check runs on tiles of real photographs: a "training set" of
about 300 tiles, and a "generated set" holding five lightly edited copies of
training tiles (resized, re-encoded as JPEG, cropped to 90 %) among fifteen tiles
of photographs the training set does not contain. A command that several tests
read runs once per module (``cli_once``).
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from cli_support import RGB, csv_rows, run_imgsim
from conftest import CliResult, CliRunnerFn, load_photo
from photos import HELD_OUT, TILE_PHOTOS
from PIL import Image

from imgsim.features import DEFAULT_FEATURE, get_feature

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


def _tiles(name: str) -> list[RGB]:
    pixels = load_photo(name)
    height, width = pixels.shape[:2]
    return [
        pixels[y : y + TILE, x : x + TILE]
        for y in range(0, height - TILE + 1, TILE)
        for x in range(0, width - TILE + 1, TILE)
    ]


def _edited(tile: RGB, edit: int) -> Image.Image:
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


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files that the module's runs write (each run a name of its own)."""
    return tmp_path_factory.mktemp("scratch")


def _copies() -> dict[str, str]:
    return {f"copy_{name}_{i:03d}.png": f"{name}_{i:03d}.png" for name, i in COPIED}


def _rank(cli_once: CliRunnerFn, memorised: Path, *options: str) -> CliResult:
    """``imgsim rank generated/ training/ OPTIONS… --quiet``."""
    return cli_once("rank", memorised / "generated", memorised / "training", *options, "--quiet")


def test_rank_lists_k_matches_for_every_query_in_rank_order(
    cli_once: CliRunnerFn, memorised: Path
) -> None:
    result = _rank(cli_once, memorised, "-f", "phash", "-k", "3", "--format", "csv")

    ranks: dict[str, list[str]] = {}
    for row in csv_rows(result.stdout):
        ranks.setdefault(Path(row["query"]).name, []).append(row["rank"])
    queries = (path.name for path in (memorised / "generated").iterdir())
    assert ranks == {name: ["1", "2", "3"] for name in queries}


def _top_match(cli_once: CliRunnerFn, memorised: Path, feature: str) -> CliResult:
    return _rank(cli_once, memorised, "-f", feature, "-k", "1", "--format", "csv")


@pytest.mark.parametrize("feature", ["phash", "color_hist"])
def test_rank_of_the_memorised_set_exits_0(
    cli_once: CliRunnerFn, memorised: Path, feature: str
) -> None:
    assert _top_match(cli_once, memorised, feature).exit_code == 0


@pytest.mark.parametrize("feature", ["phash", "color_hist"])
def test_rank_finds_each_copy_as_the_top_match_of_its_source(
    cli_once: CliRunnerFn, memorised: Path, feature: str
) -> None:
    result = _top_match(cli_once, memorised, feature)

    top = {Path(r["query"]).name: Path(r["match"]).name for r in csv_rows(result.stdout)}
    assert {query: top[query] for query in _copies()} == _copies()


def _memorisation_gate(cli_once: CliRunnerFn, memorised: Path) -> CliResult:
    options = ("-f", "phash", "-k", "1", "--gate", "hamming>10", "--format", "json")
    return _rank(cli_once, memorised, *options)


def test_a_memorisation_gate_that_fails_exits_1(cli_once: CliRunnerFn, memorised: Path) -> None:
    assert _memorisation_gate(cli_once, memorised).exit_code == 1


def test_a_memorisation_gate_fails(cli_once: CliRunnerFn, memorised: Path) -> None:
    gate = json.loads(_memorisation_gate(cli_once, memorised).stdout)["gates"][0]

    assert gate["passed"] is False


def test_a_memorisation_gate_fails_exactly_on_the_copies(
    cli_once: CliRunnerFn, memorised: Path
) -> None:
    gate = json.loads(_memorisation_gate(cli_once, memorised).stdout)["gates"][0]

    failing = {Path(row["query"]).name for row in gate["failing_rows"]}
    assert failing == set(_copies())


def test_the_default_feature_is_used_without_f(cli_once: CliRunnerFn, memorised: Path) -> None:
    result = _rank(cli_once, memorised, "-k", "1", "--format", "csv")

    distance = get_feature(DEFAULT_FEATURE).default_distance
    assert result.stdout.splitlines()[0] == f"query,rank,match,{distance}"


@pytest.fixture(scope="module")
def ranked_excluding_self(
    tmp_path_factory: pytest.TempPathFactory,
) -> subprocess.CompletedProcess[str]:
    """`rank SET SET --exclude-self` on six tiles and ``tile_0_again.png``, a
    byte-identical copy of ``tile_0.png``, in a process of its own."""
    root = tmp_path_factory.mktemp("copy")
    folder = root / "set"
    folder.mkdir()
    for index, tile in enumerate(_tiles("astronaut")[:6]):
        Image.fromarray(tile).save(folder / f"tile_{index}.png")
    (folder / "tile_0_again.png").write_bytes((folder / "tile_0.png").read_bytes())
    options = ["-f", "phash", "-k", "3", "--exclude-self", "--format", "csv", "-j", "1"]
    store = root / "features.sqlite"
    return run_imgsim("rank", folder, folder, *options, cache=store, timeout=60)


def test_exclude_self_exits_0(ranked_excluding_self: subprocess.CompletedProcess[str]) -> None:
    assert ranked_excluding_self.returncode == 0


def test_exclude_self_never_returns_the_query_itself(
    ranked_excluding_self: subprocess.CompletedProcess[str],
) -> None:
    rows = csv_rows(ranked_excluding_self.stdout)

    assert [row for row in rows if row["query"] == row["match"]] == []


def _first_match_of_tile_0(ranked: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return next(row for row in csv_rows(ranked.stdout) if Path(row["query"]).name == "tile_0.png")


def test_exclude_self_shows_a_byte_copy_first(
    ranked_excluding_self: subprocess.CompletedProcess[str],
) -> None:
    first = _first_match_of_tile_0(ranked_excluding_self)

    assert Path(first["match"]).name == "tile_0_again.png"


def test_exclude_self_shows_a_byte_copy_at_distance_0(
    ranked_excluding_self: subprocess.CompletedProcess[str],
) -> None:
    first = _first_match_of_tile_0(ranked_excluding_self)

    assert first["hamming"] == "0"


def test_without_exclude_self_each_image_is_its_own_top_match(
    cli_once: CliRunnerFn, memorised: Path
) -> None:
    result = cli_once(
        "rank", memorised / "generated", memorised / "generated", "-f", "phash", "-k", "1",
        "--format", "csv", "--quiet",
    )  # fmt: skip

    rows = csv_rows(result.stdout)
    assert all(row["query"] == row["match"] and row["hamming"] == "0" for row in rows)


def test_a_threshold_keeps_only_close_matches(cli_once: CliRunnerFn, memorised: Path) -> None:
    options = ("-f", "phash", "-k", "3", "--threshold", "10", "--format", "csv")

    result = _rank(cli_once, memorised, *options)

    queries = {Path(row["query"]).name for row in csv_rows(result.stdout)}
    assert queries == set(_copies())


# --------------------------------------------------------------------------- galleries

RANK_OPTIONS = ("-f", "phash", "-k", "2", "--format", "csv", "--quiet")


def _gallery(cli_once: CliRunnerFn, memorised: Path, scratch: Path, *options: str) -> Path:
    """``extract training/ OPTIONS… --out X.npz``: a gallery file, named after its options."""
    gallery = scratch / ("training" + "".join(options).replace("-", "_") + ".npz")
    cli_once("extract", memorised / "training", *options, "--out", gallery, "--quiet")
    return gallery


def _rank_against_phash_gallery(cli_once: CliRunnerFn, memorised: Path, scratch: Path) -> CliResult:
    gallery = _gallery(cli_once, memorised, scratch, "-f", "phash")
    return cli_once("rank", memorised / "generated", gallery, *RANK_OPTIONS)


def test_an_extract_npz_is_a_gallery(cli_once: CliRunnerFn, memorised: Path, scratch: Path) -> None:
    assert _rank_against_phash_gallery(cli_once, memorised, scratch).exit_code == 0


def test_an_extract_npz_gallery_gives_the_same_rows_as_its_folder(
    cli_once: CliRunnerFn, memorised: Path, scratch: Path
) -> None:
    from_folder = cli_once("rank", memorised / "generated", memorised / "training", *RANK_OPTIONS)

    from_gallery = _rank_against_phash_gallery(cli_once, memorised, scratch)

    assert from_gallery.stdout == from_folder.stdout


UNFIT_GALLERIES = {
    "another feature": (("-f", "dhash"), "holds dhash, not phash"),
    "other options": (("-f", "phash", "--hash-size", "16"), "extract the gallery again"),
}
"""Galleries that ``rank -f phash`` (8x8) cannot use: how each was extracted, and the
words of the refusal."""


def _rank_against_unfit_gallery(
    cli_once: CliRunnerFn, memorised: Path, scratch: Path, unfit: str
) -> CliResult:
    extracted_with, _ = UNFIT_GALLERIES[unfit]
    gallery = _gallery(cli_once, memorised, scratch, *extracted_with)
    return cli_once("rank", memorised / "generated", gallery, "-f", "phash")


@pytest.mark.parametrize("unfit", UNFIT_GALLERIES)
def test_an_npz_of_another_feature_or_options_is_refused(
    cli_once: CliRunnerFn, memorised: Path, scratch: Path, unfit: str
) -> None:
    assert _rank_against_unfit_gallery(cli_once, memorised, scratch, unfit).exit_code == 2


@pytest.mark.parametrize("unfit", UNFIT_GALLERIES)
def test_an_npz_that_is_refused_says_why(
    cli_once: CliRunnerFn, memorised: Path, scratch: Path, unfit: str
) -> None:
    _, reason = UNFIT_GALLERIES[unfit]

    result = _rank_against_unfit_gallery(cli_once, memorised, scratch, unfit)

    assert reason in result.stderr


def _rank_with_euclidean(cli_once: CliRunnerFn, memorised: Path) -> dict[str, str]:
    """The top match of the resized copy of astronaut tile 5, by phash with -d euclidean."""
    options = ("-f", "phash", "-d", "euclidean", "-k", "1", "--format", "csv")
    rows = csv_rows(_rank(cli_once, memorised, *options).stdout)
    return next(row for row in rows if Path(row["query"]).name == "copy_astronaut_005.png")


def test_rank_of_a_hash_with_a_vector_distance_finds_the_source(
    cli_once: CliRunnerFn, memorised: Path
) -> None:
    assert Path(_rank_with_euclidean(cli_once, memorised)["match"]).name == "astronaut_005.png"


def test_rank_of_a_hash_with_a_vector_distance_unpacks_the_bits(
    cli_once: CliRunnerFn, memorised: Path
) -> None:
    assert float(_rank_with_euclidean(cli_once, memorised)["euclidean"]) == 0.0


# --------------------------------------------------------------------------- duplicates


@pytest.fixture(scope="module")
def with_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four coffee tiles, tile 1 twice copied and tile 3 once."""
    folder = tmp_path_factory.mktemp("with_copies")
    tiles = _tiles("coffee")[:4]
    for index, tile in enumerate(tiles):
        Image.fromarray(tile).save(folder / f"tile_{index}.png")
    Image.fromarray(tiles[1]).save(folder / "tile_1_copy.png")
    Image.fromarray(tiles[1]).save(folder / "tile_1_copy_again.png")
    Image.fromarray(tiles[3]).save(folder / "tile_3_copy.png")
    return folder


def _duplicates(cli_once: CliRunnerFn, folder: Path) -> CliResult:
    return cli_once("duplicates", folder, "-f", "phash", "--format", "csv", "--quiet")


def test_duplicates_exits_0(cli_once: CliRunnerFn, with_copies: Path) -> None:
    assert _duplicates(cli_once, with_copies).exit_code == 0


def test_duplicates_lists_each_group_once(cli_once: CliRunnerFn, with_copies: Path) -> None:
    result = _duplicates(cli_once, with_copies)

    groups: dict[str, set[str]] = {}
    for row in csv_rows(result.stdout):
        groups.setdefault(row["group"], set()).add(Path(row["path"]).name)
    assert list(groups.values()) == [
        {"tile_1.png", "tile_1_copy.png", "tile_1_copy_again.png"},
        {"tile_3.png", "tile_3_copy.png"},
    ]


def test_duplicates_with_a_distance_without_default_threshold_asks_for_one(
    cli: CliRunnerFn, memorised: Path
) -> None:
    # Intersection has no largest value on a feature that is not a histogram.
    result = cli("duplicates", memorised / "generated", "-f", "thumb", "-d", "intersection")
    assert result.exit_code == 2

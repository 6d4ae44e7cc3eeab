"""Gallery indexes (``extract --out GALLERY.imgidx``): memory-mapped, appendable, kill-safe.

An index grown by ``--append`` must rank exactly as one built at once and as the
folder itself; opening one reads its metadata and not its vectors (checked on an index
whose vector file is 4 GB of sparse zeros: the bytes read and the resident memory stay
tiny); a writer killed with SIGKILL mid-append leaves the gallery as it was. The chunked
search is held to SciPy's ``cdist`` on random vectors, and the streamed ``.npz`` writer
to what ``numpy.load`` reads back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CliRunnerFn, load_photo
from numpy.typing import NDArray
from photos import PHOTOS
from PIL import Image
from scipy.spatial.distance import cdist

from imgsim import gallery, gallery_writer, neighbours
from imgsim.features import FeatureParams, get_feature
from imgsim.metrics.distances import get_distance
from imgsim.neighbours import Gallery, chunked_topk
from imgsim.output import NpzMember, write_npz_members

TILE = 64
PARAMS = FeatureParams()
RANK = ("-k", "3", "--format", "csv", "--quiet")


@pytest.fixture(scope="module")
def photographs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gallery/first/ (tiles of four photographs) and gallery/second/ (tiles of the
    others), walked in that order, and queries/ (one tile of each photograph, as JPEG)."""
    root = tmp_path_factory.mktemp("photographs")
    for folder in ("gallery/first", "gallery/second", "queries"):
        (root / folder).mkdir(parents=True)
    for number, name in enumerate(PHOTOS):
        pixels = load_photo(name)
        part = "gallery/first" if number < 4 else "gallery/second"
        for row in range(3):
            tile = pixels[row * TILE : (row + 1) * TILE, :TILE]
            Image.fromarray(tile).save(root / part / f"{name}_{row}.png")
        query = pixels[TILE : 2 * TILE, :TILE]
        Image.fromarray(query).save(root / "queries" / f"{name}.jpg", quality=80)
    return root


@pytest.fixture(scope="module")
def galleries(
    cli_once: CliRunnerFn, photographs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """whole.imgidx (first/ and second/ at once) and grown.imgidx (first/, then second/
    appended), both of phash and color_hist."""
    out = tmp_path_factory.mktemp("galleries")
    features = ("-f", "phash,color_hist", "--quiet")
    cli_once(
        "extract",
        photographs / "gallery/first",
        photographs / "gallery/second",
        *features,
        "--out",
        out / "whole.imgidx",
    )
    cli_once("extract", photographs / "gallery/first", *features, "--out", out / "grown.imgidx")
    cli_once(
        "extract",
        photographs / "gallery/second",
        *features,
        "--out",
        out / "grown.imgidx",
        "--append",
    )
    return out


@pytest.mark.parametrize("feature", ["phash", "color_hist"])
def test_an_appended_gallery_ranks_as_one_built_at_once(
    cli_once: CliRunnerFn, photographs: Path, galleries: Path, feature: str
) -> None:
    queries = photographs / "queries"
    whole = cli_once("rank", queries, galleries / "whole.imgidx", "-f", feature, *RANK)

    grown = cli_once("rank", queries, galleries / "grown.imgidx", "-f", feature, *RANK)

    assert grown.stdout == whole.stdout


@pytest.mark.parametrize("feature", ["phash", "color_hist"])
def test_a_gallery_index_ranks_as_its_folders(
    cli_once: CliRunnerFn, photographs: Path, galleries: Path, feature: str
) -> None:
    queries = photographs / "queries"
    folder = cli_once("rank", queries, photographs / "gallery", "-f", feature, *RANK)

    index = cli_once("rank", queries, galleries / "whole.imgidx", "-f", feature, *RANK)

    assert index.stdout == folder.stdout


def test_an_appended_gallery_counts_every_image(galleries: Path) -> None:
    assert gallery.open_index(galleries / "grown.imgidx").count == 3 * len(PHOTOS)


def _append(cli: CliRunnerFn, photographs: Path, target: Path, *options: str) -> Any:
    return cli("extract", photographs / "queries", *options, "--out", target, "--append")


@pytest.fixture
def small_index(cli: CliRunnerFn, photographs: Path, tmp_path: Path) -> Path:
    """An index of first/ with phash alone."""
    target = tmp_path / "small.imgidx"
    cli("extract", photographs / "gallery/first", "-f", "phash", "--out", target, "--quiet")
    return target


@pytest.mark.parametrize(
    "options",
    [("-f", "dhash"), ("-f", "phash,color_hist"), ("-f", "phash", "--hash-size", "16")],
    ids=["another feature", "more features", "other options"],
)
def test_appending_another_feature_or_options_exits_2(
    cli: CliRunnerFn, photographs: Path, small_index: Path, options: tuple[str, ...]
) -> None:
    assert _append(cli, photographs, small_index, *options).exit_code == 2


def test_a_gallery_index_as_the_reference_set_says_what_it_is(
    cli_once: CliRunnerFn, photographs: Path, galleries: Path
) -> None:
    result = cli_once(
        "compare", photographs / "queries", galleries / "whole.imgidx", "--set", "-f", "phash"
    )

    assert "is a gallery index (from `imgsim extract --out`)" in result.stderr


def test_appending_another_feature_says_what_the_gallery_holds(
    cli: CliRunnerFn, photographs: Path, small_index: Path
) -> None:
    result = _append(cli, photographs, small_index, "-f", "dhash")

    assert f"{small_index} holds phash, not dhash" in result.stderr


def test_appending_other_options_says_which(
    cli: CliRunnerFn, photographs: Path, small_index: Path
) -> None:
    result = _append(cli, photographs, small_index, "-f", "phash", "--hash-size", "16")

    assert "holds phash {'version': 2, 'params': {'hash_size': 8}}" in result.stderr


def test_a_refused_append_leaves_the_gallery_as_it_was(
    cli: CliRunnerFn, photographs: Path, small_index: Path
) -> None:
    before = (small_index / "meta.json").read_bytes()

    _append(cli, photographs, small_index, "-f", "dhash")

    assert (small_index / "meta.json").read_bytes() == before


def test_appending_to_an_npz_exits_2(cli: CliRunnerFn, photographs: Path, tmp_path: Path) -> None:
    target = tmp_path / "gallery.npz"
    cli("extract", photographs / "gallery/first", "-f", "phash", "--out", target, "--quiet")

    assert _append(cli, photographs, target, "-f", "phash").exit_code == 2


def test_appending_to_a_missing_index_creates_it(
    cli: CliRunnerFn, photographs: Path, tmp_path: Path
) -> None:
    _append(cli, photographs, tmp_path / "new.imgidx", "-f", "phash", "--quiet")

    assert gallery.open_index(tmp_path / "new.imgidx").count == len(PHOTOS)


def test_an_index_is_not_written_over_another_folder(
    cli: CliRunnerFn, photographs: Path, tmp_path: Path
) -> None:
    (tmp_path / "mine.imgidx").mkdir()

    result = cli(
        "extract", photographs / "gallery/first", "-f", "phash", "--out", tmp_path / "mine.imgidx"
    )

    assert result.exit_code == 2


def test_paths_read_back_as_written(tmp_path: Path) -> None:
    spec = get_feature("phash")
    names = ["a/ü.png", "b/日本.png", "", "c/d e.png"] * 1500  # several write batches
    with gallery_writer.creating(tmp_path / "p.imgidx", [spec], PARAMS) as writer:
        for name in names:
            writer.add(name, {"phash": np.zeros(8, np.uint8)})

    assert list(gallery.open_index(tmp_path / "p.imgidx").paths) == names


# A huge gallery whose vectors are never read: a sparse file of 4 GB.
HUGE_ROWS = 2_000_000
HUGE_WIDTH = 512


@pytest.fixture
def huge_index(tmp_path: Path) -> Path:
    """An index of 2,000,000 color_hist rows (4 GB of sparse zeros) with empty paths but
    the last, written through the layout that :mod:`imgsim.gallery` documents."""
    spec = get_feature("color_hist")
    target = tmp_path / "huge.imgidx"
    target.mkdir()
    meta = gallery.new_meta([spec], PARAMS)
    with (target / "feature0.bin").open("wb") as values:
        values.truncate(HUGE_ROWS * HUGE_WIDTH * 4)
    ends = np.zeros(HUGE_ROWS, dtype="<u8")
    ends[-1] = len(b"last.png")
    ends.tofile(target / "paths.end")
    (target / "paths.utf8").write_bytes(b"last.png")
    meta.update(count=HUGE_ROWS, path_bytes=len(b"last.png"), longest_path=8)
    (target / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return target


def _read_bytes() -> int:
    """Bytes this process has read through system calls (Linux's /proc/self/io rchar)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def _resident_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


needs_proc = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc")


@needs_proc
def test_loading_a_huge_index_reads_a_few_kilobytes(huge_index: Path) -> None:
    before = _read_bytes()

    loaded = Gallery.load(huge_index, get_feature("color_hist"), PARAMS)
    loaded.paths[HUGE_ROWS - 1]

    assert _read_bytes() - before < 64 * 1024


@needs_proc
def test_loading_a_huge_index_and_reading_its_last_row_stays_out_of_memory(
    huge_index: Path,
) -> None:
    before = _resident_bytes()

    loaded = Gallery.load(huge_index, get_feature("color_hist"), PARAMS)
    np.asarray(loaded.values[-1]).sum()

    assert _resident_bytes() - before < 16 * 1024 * 1024


def test_a_huge_index_holds_its_rows(huge_index: Path) -> None:
    assert Gallery.load(huge_index, get_feature("color_hist"), PARAMS).values.shape == (
        HUGE_ROWS,
        HUGE_WIDTH,
    )


def _brute_force(queries: NDArray[Any], values: NDArray[Any], k: int, metric: str) -> NDArray[Any]:
    """SciPy's distances, sorted with ties going to the earlier gallery item."""
    distances = cdist(queries, values, metric=metric)
    return np.argsort(distances, axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize(
    ("name", "scipy_name"), [("euclidean", "euclidean"), ("manhattan", "cityblock"), ("chi2", None)]
)
def test_a_chunked_search_finds_the_brute_force_neighbours(
    monkeypatch: pytest.MonkeyPatch, name: str, scipy_name: str | None
) -> None:
    monkeypatch.setattr(neighbours, "SEARCH_CHUNK_BYTES", 37 * 16 * 4)  # 37 rows a chunk
    generator = np.random.default_rng(7)
    values = generator.random((500, 16)).astype(np.float32)
    queries = generator.random((9, 16)).astype(np.float32)
    if scipy_name is None:
        reference = _brute_force(
            queries.astype(np.float64),
            values.astype(np.float64),
            5,
            lambda u, v: 0.5 * float(np.sum((u - v) ** 2 / (u + v))),  # type: ignore[arg-type]
        )
    else:
        reference = _brute_force(queries, values, 5, scipy_name)

    found, _ = chunked_topk(queries, values, 5, get_distance(name))

    np.testing.assert_array_equal(found, reference)


def test_a_chunked_search_of_a_gallery_index_finds_the_brute_force_neighbours(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(neighbours, "SEARCH_CHUNK_BYTES", 37 * 512 * 4)  # 37 rows a chunk
    generator = np.random.default_rng(11)
    values = generator.random((500, 512)).astype(np.float32)
    queries = generator.random((4, 512)).astype(np.float32)
    with gallery_writer.creating(tmp_path / "r.imgidx", [get_feature("color_hist")], PARAMS) as w:
        for number, row in enumerate(values):
            w.add(f"{number}.png", {"color_hist": row})
    stored = Gallery.load(tmp_path / "r.imgidx", get_feature("color_hist"), PARAMS).values

    found, _ = chunked_topk(queries, stored, 5, get_distance("euclidean"))

    np.testing.assert_array_equal(found, _brute_force(queries, values, 5, "euclidean"))


def test_a_chunked_hamming_search_breaks_ties_by_gallery_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(neighbours, "SEARCH_CHUNK_BYTES", 50 * 8)  # 50 hashes a chunk
    generator = np.random.default_rng(3)
    values = generator.integers(0, 4, (400, 8), dtype=np.uint8)  # few bits: many ties
    queries = generator.integers(0, 4, (6, 8), dtype=np.uint8)
    bits = np.unpackbits(values, axis=1).astype(bool)
    reference = _brute_force(np.unpackbits(queries, axis=1).astype(bool), bits, 7, "hamming")

    found, _ = chunked_topk(queries, values, 7, get_distance("hamming"))

    np.testing.assert_array_equal(found, reference)


def test_streamed_npz_members_load_as_the_arrays(tmp_path: Path) -> None:
    generator = np.random.default_rng(0)
    arrays = {
        "values": generator.random((1000, 33)).astype(np.float32),
        "names": np.array(["a", "bé"]),
    }
    members = [
        NpzMember(
            name,
            array.dtype,
            array.shape,
            lambda array=array: [array[i : i + 300].tobytes() for i in range(0, len(array), 300)],
        )
        for name, array in arrays.items()
    ]

    write_npz_members(tmp_path / "x.npz", members)

    with np.load(tmp_path / "x.npz", allow_pickle=False) as loaded:
        assert all(np.array_equal(loaded[name], array) for name, array in arrays.items())


# Kill-safety: a writer is killed with SIGKILL after it has written rows past the
# committed ones, before it publishes the new count.
_KILLED_APPENDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from imgsim import gallery, gallery_writer
    from imgsim.features import FeatureParams, get_feature

    spec = get_feature("color_hist")
    with gallery_writer.appending(Path(sys.argv[1]), [spec], FeatureParams()) as writer:
        for row in range(3 * gallery.BATCH_ROWS):
            writer.add(f"new/{row}.png", {"color_hist": np.full(512, 7.0, np.float32)})
        writer.flush()
        print("written", flush=True)
        time.sleep(60)
    """
)


@pytest.fixture(scope="module")
def killed_mid_append(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """An index of 100 rows, the bytes of its values file before, and a writer of 12,288
    more rows killed after writing them, before committing."""
    spec = get_feature("color_hist")
    target = tmp_path_factory.mktemp("killed") / "killed.imgidx"
    with gallery_writer.creating(target, [spec], PARAMS) as writer:
        for row in range(100):
            writer.add(f"old/{row}.png", {"color_hist": np.full(512, row, np.float32)})
    before = (target / "feature0.bin").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_APPENDER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "written"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return target, before


def test_a_gallery_killed_mid_append_keeps_its_count(killed_mid_append: tuple[Path, bytes]) -> None:
    target, _ = killed_mid_append

    assert gallery.open_index(target).count == 100


def test_a_gallery_killed_mid_append_reads_its_values_as_before(
    killed_mid_append: tuple[Path, bytes],
) -> None:
    target, before = killed_mid_append

    values = Gallery.load(target, get_feature("color_hist"), PARAMS).values

    assert np.asarray(values).tobytes() == before


def test_a_gallery_killed_mid_append_takes_the_next_append(
    killed_mid_append: tuple[Path, bytes], tmp_path: Path
) -> None:
    target = shutil.copytree(killed_mid_append[0], tmp_path / "copy.imgidx")
    with gallery_writer.appending(target, [get_feature("color_hist")], PARAMS) as writer:
        writer.add("next.png", {"color_hist": np.full(512, -1.0, np.float32)})

    loaded = Gallery.load(target, get_feature("color_hist"), PARAMS)

    assert list(loaded.paths[99:]) == ["old/99.png", "next.png"]


def test_a_gallery_index_given_as_statistics_says_what_it_is(galleries: Path) -> None:
    from imgsim.errors import UsageError
    from imgsim.reference import ReferenceStats

    with pytest.raises(UsageError, match=r"a gallery index written by imgsim\.extract_gallery"):
        ReferenceStats.load(galleries / "whole.imgidx")

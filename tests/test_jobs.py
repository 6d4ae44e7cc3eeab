"""The library calls behind the set commands (imgsim/jobs), through their public functions."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgsim.engine import ImageResult
from imgsim.errors import BadImage, UsageError
from imgsim.features import FeatureParams, get_feature
from imgsim.gates import parse_gates
from imgsim.jobs.features import FeatureSet, features_of, refuse_unreadable, store_source
from imgsim.jobs.search import duplicate_groups, nearest
from imgsim.jobs.sets import diversity_of, reference_stats, score_set
from imgsim.neighbours import Gallery
from imgsim.reference import ReferenceStats, SetOptions

PARAMS = FeatureParams()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six noise PNGs, one byte-identical copy of the first, and a file that is no image."""
    root = tmp_path_factory.mktemp("jobs")
    rng = np.random.default_rng(7)
    for index in range(6):
        pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"image_{index}.png")
    shutil.copy(root / "image_0.png", root / "image_0_copy.png")
    return root


@pytest.fixture
def with_bad(images: Path, tmp_path: Path) -> Path:
    """The images plus ``bad.png``, which holds text."""
    folder = tmp_path / "with_bad"
    shutil.copytree(images, folder)
    (folder / "bad.png").write_text("not an image")
    return folder


def files_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"))


def test_features_of_gives_one_row_of_values_per_readable_image(images: Path) -> None:
    found = features_of(files_of(images), "phash", PARAMS, workers=1)
    assert found.values.shape == (7, get_feature("phash").stored_width(PARAMS))


def test_features_of_lists_an_unreadable_file_as_a_failure(with_bad: Path) -> None:
    found = features_of(files_of(with_bad), "phash", PARAMS, workers=1)
    assert [failure.path.name for failure in found.failures] == ["bad.png"]


def test_features_of_leaves_an_unreadable_file_out_of_the_paths(with_bad: Path) -> None:
    found = features_of(files_of(with_bad), "phash", PARAMS, workers=1)
    assert str(with_bad / "bad.png") not in found.paths


def test_features_of_shows_every_result_to_on_result_in_input_order(with_bad: Path) -> None:
    seen: list[ImageResult] = []
    features_of(files_of(with_bad), "phash", PARAMS, workers=1, on_result=seen.append)
    assert [result.path for result in seen] == files_of(with_bad)


def test_refuse_unreadable_stops_at_the_first_unreadable_file(with_bad: Path) -> None:
    with pytest.raises(BadImage):
        features_of(files_of(with_bad), "phash", PARAMS, workers=1, on_result=refuse_unreadable)


def test_from_folder_raises_bad_image_for_an_unreadable_file(
    with_bad: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMGSIM_CACHE", str(tmp_path / "store.sqlite"))
    with pytest.raises(BadImage):
        ReferenceStats.from_folder(with_bad, "phash", workers=1)


def test_a_set_of_only_unreadable_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(UsageError, match="no readable images"):
        store_source("phash", workers=1)([tmp_path], "set")


def test_a_gallery_saved_and_loaded_keeps_its_values(images: Path, tmp_path: Path) -> None:
    spec = get_feature("color_hist")
    found = features_of(files_of(images), spec.name, PARAMS, workers=1)
    results = [
        ImageResult(Path(path), features={spec.name: value})
        for path, value in zip(found.paths, found.values, strict=True)
    ]
    Gallery.save(tmp_path / "gallery.npz", results, [spec], PARAMS)
    loaded = Gallery.load(tmp_path / "gallery.npz", spec, PARAMS)
    assert np.array_equal(loaded.values, found.values)


def test_gallery_save_leaves_unreadable_results_out(tmp_path: Path) -> None:
    spec = get_feature("phash")
    results = [ImageResult(Path("bad.png"), error="not an image")]
    assert Gallery.save(tmp_path / "gallery.npz", results, [spec], PARAMS) == 0


def test_nearest_finds_the_copy_of_a_query_first(images: Path) -> None:
    outcome = nearest(
        images / "image_0.png",
        images,
        feature="phash",
        params=PARAMS,
        distance="hamming",
        k=1,
        source=store_source("phash", workers=1),
        exclude_self=True,
    )
    assert [row["match"] for row in outcome.rows] == [str(images / "image_0_copy.png")]


def test_nearest_gives_k_rows_per_query(images: Path) -> None:
    outcome = nearest(
        images,
        images,
        feature="phash",
        params=PARAMS,
        distance="hamming",
        k=3,
        source=store_source("phash", workers=1),
    )
    assert len(outcome.rows) == 7 * 3


def test_a_failing_rank_gate_says_so(images: Path) -> None:
    outcome = nearest(
        images,
        images,
        feature="phash",
        params=PARAMS,
        distance="hamming",
        k=1,
        source=store_source("phash", workers=1),
        exclude_self=True,
        gates=parse_gates(["min(hamming)>0"], ["hamming"]),
    )
    assert not outcome.gates_held


def test_duplicate_groups_join_an_image_and_its_copy(images: Path) -> None:
    outcome = duplicate_groups(
        [images],
        feature="phash",
        params=PARAMS,
        distance="hamming",
        threshold=0,
        source=store_source("phash", workers=1),
    )
    assert outcome.counts == {"groups": 1, "images": 2}


def test_diversity_counts_the_one_pair_of_copies(images: Path) -> None:
    outcome = diversity_of(
        [images],
        feature="phash",
        params=PARAMS,
        distance="hamming",
        threshold=0,
        source=store_source("phash", workers=1),
    )
    assert outcome.rows[0]["near_duplicates"] == 1


def test_diversity_without_a_threshold_counts_no_pairs(images: Path) -> None:
    outcome = diversity_of(
        [images],
        feature="thumb",
        params=PARAMS,
        distance="cosine",
        threshold=None,
        source=store_source("thumb", workers=1),
    )
    assert outcome.rows[0]["near_duplicates"] is None


def test_a_set_scored_against_itself_has_full_coverage(images: Path) -> None:
    outcome = score_set(
        images,
        images,
        ["coverage"],
        feature="thumb",
        params=PARAMS,
        options=SetOptions(k=2),
        source=store_source("thumb", workers=1),
    )
    assert outcome.rows[0]["coverage"] == 1.0


def test_a_set_scored_against_its_statistics_file_gives_the_same_row(
    images: Path, tmp_path: Path
) -> None:
    source = store_source("thumb", workers=1)
    reference_stats([images], feature="thumb", params=PARAMS, source=source).save(
        tmp_path / "reference.npz"
    )
    rows = [
        score_set(
            images,
            reference,
            ["precision", "recall"],
            feature="thumb",
            params=PARAMS,
            options=SetOptions(k=2),
            source=source,
        ).rows[0]
        for reference in (images, tmp_path / "reference.npz")
    ]
    from_folder, from_file = rows
    assert from_file["recall"] == from_folder["recall"]


def test_a_job_reads_each_set_through_its_source_with_its_role(images: Path) -> None:
    roles: list[str] = []
    plain = store_source("thumb", workers=1)

    def source(inputs: Sequence[Path], role: str) -> FeatureSet:
        roles.append(role)
        return plain(inputs, role)

    score_set(
        images,
        images,
        ["coverage"],
        feature="thumb",
        params=PARAMS,
        options=SetOptions(k=2),
        source=source,
    )
    assert roles == ["reference", "generated"]


def test_an_extraction_row_of_an_unreadable_file_carries_the_reason() -> None:
    from imgsim.jobs.extract import extraction_rows

    result = ImageResult(Path("bad.png"), error="not an image")
    (row,) = extraction_rows([result], [get_feature("phash")], PARAMS)
    assert row["error"] == "not an image"


def test_an_extraction_row_shows_a_hash_as_hex(images: Path) -> None:
    from imgsim.jobs.extract import extraction_rows

    spec = get_feature("phash")
    found = features_of([images / "image_0.png"], spec.name, PARAMS, workers=1)
    result = ImageResult(images / "image_0.png", features={spec.name: found.values[0]})
    (row,) = extraction_rows([result], [spec], PARAMS)
    assert row["phash"] == found.values[0].tobytes().hex()


def test_extract_rows_leave_out_unreadable_files_when_asked(with_bad: Path) -> None:
    from imgsim.engine import ExtractOptions
    from imgsim.jobs.extract import extract_rows

    files = sorted(with_bad.iterdir())
    options = ExtractOptions(features=("phash",))
    rows = extract_rows(files, options, skip_unreadable=True, workers=1)
    assert [row["path"] for row in rows] == [str(f) for f in files if f.name != "bad.png"]


def test_extract_rows_show_every_result_to_on_result(with_bad: Path) -> None:
    from imgsim.engine import ExtractOptions
    from imgsim.jobs.extract import extract_rows

    files = sorted(with_bad.iterdir())
    seen: list[ImageResult] = []
    options = ExtractOptions(features=("phash",))
    list(extract_rows(files, options, skip_unreadable=True, workers=1, on_result=seen.append))
    assert [result.path for result in seen] == files


def test_extract_rows_refuse_unusable_options_before_any_row(images: Path) -> None:
    from imgsim.engine import ExtractOptions
    from imgsim.jobs.extract import extract_rows

    options = ExtractOptions(features=("whash",), params=FeatureParams(hash_size=6))
    with pytest.raises(UsageError):
        extract_rows(files_of(images), options, workers=1)


def test_extract_gallery_writes_the_readable_images(with_bad: Path, tmp_path: Path) -> None:
    from imgsim.engine import ExtractOptions
    from imgsim.jobs.extract import extract_gallery

    files = sorted(with_bad.iterdir())
    options = ExtractOptions(features=("phash",))
    extract_gallery(tmp_path / "gallery.npz", files, options, workers=1)
    gallery = Gallery.load(tmp_path / "gallery.npz", get_feature("phash"), PARAMS)
    assert gallery.paths == [str(f) for f in files if f.name != "bad.png"]


def test_an_outcome_summarises_only_its_score_columns() -> None:
    from imgsim.jobs.outcome import Outcome

    rows = [{"query": "a", "cosine": 0.5}, {"query": "b", "cosine": 1.0}]
    outcome = Outcome(rows, ["query", "cosine"], ["cosine"], [])
    assert outcome.summary() == {"cosine": {"mean": 0.75, "min": 0.5, "max": 1.0, "median": 0.75}}

"""colorhash, crop_resistant and the segments distance against imagehash 4.3.

The references are imagehash's ``colorhash``, ``crop_resistant_hash`` (with ``dhash``
and ``limit_segments``), its segmentation ``_find_all_segments`` and
``ImageMultiHash.__sub__`` (``a - b``), run on PIL images of the same pixels: on real
photographs (``tests/photos.py``), crops of them, random images and crafted
segmentations where imagehash's loop has quirks (the valley loop's early stop, equal
segment sizes, no segment at all).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import imagehash
import numpy as np
import pytest
from conftest import CliRunnerFn, load_photo
from numpy.typing import NDArray
from photos import PHOTOS
from PIL import Image

import imgsim
from imgsim.features import FeatureParams, get_feature, hash_to_hex
from imgsim.features import segments as segmentation
from imgsim.metrics import multihash

RGB = NDArray[np.uint8]
SEGMENTS = 8
"""``params.segments``' default, imagehash's ``limit_segments`` in the references."""
CROP_PHOTOS = ("astronaut", "chelsea", "coffee")
"""Photographs with several segments, for the distance between a photograph and its crop."""


def _noise(shape: tuple[int, int], seed: int) -> RGB:
    return np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)


def _blobs(shape: tuple[int, int], seed: int) -> RGB:
    """Smooth random brightness: noise upsampled from a coarse grid, so that the
    segmentation finds large hills and valleys of random shapes."""
    coarse = np.random.default_rng(seed).integers(0, 256, (8, 8), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize(shape[::-1], Image.Resampling.BICUBIC))
    return np.repeat(smooth[:, :, None], 3, axis=2)


def _cropped(pixels: RGB) -> RGB:
    """The photograph with 20 % of its width and height cut off (right and bottom)."""
    height, width = pixels.shape[:2]
    return np.ascontiguousarray(pixels[: height * 4 // 5, : width * 4 // 5])


def _stored(pixels: RGB) -> NDArray[np.uint8]:
    value = get_feature("crop_resistant").extract(pixels, FeatureParams(segments=SEGMENTS))
    return value.astype(np.uint8)


def _reference(pixels: RGB, hash_size: int = 8) -> imagehash.ImageMultiHash:
    return imagehash.crop_resistant_hash(
        Image.fromarray(pixels),
        lambda image: imagehash.dhash(image, hash_size),
        limit_segments=SEGMENTS,
    )


@pytest.fixture(scope="module")
def references() -> dict[str, tuple[RGB, imagehash.ImageMultiHash]]:
    """Each photograph and 20 %-cropped photograph with imagehash's hash (computed once:
    imagehash takes about a second per photograph)."""
    found = {}
    for name in PHOTOS:
        pixels = load_photo(name)
        found[name] = (pixels, _reference(pixels))
    for name in CROP_PHOTOS:
        pixels = _cropped(load_photo(name))
        found[f"{name}_crop"] = (pixels, _reference(pixels))
    return found


# --------------------------------------------------------------------------- colorhash

RANDOM_SHAPES = ((257, 311), (64, 64), (9, 9), (3, 2), (1, 1))


def _colorhash_hex(pixels: RGB) -> str:
    packed = get_feature("colorhash").extract(pixels, FeatureParams())
    return hash_to_hex(packed.astype(np.uint8), 42)


@pytest.mark.parametrize("name", PHOTOS)
def test_colorhash_of_a_photo_is_imagehash_s(name: str) -> None:
    pixels = load_photo(name)

    ours = _colorhash_hex(pixels)

    assert ours == str(imagehash.colorhash(Image.fromarray(pixels)))


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_colorhash_of_random_pixels_is_imagehash_s(shape: tuple[int, int]) -> None:
    pixels = _noise(shape, seed=shape[0])

    ours = _colorhash_hex(pixels)

    assert ours == str(imagehash.colorhash(Image.fromarray(pixels)))


@pytest.mark.parametrize("seed", range(4))
def test_colorhash_of_few_colours_is_imagehash_s(seed: int) -> None:
    # Four levels per channel: saturations on the bin edges (85, 170), ties in every bin.
    pixels = (_noise((40, 30), seed) // 64 * 85).astype(np.uint8)

    ours = _colorhash_hex(pixels)

    assert ours == str(imagehash.colorhash(Image.fromarray(pixels)))


def test_colorhash_has_42_bits() -> None:
    assert get_feature("colorhash").dim(FeatureParams()) == 42


# --------------------------------------------------------------------------- segmentation


def _find_all_segments(pixels: NDArray[np.uint8]) -> list[set[tuple[int, int]]]:
    """imagehash's segmentation of a segmentation image, with its default thresholds."""
    found: list[set[tuple[int, int]]] = imagehash._find_all_segments(  # type: ignore[no-untyped-call]
        pixels.astype(np.float32), segmentation.SEGMENT_THRESHOLD, segmentation.MIN_SEGMENT_SIZE
    )
    return found


def _imagehash_segments(pixels: NDArray[np.uint8]) -> list[tuple[int, tuple[int, ...]]]:
    """imagehash's segments of a segmentation image: size and (top, left, bottom, right)."""
    found = _find_all_segments(pixels)
    return [
        (len(s), (min(r for r, _ in s), min(c for _, c in s), max(r for r, _ in s) + 1,
                  max(c for _, c in s) + 1))
        for s in found
    ]  # fmt: skip


def _our_segments(pixels: NDArray[np.uint8]) -> list[tuple[int, tuple[int, ...]]]:
    return [
        (size, (rows.start, columns.start, rows.stop, columns.stop))
        for size, (rows, columns) in segmentation.find_segments(pixels)
    ]


def _dark_corner() -> NDArray[np.uint8]:
    """Bright, with a dark band at the top and a dark 30 x 30 square in the last corner:
    imagehash's valley loop stops before it (the frame counts 1,200 pixels)."""
    pixels = np.full((300, 300), 200, dtype=np.uint8)
    pixels[:40] = 50
    pixels[-30:, -30:] = 50
    return pixels


def _equal_squares() -> NDArray[np.uint8]:
    """Dark, with four bright squares of 30 x 30 pixels: segments of equal size."""
    pixels = np.full((200, 260), 40, dtype=np.uint8)
    for top, left in ((10, 150), (10, 20), (120, 200), (120, 60)):
        pixels[top : top + 30, left : left + 30] = 220
    return pixels


def _speckled() -> NDArray[np.uint8]:
    """Bright blobs with isolated pixels of both kinds (components of one pixel)."""
    pixels = np.where(_blobs((90, 120), seed=3)[:, :, 0] > 128, 180, 60).astype(np.uint8)
    pixels[::7, ::5] = 255 - pixels[::7, ::5]
    return pixels


CRAFTED: dict[str, Callable[[], NDArray[np.uint8]]] = {
    "dark_corner": _dark_corner,
    "equal_squares": _equal_squares,
    "speckled": _speckled,
    "blobs": lambda: _blobs((120, 150), seed=0)[:, :, 0],
    "blobs_tall": lambda: _blobs((160, 70), seed=1)[:, :, 0],
}


@pytest.mark.parametrize("name", CRAFTED)
def test_segments_are_imagehash_s_in_the_same_order(name: str) -> None:
    pixels = CRAFTED[name]()

    assert _our_segments(pixels) == _imagehash_segments(pixels)


def test_the_valley_loop_stops_before_a_small_last_valley_as_imagehash_s_does() -> None:
    # A check of the case itself: the dark corner (900 pixels) is no segment.
    sizes = [size for size, _ in _our_segments(_dark_corner())]

    assert sizes == [300 * 300 - 40 * 300 - 900, 40 * 300]


def test_equal_sizes_keep_imagehash_s_order_when_segments_are_limited() -> None:
    pixels = _equal_squares()
    found = _find_all_segments(pixels)
    kept = sorted(found, key=len, reverse=True)[:3]
    expected = [(min(r for r, _ in s), min(c for _, c in s)) for s in kept]

    boxes = segmentation.largest_segments(pixels, 3)

    assert [(rows.start, columns.start) for rows, columns in boxes] == expected


# --------------------------------------------------------------------------- crop_resistant


@pytest.mark.parametrize("name", [*PHOTOS, *(f"{n}_crop" for n in CROP_PHOTOS)])
def test_crop_resistant_segment_hashes_are_imagehash_s(
    name: str, references: dict[str, tuple[RGB, imagehash.ImageMultiHash]]
) -> None:
    pixels, reference = references[name]

    assert segmentation.segments_text(_stored(pixels)) == str(reference)


RANDOM_IMAGES: dict[str, Callable[[], RGB]] = {
    "blobs_400x300": lambda: _blobs((300, 400), seed=5),
    "blobs_90x140": lambda: _blobs((140, 90), seed=6),
    "noise_64x48": lambda: _noise((48, 64), seed=7),
    "checkerboard": lambda: _checkerboard(20),
}
"""Random shapes and sizes; the checkerboard's squares (400 pixels) are no segment, so
the whole image is the one segment."""


def _checkerboard(square: int) -> RGB:
    cells = (np.indices((300, 300)) // square).sum(axis=0) % 2
    return np.repeat((cells * 255).astype(np.uint8)[:, :, None], 3, axis=2)


@pytest.mark.parametrize("name", RANDOM_IMAGES)
def test_crop_resistant_of_random_images_is_imagehash_s(name: str) -> None:
    pixels = RANDOM_IMAGES[name]()

    assert segmentation.segments_text(_stored(pixels)) == str(_reference(pixels))


def test_crop_resistant_at_another_hash_size_is_imagehash_s() -> None:
    pixels = load_photo("coffee")
    params = FeatureParams(hash_size=5, segments=SEGMENTS)

    value = get_feature("crop_resistant").extract(pixels, params).astype(np.uint8)

    assert segmentation.segments_text(value) == str(_reference(pixels, hash_size=5))


def test_a_photo_with_fewer_segments_leaves_the_other_slots_empty(
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]],
) -> None:
    pixels, _ = references["rocket"]  # 2 segments

    value = _stored(pixels)

    assert not value[segmentation.HEADER_BYTES + 2 * 8 :].any()


def test_the_stored_value_has_the_length_the_spec_declares() -> None:
    params = FeatureParams(hash_size=5, segments=3)

    value = get_feature("crop_resistant").extract(load_photo("camera"), params)

    assert value.size * 8 == get_feature("crop_resistant").dim(params)


# --------------------------------------------------------------------------- segments distance


def _stored_many(
    names: list[str], found: dict[str, tuple[RGB, imagehash.ImageMultiHash]]
) -> NDArray[np.uint8]:
    return np.stack([_stored(found[name][0]) for name in names])


DIRECTIONS = [(name, forward) for name in CROP_PHOTOS for forward in (True, False)]


@pytest.mark.parametrize(("name", "crop_first"), DIRECTIONS)
def test_segments_distance_of_a_photo_and_its_crop_is_imagehash_s(
    name: str, crop_first: bool, references: dict[str, tuple[RGB, imagehash.ImageMultiHash]]
) -> None:
    a, b = (f"{name}_crop", name) if crop_first else (name, f"{name}_crop")

    ours = imgsim.distance("segments", _stored(references[a][0]), _stored(references[b][0]))

    assert ours == references[a][1] - references[b][1]


def test_segments_distance_reads_the_unpacked_bits_as_well(
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]],
) -> None:
    spec = get_feature("crop_resistant")
    bits = spec.vectors(_stored_many(["chelsea_crop", "chelsea"], references))

    ours = imgsim.distance("segments", bits[0], bits[1])

    assert ours == references["chelsea_crop"][1] - references["chelsea"][1]


def test_segments_distance_counts_the_segments_of_its_first_argument() -> None:
    # A crop whose one segment is in the whole image, which has a second one: every
    # segment of the crop is matched, half of those of the whole image are.
    one, other = np.packbits(np.arange(64) % 3 == 0), np.packbits(np.arange(64) % 2 == 0)
    crop = segmentation.pack_segments([one], 8, SEGMENTS)
    whole = segmentation.pack_segments([one, other], 8, SEGMENTS)

    assert imgsim.distance("segments", crop, whole) != imgsim.distance("segments", whole, crop)


def test_segments_distance_between_all_photos_is_imagehash_s(
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]],
) -> None:
    names = list(references)
    expected = np.array([[references[a][1] - references[b][1] for b in names] for a in names])

    ours = imgsim.pairwise(
        "segments", _stored_many(names, references), _stored_many(names, references)
    )

    np.testing.assert_array_equal(ours, expected)


def _random_multihashes(
    rng: np.random.Generator, count: int, hash_size: int, base: NDArray[np.bool_]
) -> list[list[NDArray[np.bool_]]]:
    """Multi-hashes of 1 to SEGMENTS segments: segments of ``base`` with a few bits
    flipped (matches within the cutoff and beyond), or random ones."""
    bits = hash_size * hash_size
    found = []
    for _ in range(count):
        hashes = []
        for _ in range(int(rng.integers(1, SEGMENTS + 1))):
            if rng.random() < 0.7:
                flips = rng.permutation(bits)[: rng.integers(0, bits // 2)]
                segment = base[rng.integers(len(base))].copy()
                segment[flips] = ~segment[flips]
            else:
                segment = rng.random(bits) < 0.5
            hashes.append(segment)
        found.append(hashes)
    return found


@pytest.mark.parametrize("hash_size", [4, 8])
def test_segments_distance_of_random_multihashes_is_imagehash_s(hash_size: int) -> None:
    rng = np.random.default_rng(hash_size)
    base = rng.random((5, hash_size * hash_size)) < 0.5
    queries = _random_multihashes(rng, 12, hash_size, base)
    gallery = _random_multihashes(rng, 9, hash_size, base)

    def ours(multihashes: list[list[NDArray[np.bool_]]]) -> NDArray[np.uint8]:
        return np.stack(
            [segmentation.pack_segments([np.packbits(h) for h in m], hash_size, SEGMENTS)
             for m in multihashes]
        )  # fmt: skip

    def theirs(multihashes: list[list[NDArray[np.bool_]]]) -> list[imagehash.ImageMultiHash]:
        return [imagehash.ImageMultiHash([imagehash.ImageHash(h) for h in m]) for m in multihashes]

    expected = np.array([[a - b for b in theirs(gallery)] for a in theirs(queries)])

    np.testing.assert_array_equal(
        imgsim.pairwise("segments", ours(queries), ours(gallery)), expected
    )


def _random_values(seed: int, count: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    base = rng.random((5, 64)) < 0.5
    multihashes = _random_multihashes(rng, count, 8, base)
    return np.stack(
        [segmentation.pack_segments([np.packbits(h) for h in m], 8, SEGMENTS) for m in multihashes]
    )


@pytest.mark.parametrize("seed", range(3))
def test_segments_distance_of_a_hash_to_itself_is_zero(seed: int) -> None:
    values = _random_values(seed, 10)

    np.testing.assert_array_equal(np.diag(imgsim.pairwise("segments", values, values)), 0.0)


@pytest.mark.parametrize("seed", range(3))
def test_segments_distance_is_at_most_the_number_of_segments_of_a(seed: int) -> None:
    queries, gallery = _random_values(seed, 10), _random_values(seed + 10, 7)
    segments_of_a = queries[:, 3].astype(np.float64) * 256 + queries[:, 4]

    distances = imgsim.pairwise("segments", queries, gallery)

    assert np.all((distances >= 0) & (distances <= segments_of_a[:, np.newaxis]))


def test_segments_distance_in_small_blocks_equals_one_block(
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]], monkeypatch: pytest.MonkeyPatch
) -> None:
    values = _stored_many(list(references), references)
    whole = imgsim.pairwise("segments", values, values)
    monkeypatch.setattr(multihash, "_BLOCK_BYTES", 1)

    np.testing.assert_array_equal(imgsim.pairwise("segments", values, values), whole)


def test_segments_distance_refuses_values_of_another_feature() -> None:
    phash = get_feature("phash").extract(load_photo("camera"), FeatureParams())

    with pytest.raises(ValueError, match="x must hold crop_resistant values"):
        imgsim.distance("segments", phash, phash)


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def png_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Folders ``queries`` (a 20 % crop of the astronaut) and ``gallery`` (the astronaut
    and two other photographs), as PNG files."""
    root = tmp_path_factory.mktemp("crops")
    queries, gallery = root / "queries", root / "gallery"
    queries.mkdir()
    gallery.mkdir()
    Image.fromarray(_cropped(load_photo("astronaut"))).save(queries / "astronaut.png")
    for name in ("astronaut", "chelsea", "coffee"):
        Image.fromarray(load_photo(name)).save(gallery / f"{name}.png")
    return queries, gallery


def _decoded(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _crop_minus_whole(found: dict[str, tuple[RGB, imagehash.ImageMultiHash]]) -> float:
    """imagehash's ``a - b`` of the astronaut's crop and the astronaut (the pixels of
    ``png_pair``'s files: PNG is lossless)."""
    distance: float = found["astronaut_crop"][1] - found["astronaut"][1]
    return distance


def test_compare_scores_crop_resistant_as_imagehash_s_a_minus_b(
    cli: CliRunnerFn,
    png_pair: tuple[Path, Path],
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]],
) -> None:
    crop, whole = png_pair[0] / "astronaut.png", png_pair[1] / "astronaut.png"
    expected = _crop_minus_whole(references)

    result = cli("compare", crop, whole, "-m", "crop_resistant", "--format", "csv")

    assert float(_csv_rows(result.stdout)[0]["crop_resistant"]) == expected


def test_compare_scores_colorhash_as_imagehash_s_hamming_distance(
    cli: CliRunnerFn, png_pair: tuple[Path, Path]
) -> None:
    a, b = png_pair[1] / "chelsea.png", png_pair[1] / "coffee.png"
    expected = imagehash.colorhash(_decoded(a)) - imagehash.colorhash(_decoded(b))

    result = cli("compare", a, b, "-m", "colorhash", "--format", "csv")

    assert int(_csv_rows(result.stdout)[0]["colorhash"]) == expected


def test_extract_writes_colorhash_as_imagehash_s_hex(
    cli: CliRunnerFn, png_pair: tuple[Path, Path]
) -> None:
    path = png_pair[1] / "chelsea.png"

    result = cli("extract", path, "-f", "colorhash", "--format", "csv")

    assert _csv_rows(result.stdout)[0]["colorhash"] == str(imagehash.colorhash(_decoded(path)))


def test_extract_writes_crop_resistant_as_imagehash_s_text(
    cli: CliRunnerFn,
    png_pair: tuple[Path, Path],
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]],
) -> None:
    path = png_pair[1] / "astronaut.png"

    result = cli("extract", path, "-f", "crop_resistant", "--format", "csv")

    assert _csv_rows(result.stdout)[0]["crop_resistant"] == str(references["astronaut"][1])


def test_rank_finds_the_photo_a_crop_was_cut_from(
    cli: CliRunnerFn, png_pair: tuple[Path, Path]
) -> None:
    result = cli("rank", *png_pair, "-f", "crop_resistant", "-k", "1", "--format", "csv")

    assert Path(_csv_rows(result.stdout)[0]["match"]).name == "astronaut.png"


def test_rank_scores_are_the_segments_distance(
    cli: CliRunnerFn,
    png_pair: tuple[Path, Path],
    references: dict[str, tuple[RGB, imagehash.ImageMultiHash]],
) -> None:
    queries, gallery = png_pair
    expected = _crop_minus_whole(references)

    result = cli("rank", queries, gallery, "-f", "crop_resistant", "-k", "1", "--format", "csv")

    assert float(_csv_rows(result.stdout)[0]["segments"]) == expected


def test_compare_refuses_the_segments_distance_on_another_feature(
    cli: CliRunnerFn, png_pair: tuple[Path, Path]
) -> None:
    path = png_pair[1] / "chelsea.png"

    result = cli("compare", path, path, "-m", "color_hist:segments")

    assert result.exit_code == 2

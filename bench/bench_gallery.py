"""``imgsim rank new.png GALLERY`` against a million-image gallery index.

A gallery index (``extract --out X.imgidx``) opens memory-mapped, so one query against
1,000,000 stored images must cost the query's decode plus the search, not a load of
the gallery. Target (issue 19): the rank against 1,000,000 images takes at most 2x
(the same rank against 1,000 images + the bare faiss search of the 1,000,000).

Two galleries, built once with random values through imgsim's own writer
(:mod:`imgsim.gallery_writer`) and cached under ``bench/.data/gallery``:

1. 1,000,000 x 256-bit pHashes (``-f phash --hash-size 16``, Hamming): the bare
   search is ``faiss.IndexBinaryFlat(256)``: add the hashes, search one query.
2. 1,000,000 x 216 colour histograms (``-f color_hist --bins 6 -d cosine``): the bare
   search is ``faiss.IndexFlatIP``: add the unit rows, search one query.

The rank runs are the installed ``imgsim`` in a process of its own (``--no-cache``:
the query is decoded every time), best of a few, the gallery's pages warm in the page
cache (as for a gallery in use); the faiss times are in this process, on the values
already in memory.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from harness import Result, at_most, fastest, fastest_call, format_seconds, run_imgsim

if TYPE_CHECKING:
    from imgsim.features import FeatureParams

DATA = Path(__file__).resolve().parent / ".data" / "gallery"
LARGE, SMALL = 1_000_000, 1_000
REPEAT = 3
TARGET = 2.0


def run() -> list[Result]:
    """The two rank benchmarks."""
    query = _query_image()
    return [
        _rank_result(
            "rank 1 image, 1M x 256-bit phash index",
            query,
            ("-f", "phash", "--hash-size", "16"),
            _hash_galleries(),
            _bare_hamming,
        ),
        _rank_result(
            "rank 1 image, 1M x 216 color_hist index, cosine",
            query,
            ("-f", "color_hist", "--bins", "6", "-d", "cosine"),
            _histogram_galleries(),
            _bare_cosine,
        ),
    ]


def _query_image() -> Path:
    from PIL import Image
    from skimage import data

    path = DATA / "query.png"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        Image.fromarray(data.astronaut()[:256, :256]).save(path)
    return path


def _build(path: Path, feature: str, params: FeatureParams, rows: np.ndarray) -> None:
    """Write ``rows`` as a gallery index of ``feature`` (paths synthetic/N.png)."""
    from imgsim.features import get_feature
    from imgsim.gallery_writer import creating

    spec = get_feature(feature)
    with creating(path, [spec], params) as writer:
        for number, row in enumerate(rows):
            writer.add(f"synthetic/{number:07d}.png", {feature: row})


def _cached(
    name: str, feature: str, params: FeatureParams, make_rows: Callable[[], np.ndarray]
) -> tuple[Path, Path]:
    large, small = DATA / f"{name}_{LARGE}.imgidx", DATA / f"{name}_{SMALL}.imgidx"
    if not (large.exists() and small.exists()):
        DATA.mkdir(parents=True, exist_ok=True)
        rows = make_rows()
        _build(large, feature, params, rows)
        _build(small, feature, params, rows[:SMALL])
    return large, small


def _hash_galleries() -> tuple[Path, Path]:
    from imgsim.features import FeatureParams

    def rows() -> np.ndarray:
        return np.random.default_rng(0).integers(0, 256, (LARGE, 32), dtype=np.uint8)

    return _cached("phash16", "phash", FeatureParams(hash_size=16), rows)


def _histogram_galleries() -> tuple[Path, Path]:
    from imgsim.features import FeatureParams

    def rows() -> np.ndarray:
        generator = np.random.default_rng(1)
        return generator.dirichlet(np.full(216, 0.3), LARGE).astype(np.float32)

    return _cached("color_hist6", "color_hist", FeatureParams(bins=6), rows)


def _stored(path: Path, feature: str) -> np.ndarray:
    from imgsim.gallery import open_index

    return np.array(open_index(path).values(feature))


def _bare_hamming(large: Path) -> float:
    import faiss

    hashes = _stored(large, "phash")
    query = hashes[:1].copy()

    def search() -> None:
        index = faiss.IndexBinaryFlat(256)
        index.add(hashes)
        index.search(query, 5)

    return fastest(search, REPEAT)


def _bare_cosine(large: Path) -> float:
    import faiss

    unit = _stored(large, "color_hist")
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    query = unit[:1].copy()

    def search() -> None:
        index = faiss.IndexFlatIP(unit.shape[1])
        index.add(unit)
        index.search(query, 5)

    return fastest(search, REPEAT)


def _rank_result(
    name: str,
    query: Path,
    options: tuple[str, ...],
    galleries: tuple[Path, Path],
    bare: Callable[[Path], float],
) -> Result:
    large, small = galleries

    def rank(gallery: Path) -> str:
        arguments = ["rank", query, gallery, *options, "-k", "5", "--no-cache", "--quiet"]
        return run_imgsim([*arguments, "--format", "csv"]).stdout

    rank(large)  # the gallery's pages into the page cache
    small_seconds = fastest(lambda: rank(small), REPEAT)
    large_seconds, rows = fastest_call(lambda: rank(large), REPEAT)
    # The largest peak of any process this one has waited for: the ranks so far.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    faiss_seconds = bare(large)
    limit = TARGET * (small_seconds + faiss_seconds)
    return at_most(
        name,
        measured=100 * large_seconds / (small_seconds + faiss_seconds),
        limit=100 * TARGET,
        unit="% of (1,000-image rank + faiss)",
        imgsim_seconds=large_seconds,
        details=(
            f"imgsim rank QUERY.png GALLERY.imgidx {' '.join(options)} -k 5: "
            f"{format_seconds(large_seconds)} against {LARGE:,} images, "
            f"{format_seconds(small_seconds)} against {SMALL:,}",
            f"bare faiss search of the {LARGE:,} (add + search 1 query, in memory): "
            f"{format_seconds(faiss_seconds)}; limit {TARGET:g} x "
            f"({format_seconds(small_seconds)} + {format_seconds(faiss_seconds)}) = "
            f"{format_seconds(limit)}",
            f"{len(rows.splitlines()) - 1} rows; peak resident memory of a rank process so far "
            f"(getrusage of the children): {peak_mb:.0f} MB",
        ),
    )

"""``imgsim.topk`` (the search behind ``imgsim rank``) against the field's standard tools.

1. Cosine top-10 of 1,000 queries in a 1,000,000 x 256 float32 gallery against a
   bare ``faiss.IndexFlatIP`` (add + search) on the same unit vectors. Target:
   imgsim at most 1.25x the time, with the same neighbours.
2. Hamming top-10 of 1,000 queries among 1,000,000 64-bit hashes against a bare
   ``faiss.IndexBinaryFlat``. Target: at most 1.5x the time, same distances.
3. Manhattan top-10 of 100 queries in 100,000 x 512 histograms against
   ``scipy.spatial.distance.cdist(..., "cityblock")`` + ``argpartition``. Target:
   no slower.
4. Memory: peak resident memory of a cosine search beyond the gallery itself, in
   a process of its own (VmHWM minus VmRSS once the gallery exists). Target:
   under 400 MB.

All timings are in this process (one BLAS for both sides), best of a few runs.
faiss runs on every core, as imgsim does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
from harness import BenchmarkError, Result, check, fastest_call, format_seconds, speedup

REPEAT = 2
MEMORY_LIMIT_MB = 400


def run() -> list[Result]:
    """The four search benchmarks."""
    return [cosine_search(), hamming_search(), manhattan_search(), search_memory()]


def _unit_rows(rows: int, dimension: int, seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).standard_normal((rows, dimension), dtype=np.float32)
    values /= np.linalg.norm(values, axis=1, keepdims=True)
    return values


def cosine_search() -> Result:
    """Top-10 cosine over 1M x 256: imgsim.topk against IndexFlatIP."""
    import faiss

    import imgsim

    gallery = _unit_rows(1_000_000, 256, seed=0)
    queries = _unit_rows(1_000, 256, seed=1)

    def bare() -> tuple[np.ndarray, np.ndarray]:
        index = faiss.IndexFlatIP(gallery.shape[1])
        index.add(gallery)
        scores, found = index.search(queries, 10)
        return found, scores

    reference_seconds, (reference_index, _) = fastest_call(bare, REPEAT)
    imgsim_seconds, (index, _) = fastest_call(
        lambda: imgsim.topk(queries, gallery, 10, "cosine"), REPEAT
    )
    same = float((index == reference_index).mean())
    if same < 0.999:
        raise BenchmarkError(f"imgsim and faiss disagree on {1 - same:.2%} of the neighbours")
    return speedup(
        "topk cosine, 1M x 256, 1000 queries",
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        at_least=1 / 1.25,
        details=(
            "imgsim: `imgsim.topk(queries, gallery, 10, 'cosine')` (normalises and searches "
            "the gallery in blocks of 256 MB with faiss.knn)",
            "reference: faiss.IndexFlatIP: add the 1M unit vectors, search 1000 queries, k=10",
            f"same result: {same:.2%} of the neighbours identical; target ratio ≥ 0.80, "
            "i.e. at most 1.25x faiss's time",
        ),
    )


def hamming_search() -> Result:
    """Top-10 Hamming over 1M 64-bit hashes: imgsim.topk against IndexBinaryFlat."""
    import faiss

    import imgsim

    rng = np.random.default_rng(2)
    gallery = rng.integers(0, 256, (1_000_000, 8), dtype=np.uint8)
    queries = rng.integers(0, 256, (1_000, 8), dtype=np.uint8)

    def bare() -> tuple[np.ndarray, np.ndarray]:
        index = faiss.IndexBinaryFlat(64)
        index.add(gallery)
        distances, found = index.search(queries, 10)
        return found, distances

    reference_seconds, (_, reference_distances) = fastest_call(bare, REPEAT)
    imgsim_seconds, (_, distances) = fastest_call(
        lambda: imgsim.topk(queries, gallery, 10, "hamming"), REPEAT
    )
    if not np.array_equal(distances, reference_distances):
        raise BenchmarkError("imgsim's Hamming distances differ from faiss's")
    return speedup(
        "topk hamming, 1M 64-bit hashes, 1000 queries",
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        at_least=1 / 1.5,
        details=(
            "imgsim: `imgsim.topk(queries, gallery, 10, 'hamming')` on packed uint8 hashes",
            "reference: faiss.IndexBinaryFlat(64): add, search 1000 queries, k=10",
            "same result: identical distances; target ratio ≥ 0.67, i.e. at most 1.5x",
        ),
    )


def manhattan_search() -> Result:
    """Top-10 manhattan over 100k x 512 histograms: imgsim.topk against SciPy cdist."""
    from scipy.spatial.distance import cdist

    import imgsim

    rng = np.random.default_rng(3)
    gallery = rng.dirichlet(np.full(512, 0.3), 100_000).astype(np.float32)
    queries = rng.dirichlet(np.full(512, 0.3), 100).astype(np.float32)

    def reference() -> np.ndarray:
        distances = cdist(queries, gallery, "cityblock")
        nearest = np.argpartition(distances, 10, axis=1)[:, :10]
        order = np.argsort(np.take_along_axis(distances, nearest, axis=1), axis=1)
        return np.take_along_axis(nearest, order, axis=1)

    reference_seconds, reference_index = fastest_call(reference, REPEAT)
    imgsim_seconds, (index, _) = fastest_call(
        lambda: imgsim.topk(queries, gallery, 10, "manhattan"), REPEAT
    )
    same = float((index == reference_index).mean())
    if same < 0.999:
        raise BenchmarkError(f"imgsim and cdist disagree on {1 - same:.2%} of the neighbours")
    return speedup(
        "topk manhattan, 100k x 512, 100 queries",
        imgsim_seconds=imgsim_seconds,
        reference_seconds=reference_seconds,
        at_least=1.0,
        details=(
            "imgsim: `imgsim.topk(queries, gallery, 10, 'manhattan')` (faiss METRIC_L1)",
            "reference: scipy cdist(queries, gallery, 'cityblock') + argpartition + sort",
            f"same result: {same:.2%} of the neighbours identical",
        ),
    )


_MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import imgsim
    import faiss  # imported before the baseline: code, not search memory

    def status(field):
        for line in open("/proc/self/status"):
            if line.startswith(field):
                return int(line.split()[1]) / 1024
        raise KeyError(field)

    rows = 1_000_000  # raw (not unit) vectors: the search normalises a block at a time
    gallery = np.random.default_rng(0).standard_normal((rows, 256), dtype=np.float32)
    queries = gallery[:1000].copy()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # restart the peak (VmHWM) from the current resident size
    baseline = status("VmRSS:")
    start = __import__("time").perf_counter()
    imgsim.topk(queries, gallery, 10, "cosine")
    seconds = __import__("time").perf_counter() - start
    print(json.dumps({"baseline": baseline, "peak": status("VmHWM:"), "seconds": seconds,
                      "gallery": gallery.nbytes / 2**20}))
    """
)


def search_memory() -> Result:
    """Peak memory of a 1M x 256 cosine search beyond the gallery, in a fresh process."""
    completed = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchmarkError(f"memory probe failed: {completed.stderr.strip()[-500:]}")
    probe = json.loads(completed.stdout)
    extra = probe["peak"] - probe["baseline"]
    return check(
        "topk cosine, 1M x 256: memory beyond the gallery",
        target=f"< {MEMORY_LIMIT_MB} MB (measured {extra:.0f} MB)",
        passed=extra < MEMORY_LIMIT_MB,
        details=(
            f"peak resident {probe['peak']:.0f} MB (VmHWM) - {probe['baseline']:.0f} MB once the "
            f"{probe['gallery']:.0f} MB gallery and the modules were loaded; search took "
            f"{format_seconds(probe['seconds'])}",
        ),
    )

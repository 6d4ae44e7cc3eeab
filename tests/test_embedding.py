"""The engine's model stage (imgsim/embedding.py): model inputs that arrive in chunks of
any size are embedded in full batches, and every result goes on in input order.

:func:`in_batches` is driven with a fake model that records what it is given; then the
whole engine runs a real ONNX model (tests/onnx_support.py) with one and two workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest
from cli_support import save_image
from extract_support import photo
from numpy.typing import NDArray
from onnx_support import ConvNet

from imgsim.embedding import in_batches
from imgsim.engine import ExtractOptions, ImageResult, extract_files
from imgsim.features import FeatureParams, FeatureSpec, get_feature
from imgsim.features.onnx_feature import OnnxFeature
from imgsim.features.onnx_model import OnnxModel
from imgsim.features.spec import ParamValue

NAME = "model"
BATCH = 4
PARAMS = FeatureParams(batch_size=BATCH)


@dataclass
class RecordingModel:
    """A :class:`~imgsim.features.spec.Model` whose embedding of input ``[k]`` is
    ``[10 k]``; it records how many inputs each call is given."""

    calls: list[int] = field(default_factory=list)

    def values(self, params: FeatureParams) -> dict[str, ParamValue]:
        return {"model": "recording"}

    def params_of(self, values: Mapping[str, ParamValue]) -> FeatureParams:
        return FeatureParams()

    def load(self, params: FeatureParams, threads: int | None) -> None:
        return None

    def dimension(self, params: FeatureParams) -> int:
        return 1

    def embed(
        self, inputs: NDArray[np.float32], params: FeatureParams, threads: int | None
    ) -> NDArray[np.float32]:
        self.calls.append(len(inputs))
        return np.asarray(inputs * 10, dtype=np.float32)


def model_spec(model: RecordingModel) -> FeatureSpec:
    return replace(get_feature("color_hist"), name=NAME, model=model)


def waiting(index: int) -> ImageResult:
    """A computed result whose model input still waits: ``[index]``."""
    value = np.asarray([index], dtype=np.float32)
    return ImageResult(path=Path(f"{index:03d}.png"), width=8, height=8, inputs={NAME: value})


def from_store(index: int) -> ImageResult:
    """A result found in the store: its embedding is known, ``[10 index]``."""
    value = np.asarray([10 * index], dtype=np.float32)
    return ImageResult(
        path=Path(f"{index:03d}.png"), width=8, height=8, features={NAME: value}, stored=True
    )


def chunks_of(sizes: Sequence[int]) -> list[list[ImageResult]]:
    """Chunks of waiting results of ``sizes``, numbered on from 0 across the chunks."""
    chunks, start = [], 0
    for size in sizes:
        chunks.append([waiting(index) for index in range(start, start + size)])
        start += size
    return chunks


def flat(batches: Iterator[list[ImageResult]]) -> list[ImageResult]:
    return [result for batch in batches for result in batch]


# --- full batches across chunks -----------------------------------------------------------


def test_model_is_given_whole_batches_across_chunks_but_the_last() -> None:
    model = RecordingModel()
    flat(in_batches(chunks_of([3, 5, 2, 7]), [model_spec(model)], PARAMS, threads=1))
    assert model.calls == [8, 8, 1]


def test_every_call_but_the_last_is_a_multiple_of_the_batch_size() -> None:
    model = RecordingModel()
    flat(in_batches(chunks_of([1, 6, 3, 9, 2, 5]), [model_spec(model)], PARAMS, threads=1))
    assert [count % BATCH for count in model.calls[:-1]] == [0] * (len(model.calls) - 1)


def test_results_come_out_in_input_order() -> None:
    results = flat(in_batches(chunks_of([3, 5, 2, 7]), [model_spec(RecordingModel())], PARAMS, 1))
    assert [result.path.name for result in results] == [f"{i:03d}.png" for i in range(17)]


def test_each_result_holds_its_own_inputs_embedding() -> None:
    results = flat(in_batches(chunks_of([3, 5, 2, 7]), [model_spec(RecordingModel())], PARAMS, 1))
    embeddings = [float(result.features[NAME][0]) for result in results]
    assert embeddings == [10.0 * index for index in range(17)]


def test_embedded_results_hold_no_inputs() -> None:
    results = flat(in_batches(chunks_of([3, 5, 2, 7]), [model_spec(RecordingModel())], PARAMS, 1))
    assert [result.inputs for result in results] == [{}] * 17


# --- results that wait for nothing ----------------------------------------------------------

MIXED = [
    [waiting(0), from_store(1), waiting(2)],
    [from_store(3), waiting(4), waiting(5), from_store(6), waiting(7), from_store(8)],
    [waiting(9), from_store(10)],
]
"""Chunks in which results from the store come between inputs that wait."""


def test_stored_results_between_waiting_ones_keep_their_place() -> None:
    results = flat(in_batches(MIXED, [model_spec(RecordingModel())], PARAMS, threads=1))
    assert [result.path.name for result in results] == [f"{i:03d}.png" for i in range(11)]


def test_stored_results_pass_through_unchanged() -> None:
    stored = [result for chunk in MIXED for result in chunk if result.stored]
    results = flat(in_batches(MIXED, [model_spec(RecordingModel())], PARAMS, threads=1))
    assert [result for result in results if result.stored] == stored


def test_stored_results_are_not_given_to_the_model() -> None:
    model = RecordingModel()
    flat(in_batches(MIXED, [model_spec(model)], PARAMS, threads=1))
    assert sum(model.calls) == 6


def test_stored_results_go_on_with_the_next_full_batch() -> None:
    """The first full batch (inputs 0, 2, 4, 5) goes out with the stored results 1 and 3
    between them, before the third chunk is read."""
    batches = in_batches(iter(MIXED), [model_spec(RecordingModel())], PARAMS, threads=1)
    assert [result.path.name for result in next(batches)] == [f"{i:03d}.png" for i in range(6)]


def test_stored_results_before_any_waiting_input_go_on_at_once() -> None:
    chunks = [[from_store(0), from_store(1), waiting(2)], [waiting(3)]]
    batches = in_batches(iter(chunks), [model_spec(RecordingModel())], PARAMS, threads=1)
    assert [result.path.name for result in next(batches)] == ["000.png", "001.png"]


def test_a_run_where_nothing_waits_holds_nothing() -> None:
    """Each chunk of stored results goes on before the next one is read."""
    read: list[int] = []

    def chunks() -> Iterator[list[ImageResult]]:
        for number in range(3):
            read.append(number)
            yield [from_store(2 * number), from_store(2 * number + 1)]

    batches = in_batches(chunks(), [model_spec(RecordingModel())], PARAMS, threads=1)
    next(batches)
    assert read == [0]


def test_without_a_model_feature_chunks_pass_as_they_are() -> None:
    chunks = [[from_store(0)], [from_store(1), from_store(2)]]
    assert list(in_batches(chunks, [get_feature("phash")], PARAMS, threads=1)) == chunks


# --- through the engine ------------------------------------------------------------------

NET = ConvNet.random(seed=3)


@pytest.fixture(scope="module")
def run_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], ExtractOptions]:
    """Thirteen small photographs of several sizes, and the options that embed them with
    a 16 x 16 model in batches of 4."""
    root = tmp_path_factory.mktemp("engine")
    names = ("astronaut", "chelsea", "coffee", "rocket", "camera")
    paths = [
        save_image(
            root / f"{index:02d}.png", photo(24 + 4 * index, 20 + 3 * index, names[index % 5])
        )
        for index in range(13)
    ]
    model = NET.save(root / "model.onnx", ["N", 3, 16, 16], two_outputs=True)
    return paths, ExtractOptions(features=(f"onnx:{model}#pooled",), params=PARAMS)


def embeddings(
    paths: list[Path], options: ExtractOptions, workers: int, chunk_size: int
) -> NDArray[np.float32]:
    results = extract_files(paths, options, workers=workers, chunk_size=chunk_size)
    return np.stack([result.features[options.features[0]] for result in results])


def test_two_workers_give_the_values_of_one(
    run_inputs: tuple[list[Path], ExtractOptions],
) -> None:
    paths, options = run_inputs
    one = embeddings(paths, options, workers=1, chunk_size=3)
    np.testing.assert_allclose(embeddings(paths, options, workers=2, chunk_size=3), one, atol=1e-6)


@pytest.mark.parametrize("workers", [2, 1])
def test_the_session_has_a_thread_per_worker(
    run_inputs: tuple[list[Path], ExtractOptions], workers: int
) -> None:
    paths, options = run_inputs
    embeddings(paths, options, workers=workers, chunk_size=3)
    feature = OnnxFeature.parse(options.features[0])
    assert feature.model(options.params).threads == workers


def test_the_runtime_sees_full_batches_across_chunks(
    run_inputs: tuple[list[Path], ExtractOptions], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, options = run_inputs
    seen: list[int] = []
    run = OnnxModel.run

    def recording(model: OnnxModel, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        seen.append(len(batch))
        return run(model, batch)

    monkeypatch.setattr(OnnxModel, "run", recording)
    embeddings(paths, options, workers=1, chunk_size=3)
    assert seen == [4, 4, 4, 1]

"""Model features (``onnx:``) in full batches: the stage of the engine that runs models.

Workers decode each file and prepare its model input (a model feature's ``compute``);
the results come back here, in input order, chunk by chunk. This stage holds them
until ``batch_size`` inputs are waiting, whatever the chunks they came in, runs each
model on the full batches, and lets the results go on, still in input order. So the
model sees full batches with any chunk size, memory holds at most one batch beyond a
chunk, and the runtime's threads (one per worker) do not compete with a second copy
of the model in every worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from imgsim.features import FeatureParams, FeatureSpec

if TYPE_CHECKING:
    from imgsim.engine import ImageResult


def model_specs(specs: Iterable[FeatureSpec]) -> list[FeatureSpec]:
    """The specs of ``specs`` that a model computes in batches."""
    return [spec for spec in specs if spec.model is not None]


def split_inputs(
    values: dict[str, NDArray[np.generic]], specs: Sequence[FeatureSpec]
) -> tuple[dict[str, NDArray[np.generic]], dict[str, NDArray[np.generic]]]:
    """``values`` of one image split into features and model inputs (by feature name)."""
    models = {spec.name for spec in model_specs(specs)}
    features = {name: value for name, value in values.items() if name not in models}
    inputs = {name: value for name, value in values.items() if name in models}
    return features, inputs


def embed_rows(
    rows: Sequence[Mapping[str, NDArray[np.generic]]],
    specs: Sequence[FeatureSpec],
    params: FeatureParams,
    threads: int | None,
) -> list[dict[str, NDArray[np.generic]]]:
    """Each row of computed values (features, and model inputs under the names of model
    features) with the model inputs replaced by embeddings, in the order of ``specs``;
    each model runs once over all the rows (in batches of ``params.batch_size``)."""
    done = [dict(row) for row in rows]
    for spec in model_specs(specs):
        assert spec.model is not None
        if not done:
            break
        inputs = np.stack([row[spec.name] for row in done]).astype(np.float32, copy=False)
        for row, value in zip(done, spec.model.embed(inputs, params, threads), strict=True):
            row[spec.name] = value
    return [{spec.name: row[spec.name] for spec in specs} for row in done]


def embedded(
    results: Sequence[ImageResult],
    specs: Sequence[FeatureSpec],
    params: FeatureParams,
    threads: int | None,
) -> list[ImageResult]:
    """``results`` with every model input replaced by the model's embedding
    (:func:`embed_rows`)."""
    waiting = [index for index, result in enumerate(results) if result.inputs]
    rows = [{**results[index].features, **results[index].inputs} for index in waiting]
    done = list(results)
    for index, features in zip(waiting, embed_rows(rows, specs, params, threads), strict=True):
        done[index] = replace(results[index], features=features, inputs={})
    return done


def in_batches(
    chunks: Iterable[list[ImageResult]],
    specs: Sequence[FeatureSpec],
    params: FeatureParams,
    threads: int | None,
) -> Iterator[list[ImageResult]]:
    """The results of ``chunks``, in order, model inputs embedded in full batches across
    chunks: a run of results goes on once every model input in it is embedded."""
    if not model_specs(specs):
        yield from chunks
        return
    held: list[ImageResult] = []
    for chunk in chunks:
        held += chunk
        waiting = [index for index, result in enumerate(held) if result.inputs]
        full = len(waiting) - len(waiting) % params.batch_size
        # What comes before the first input that waits goes on at once (results from the
        # store, unreadable files); once full batches wait, up to the last of them.
        cut = waiting[full - 1] + 1 if full else (waiting[0] if waiting else len(held))
        if cut:
            yield embedded(held[:cut], specs, params, threads)
            held = held[cut:]
    if held:
        yield embedded(held, specs, params, threads)

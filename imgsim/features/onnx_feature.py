"""The features ``onnx:PATH`` and ``onnx:PATH#OUTPUT``: embeddings of the user's ONNX model.

A model feature is a :class:`~imgsim.features.FeatureSpec` with a
:attr:`~imgsim.features.FeatureSpec.model`: its ``compute`` turns one decoded image
into the model's input (:class:`~imgsim.features.onnx_prep.OnnxPreprocessing`, in the
worker that decoded it), and the engine runs the model on full batches of those
inputs in the process that reads the results, across chunks of files, with as many
onnxruntime threads as the run has workers (:mod:`imgsim.embedding`).

What the values depend on, and so the store key and what a statistics file records:
the model file's SHA-256, the chosen output and every resolved preprocessing value
(options over the model's metadata over the defaults). A changed model file or
option is a miss, never a stale hit; the path itself is not part of it (the key's
name is ``onnx``: :attr:`~imgsim.features.FeatureSpec.key_name`).
"""

from __future__ import annotations

import functools
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imgsim.errors import Argument, ArgumentError, Term, UsageError, Wording, message_of
from imgsim.features.onnx_model import OnnxModel
from imgsim.features.onnx_prep import OnnxPreprocessing
from imgsim.features.spec import ONNX_OPTIONS, FeatureParams, FeatureSpec, ParamValue

PREFIX = "onnx:"
OUTPUT_SEPARATOR = "#"
VERSION = 1
"""Part of every stored value's key: bumped when imgsim's preprocessing changes values."""

OPTION_OF: Mapping[str, str] = {
    "size": "onnx_size",
    "layout": "onnx_layout",
    "value_range": "onnx_range",
    "mean": "onnx_mean",
    "std": "onnx_std",
    "resize": "onnx_resize",
}
"""The :class:`FeatureParams` field of each :class:`OnnxPreprocessing` field."""

_LOADED_MODELS = 4
"""Models (onnxruntime sessions) this process keeps loaded, the most recently used."""


def check_options(params: FeatureParams) -> None:
    """Refuse an ``onnx_`` option's invalid value, naming the option."""
    OnnxPreprocessing(**_named(_overrides(params)))


def _overrides(params: FeatureParams) -> dict[str, Any]:
    """The preprocessing that ``params`` set, by :class:`OnnxPreprocessing` field."""
    given = {field: getattr(params, option) for field, option in OPTION_OF.items()}
    return {field: value for field, value in given.items() if value is not None}


def _named(overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides``, with the errors of their checks naming the ``onnx_`` options."""
    try:
        OnnxPreprocessing(**overrides)
    except ArgumentError as error:
        raise _renamed(error) from None
    return overrides


def _renamed(error: UsageError) -> UsageError:
    """``error`` with each argument it names as the :class:`FeatureParams` option that
    sets it (``size`` is ``onnx_size``: ``--onnx-size`` on the command line)."""

    def rename(term: Term) -> Term:
        if isinstance(term, Argument):
            return argument(term)
        return term

    def argument(term: Argument) -> Argument:
        return replace(term, name=OPTION_OF.get(term.name, term.name))

    if isinstance(error, ArgumentError):
        return ArgumentError(error.template, *map(argument, error.arguments))
    message = message_of(error)
    if isinstance(message, Wording):
        return UsageError(Wording(message.template, *map(rename, message.terms)))
    return error


@dataclass(frozen=True)
class OnnxFeature:
    """The model feature one name stands for: the file and the output it embeds with."""

    name: str
    path: Path
    output: str | None
    """The output chosen with ``#OUTPUT``; ``None``: the model's first."""

    @classmethod
    def parse(cls, name: str) -> OnnxFeature:
        """``onnx:PATH`` or ``onnx:PATH#OUTPUT``; the path may itself contain ``#``:
        only the text after the last one names an output, and only when a file
        ``PATH`` exists without it."""
        text = name[len(PREFIX) :]
        if not text:
            raise UsageError(f"feature {name!r} names no model file: write onnx:PATH.onnx")
        path, separator, output = text.rpartition(OUTPUT_SEPARATOR)
        if separator and path and (Path(path).is_file() or not Path(text).is_file()):
            return cls(name, Path(path), output or None)
        return cls(name, Path(text), None)

    def model(self, params: FeatureParams, threads: int | None = None) -> OnnxModel:
        """The loaded model with the preprocessing of ``params``; ``threads``: the
        session's intra-op threads (``None``: whatever session is loaded already)."""
        return _model(self.path, self.output, _stamp(self.path), _options_key(params), threads)

    def resolved(self, params: FeatureParams) -> Resolved:
        """What the model is with ``params``: known from the process that loaded it
        (:func:`known`), else by loading it here."""
        key = (self.name, _stamp(self.path), _options_key(params))
        found = _resolved.get(key)
        if found is None:
            found = _resolved[key] = Resolved.of(self.model(params))
        return found

    def compute(
        self, image: NDArray[np.uint8], params: FeatureParams, reduced: bool
    ) -> NDArray[np.float32]:
        """The model's input for one image (the engine runs the model on a batch)."""
        batch = self.resolved(params).preprocessing.prepare([image])
        return np.asarray(batch[0], dtype=np.float32)

    def values(self, params: FeatureParams) -> dict[str, ParamValue]:
        return dict(self.resolved(params).values)

    def params_of(self, values: Mapping[str, ParamValue]) -> FeatureParams:
        def numbers(name: str) -> tuple[float, ...] | None:
            text = str(values.get(name, "none"))
            return None if text == "none" else tuple(float(part) for part in text.split(","))

        try:
            height, width = (int(side) for side in str(values["size"]).split(","))
            return FeatureParams(
                onnx_size=(height, width),
                onnx_layout=str(values["layout"]),
                onnx_range=numbers("range"),  # type: ignore[arg-type]
                onnx_mean=numbers("mean"),  # type: ignore[arg-type]
                onnx_std=numbers("std"),  # type: ignore[arg-type]
                onnx_resize=str(values["resize"]),
            )
        except (KeyError, ValueError):
            raise UsageError(
                f"recorded options {dict(values)} are not those of a model feature"
            ) from None

    def load(self, params: FeatureParams, threads: int | None) -> None:
        self.model(params, threads)

    def dimension(self, params: FeatureParams) -> int:
        return self.resolved(params).dimension

    def embed(
        self, inputs: NDArray[np.float32], params: FeatureParams, threads: int | None
    ) -> NDArray[np.float32]:
        model = self.model(params, threads)
        step = params.batch_size
        result = np.empty((len(inputs), model.dimension), dtype=np.float32)
        for start in range(0, len(inputs), step):
            result[start : start + step] = model.run(inputs[start : start + step])
        return result

    def spec(self) -> FeatureSpec:
        return FeatureSpec(
            name=self.name,
            kind="vector",
            version=VERSION,
            default_distance="cosine",
            summary=f"embedding of the ONNX model {self.path}"
            + (f", output {self.output}" if self.output else ""),
            use_when="standard deep-feature FID/KID/PRDC, or retrieval in a learned space",
            uses=ONNX_OPTIONS,
            dim=self.dimension,
            work_side=lambda params: None,
            needs_color=True,
            compute=self.compute,
            model=self,
        )


@functools.lru_cache(maxsize=64)
def onnx_spec(name: str) -> FeatureSpec:
    """The spec of the model feature ``name`` (``onnx:PATH[#OUTPUT]``). The model is read
    when something needs it: its dimension, key or values."""
    return OnnxFeature.parse(name).spec()


OptionsKey = tuple[tuple[str, Any], ...]
Stamp = tuple[int, int, int, int] | None


def _options_key(params: FeatureParams) -> OptionsKey:
    return tuple(sorted(_overrides(params).items()))


@dataclass(frozen=True)
class Resolved:
    """A loaded model as a worker needs it: without its session."""

    preprocessing: OnnxPreprocessing
    values: tuple[tuple[str, ParamValue], ...]
    """What the values depend on (:meth:`OnnxFeature.values`)."""
    dimension: int

    @classmethod
    def of(cls, model: OnnxModel) -> Resolved:
        prep = model.preprocessing
        height, width = prep.size or (0, 0)
        values: dict[str, ParamValue] = {
            "model": model.digest,
            "output": model.output,
            "size": f"{height},{width}",
            "layout": prep.layout,
            "range": _text(prep.value_range),
            "mean": _text(prep.mean),
            "std": _text(prep.std),
            "resize": prep.resize,
        }
        return cls(prep, tuple(values.items()), model.dimension)


_resolved: dict[tuple[str, Stamp, OptionsKey], Resolved] = {}
"""The models this process has resolved, by feature name, file stamp and options."""


def known() -> dict[tuple[str, Stamp, OptionsKey], Resolved]:
    """The models this process has resolved: what the engine gives its workers, so that
    they prepare inputs and find stored values without loading the models themselves."""
    return dict(_resolved)


def remember(found: Mapping[tuple[str, Stamp, OptionsKey], Resolved]) -> None:
    """Take another process's resolved models (:func:`known`)."""
    _resolved.update(found)


def _stamp(path: Path) -> Stamp:
    """The file's inode, size, and modification and change times: a model changed on
    disk is read again (the change time cannot be set back, as the modification time
    can)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


_sessions: OrderedDict[tuple[Any, ...], OnnxModel] = OrderedDict()


def _model(
    path: Path,
    output: str | None,
    stamp: Stamp,
    options: OptionsKey,
    threads: int | None,
) -> OnnxModel:
    """The model, loaded once per file version, output and options (one session each:
    loaded again only for another number of threads)."""
    key = (path.resolve(), output, stamp, options)
    model = _sessions.get(key)
    if model is None or (threads is not None and model.threads != threads):
        try:
            overrides = {field: value for field, value in options}
            model = OnnxModel.load(path, output, threads=threads, **overrides)
        except UsageError as error:
            raise _renamed(error) from None
        _sessions[key] = model
        while len(_sessions) > _LOADED_MODELS:
            _sessions.popitem(last=False)
    _sessions.move_to_end(key)
    return model


def _text(values: tuple[float, ...] | None) -> str:
    """Numbers as recorded in a key: ``0,1``; ``none`` for no values."""
    if values is None:
        return "none"
    return ",".join(repr(float(value)) for value in values)

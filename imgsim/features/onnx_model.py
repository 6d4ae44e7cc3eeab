"""An image embedder that the user brings as an ONNX file: :class:`OnnxModel`.

The field's standard set metrics (FID, KID, precision/recall) are computed on deep
embeddings: InceptionV3 pool3 (pytorch-fid, clean-fid), CLIP, DINOv2. imgsim ships no
weights and never needs PyTorch at scoring time: it runs any model exported to ONNX
on onnxruntime's CPU execution provider, with the preprocessing of
:mod:`imgsim.features.onnx_prep`. onnxruntime is the optional extra ``imgsim[onnx]``,
imported only when a model is loaded.

The model must have one float32 input of rank 4 (batch, and height, width, channels
in its ``layout``); each selected output is flattened per image into a float32 vector.
"""

from __future__ import annotations

import hashlib
import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from imgsim.defaults import DEFAULT_BATCH_SIZE
from imgsim.errors import Argument, ArgumentError, UsageError, Wording, literal
from imgsim.features.onnx_prep import Layout, OnnxPreprocessing, ResizeFilter, resolve

INSTALL = "pip install 'imgsim[onnx]'"
"""The command that installs onnxruntime with imgsim."""

Dim = int | str | None
"""One dimension of an input or output as onnxruntime reports it: a size, or a symbolic
name (``"batch"``) or ``None`` when it is dynamic."""


def import_onnxruntime() -> ModuleType:
    """onnxruntime, or a :class:`UsageError` that gives the install command."""
    try:
        return importlib.import_module("onnxruntime")
    except ImportError:
        raise UsageError(
            f"ONNX models need onnxruntime, which is not installed: {INSTALL}"
        ) from None


@dataclass(frozen=True)
class OnnxModel:
    """A loaded ONNX image model: its file, digest, chosen output and preprocessing.

    Build it with :meth:`load`. :attr:`digest`, :attr:`output` and every field of
    :attr:`preprocessing` decide what the embeddings are, so a store key holds all three.
    """

    path: Path
    digest: str
    """SHA-256 of the file's bytes, in hex."""
    input_name: str
    input_shape: tuple[Dim, ...]
    output: str
    """The output that :meth:`embed` returns (the first output unless one was chosen)."""
    outputs: tuple[str, ...]
    preprocessing: OnnxPreprocessing
    """The resolved preprocessing; its ``size`` is always set."""
    session: Any
    """The ``onnxruntime.InferenceSession``."""
    dimension: int
    """Length of each embedding: the selected output's values per image."""
    threads: int | None = None
    """The session's intra-op threads (``None``: onnxruntime's default)."""

    @classmethod
    def load(
        cls,
        path: str | Path,
        output: str | None = None,
        *,
        size: int | tuple[int, int] | None = None,
        layout: Layout | None = None,
        value_range: tuple[float, float] | None = None,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        resize: ResizeFilter | None = None,
        threads: int | None = None,
    ) -> OnnxModel:
        """Read and check the model at ``path``.

        ``output`` names the output to embed with (default: the first). The
        preprocessing options that are given override the file's metadata properties
        (:data:`~imgsim.features.onnx_prep.METADATA_KEYS`), which override the defaults
        of :class:`~imgsim.features.onnx_prep.OnnxPreprocessing`; ``size`` is needed
        only when the model's height and width are dynamic. ``threads``: onnxruntime's
        intra-op threads (``None``: its default, all cores), so that a process pool
        and the runtime do not oversubscribe the cores.

        Raises :class:`UsageError` naming the file when it is not a usable ONNX image
        model, and :class:`ArgumentError` for an option's invalid value.
        """
        if threads is not None and threads < 1:
            raise ArgumentError(f"{{}} must be at least 1, got {threads}", Argument("threads"))
        runtime = import_onnxruntime()
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise UsageError(f"{path}: cannot read the ONNX model: {error.strerror}") from None
        session = _session(runtime, content, path, threads)
        inputs = session.get_inputs()
        if len(inputs) != 1:
            names = ", ".join(entry.name for entry in inputs)
            raise UsageError(
                f"{path}: an image model has one input, this one has {len(inputs)}: {names}"
            )
        model_input = inputs[0]
        shape: tuple[Dim, ...] = tuple(model_input.shape)
        if len(shape) != 4:
            raise UsageError(
                f"{path}: input {model_input.name!r} has shape {_shape_text(shape)}; an image "
                "model needs a rank-4 input (batch, channels, height, width) or "
                "(batch, height, width, channels)"
            )
        if model_input.type != "tensor(float)":
            raise UsageError(
                f"{path}: input {model_input.name!r} is {model_input.type}; "
                "imgsim feeds tensor(float)"
            )
        outputs = tuple(entry.name for entry in session.get_outputs())
        chosen = outputs[0] if output is None else output
        if chosen not in outputs:
            raise UsageError(f"{path}: no output {chosen!r}; the outputs are: {', '.join(outputs)}")
        overrides = {
            "size": size,
            "layout": layout,
            "value_range": value_range,
            "mean": mean,
            "std": std,
            "resize": resize,
        }
        metadata = dict(session.get_modelmeta().custom_metadata_map)
        preprocessing = _fit_to_input(resolve(overrides, metadata, path), shape, path)
        model = cls(
            path=path,
            digest=hashlib.sha256(content).hexdigest(),
            input_name=model_input.name,
            input_shape=shape,
            output=chosen,
            outputs=outputs,
            preprocessing=preprocessing,
            session=session,
            dimension=0,
            threads=threads,
        )
        return replace(model, dimension=model._output_dimension())

    def preprocess(self, images: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """The model's input batch for ``images`` (each H x W x 3 ``uint8``), float32 in
        the model's layout."""
        return self.preprocessing.prepare(images)

    def embed(
        self, images: Sequence[NDArray[np.uint8]], batch_size: int = DEFAULT_BATCH_SIZE
    ) -> NDArray[np.float32]:
        """The ``(n, dimension)`` float32 embeddings of ``images``.

        ``session.run`` sees ``batch_size`` images at a time (the last batch may be
        smaller); a model whose batch dimension is fixed sees exactly that many, the
        last batch padded.
        """
        if batch_size < 1:
            raise ArgumentError(
                f"{{}} must be at least 1, got {batch_size}", Argument("batch_size")
            )
        step = _fixed(self.input_shape[0]) or batch_size
        result = np.empty((len(images), self.dimension), dtype=np.float32)
        for start in range(0, len(images), step):
            chunk = images[start : start + step]
            result[start : start + len(chunk)] = self.run(self.preprocess(chunk))
        return result

    def run(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        """The selected output of ``session.run`` on a preprocessed ``batch``, one
        flattened row per image; a model whose batch dimension is fixed runs on that
        many at a time."""
        fixed = _fixed(self.input_shape[0])
        if fixed is None or len(batch) <= fixed:
            return self._run_once(batch)
        return np.concatenate(
            [self._run_once(batch[start : start + fixed]) for start in range(0, len(batch), fixed)]
        )

    def _run_once(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        count = len(batch)
        fixed = _fixed(self.input_shape[0])
        if fixed is not None and fixed > count:
            padding = np.zeros((fixed - count, *batch.shape[1:]), dtype=np.float32)
            batch = np.concatenate([batch, padding])
        try:
            (values,) = self.session.run([self.output], {self.input_name: batch})
        except Exception as error:  # onnxruntime's own exception types are not exported
            raise UsageError(
                f"{self.path}: onnxruntime could not run the model on a batch of shape "
                f"{batch.shape} ({_first_line(error)})"
            ) from None
        values = np.asarray(values)
        if values.ndim == 0 or values.shape[0] != len(batch):
            raise UsageError(
                f"{self.path}: output {self.output!r} has shape {values.shape} for a batch of "
                f"{len(batch)}; an embedding output keeps the batch as its first dimension"
            )
        return np.asarray(values[:count].reshape(count, -1), dtype=np.float32)

    def _output_dimension(self) -> int:
        """Values per image of the selected output: from its static shape, or else from
        a run on one blank image."""
        (entry,) = (item for item in self.session.get_outputs() if item.name == self.output)
        dims = tuple(entry.shape)[1:]
        sizes = [size for size in map(_fixed, dims) if size is not None]
        if len(sizes) == len(dims):
            return math.prod(sizes)
        height, width = self.preprocessing.size or (1, 1)
        blank = np.zeros((1, height, width, 3), dtype=np.uint8)
        return int(self.run(self.preprocess(list(blank))).shape[1])


def _session(runtime: ModuleType, content: bytes, path: Path, threads: int | None) -> Any:
    """An onnxruntime CPU session of the model ``content``, or an error naming ``path``."""
    options = runtime.SessionOptions()
    options.graph_optimization_level = runtime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = runtime.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    if threads is not None:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3  # errors only: warnings would print from a library
    # Threads that spin while they wait would take the cores from the workers that
    # prepare the next batch.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return runtime.InferenceSession(content, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own, unexported exception types
        raise UsageError(
            f"{path}: not a valid ONNX model (empty, truncated or another kind of file; "
            f"onnxruntime: {_first_line(error)})"
        ) from None


def _fit_to_input(
    preprocessing: OnnxPreprocessing, shape: tuple[Dim, ...], path: Path
) -> OnnxPreprocessing:
    """``preprocessing`` with the input's height and width, checked against its shape."""
    if preprocessing.layout == "NCHW":
        channels, height, width = shape[1], shape[2], shape[3]
    else:
        height, width, channels = shape[1], shape[2], shape[3]
    if _fixed(channels) not in (None, 3):
        other = "NHWC" if preprocessing.layout == "NCHW" else "NCHW"
        raise UsageError(
            Wording(
                f"{literal(path)}: input shape {_shape_text(shape)} has {channels} channels in "
                f"layout {preprocessing.layout}, not 3 (RGB); if the model is {other}, pass {{}}",
                Argument("layout", other),
            )
        )
    fixed_height, fixed_width = _fixed(height), _fixed(width)
    fixed = None if fixed_height is None or fixed_width is None else (fixed_height, fixed_width)
    if preprocessing.size is None:
        if fixed is None:
            raise UsageError(
                Wording(
                    f"{literal(path)}: input shape {_shape_text(shape)} has a dynamic height or "
                    "width; pass the input size ({}) or set the metadata property imgsim.size",
                    Argument("size", "(height, width)"),
                )
            )
        return replace(preprocessing, size=fixed)
    for given, dim in zip(preprocessing.size, (height, width), strict=True):
        if _fixed(dim) not in (None, given):
            raise UsageError(
                Wording(
                    f"{literal(path)}: input shape {_shape_text(shape)} fixes the size, "
                    "which {} contradicts",
                    Argument("size", preprocessing.size),
                )
            )
    return preprocessing


def _shape_text(shape: tuple[Dim, ...]) -> str:
    """``[batch, 3, 224, 224]``: dynamic dimensions by their name, or ``?``."""
    return "[" + ", ".join("?" if dim is None else str(dim) for dim in shape) + "]"


def _fixed(dim: Dim) -> int | None:
    """The size of a static dimension; ``None`` for a dynamic one (a name, ``None``, or
    the -1 or 0 that some exporters write)."""
    return dim if isinstance(dim, int) and dim > 0 else None


def _first_line(error: Exception) -> str:
    """The first line of ``error``'s message (onnxruntime's messages can go on for pages)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

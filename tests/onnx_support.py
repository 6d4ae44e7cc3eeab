"""Small ONNX image models built with ``onnx.helper``, their NumPy twins, and the
preprocessing they should see, computed independently of imgsim.

:class:`ConvNet` is a convolution (3x3, padding 1) + ReLU + 2x2 max pooling + flatten,
with fixed random weights; its second output is the global average of the ReLU maps.
:meth:`ConvNet.features` and :meth:`ConvNet.pooled` compute the same network in NumPy
(float64), so that ``OnnxModel.embed`` can be checked against them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

OPSET = 13
IR_VERSION = 8
"""An IR version that every onnxruntime since 1.10 reads."""
CHANNELS = 4
"""Output channels of the convolution."""

Shape = Sequence[int | str]


@dataclass(frozen=True)
class ConvNet:
    """Weights of the test network, and its NumPy twin."""

    weight: NDArray[np.float32]
    """(CHANNELS, 3, 3, 3) convolution kernels."""
    bias: NDArray[np.float32]

    @classmethod
    def random(cls, seed: int = 0) -> ConvNet:
        rng = np.random.default_rng(seed)
        weight = rng.normal(0.0, 0.2, size=(CHANNELS, 3, 3, 3)).astype(np.float32)
        bias = rng.normal(0.0, 0.1, size=CHANNELS).astype(np.float32)
        return cls(weight, bias)

    def relu_maps(self, batch: NDArray[np.float32], layout: str) -> NDArray[np.float64]:
        """ReLU(conv(batch)) in NCHW, from an input batch in ``layout``."""
        nchw = batch if layout == "NCHW" else batch.transpose(0, 3, 1, 2)
        padded = np.pad(nchw.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
        conv = np.einsum("nchwij,ocij->nohw", windows, self.weight.astype(np.float64))
        return np.asarray(np.maximum(conv + self.bias[None, :, None, None], 0.0), dtype=np.float64)

    def features(self, batch: NDArray[np.float32], layout: str = "NCHW") -> NDArray[np.float64]:
        """The first output: 2x2 max pooling (stride 2) of the ReLU maps, flattened."""
        maps = self.relu_maps(batch, layout)
        n, c, h, w = maps.shape
        pooled = maps[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2)
        return np.asarray(pooled.max(axis=(3, 5)).reshape(n, -1), dtype=np.float64)

    def pooled(self, batch: NDArray[np.float32], layout: str = "NCHW") -> NDArray[np.float64]:
        """The second output: the mean of each ReLU map."""
        return np.asarray(self.relu_maps(batch, layout).mean(axis=(2, 3)), dtype=np.float64)

    def save(
        self,
        path: Path,
        input_shape: Shape,
        *,
        layout: str = "NCHW",
        two_outputs: bool = False,
        metadata: Mapping[str, str] | None = None,
    ) -> Path:
        """Write the network as an ONNX file taking ``input_shape`` in ``layout``."""
        nodes = []
        source = "image"
        if layout == "NHWC":
            nodes.append(helper.make_node("Transpose", ["image"], ["nchw"], perm=[0, 3, 1, 2]))
            source = "nchw"
        nodes += [
            helper.make_node(
                "Conv", [source, "w", "b"], ["conv"], kernel_shape=[3, 3], pads=[1] * 4
            ),
            helper.make_node("Relu", ["conv"], ["relu"]),
            helper.make_node("MaxPool", ["relu"], ["pool"], kernel_shape=[2, 2], strides=[2, 2]),
            helper.make_node("Flatten", ["pool"], ["features"], axis=1),
        ]
        outputs = [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, _flat(input_shape, layout))
        ]
        if two_outputs:
            nodes += [
                helper.make_node("GlobalAveragePool", ["relu"], ["gap"]),
                helper.make_node("Flatten", ["gap"], ["pooled"], axis=1),
            ]
            pooled = helper.make_tensor_value_info(
                "pooled", TensorProto.FLOAT, [input_shape[0], CHANNELS]
            )
            outputs.append(pooled)
        initializers = [
            numpy_helper.from_array(self.weight, "w"),
            numpy_helper.from_array(self.bias, "b"),
        ]
        inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, list(input_shape))]
        graph = helper.make_graph(nodes, "convnet", inputs, outputs, initializers)
        return _write(graph, path, metadata)


def _flat(input_shape: Shape, layout: str) -> list[int | str]:
    """The declared shape of the flattened output: static when the input size is fixed,
    unknown otherwise (imgsim then learns it from a run)."""
    height, width = input_shape[2:] if layout == "NCHW" else input_shape[1:3]
    if isinstance(height, int) and isinstance(width, int):
        return [input_shape[0], CHANNELS * (height // 2) * (width // 2)]
    return [input_shape[0], "D"]


def rank3_model(path: Path) -> Path:
    """A model whose input has rank 3: ``[N, 3, 32]``."""
    inputs = [helper.make_tensor_value_info("signal", TensorProto.FLOAT, ["N", 3, 32])]
    outputs = [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 3, 32])]
    graph = helper.make_graph(
        [helper.make_node("Relu", ["signal"], ["out"])], "rank3", inputs, outputs
    )
    return _write(graph, path, None)


def _write(graph: onnx.GraphProto, path: Path, metadata: Mapping[str, str] | None) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    if metadata:
        helper.set_model_props(model, dict(metadata))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def clean_fid_resize(
    image: NDArray[np.uint8], size: tuple[int, int], name: str = "bicubic"
) -> NDArray[np.float32]:
    """clean-fid's ``make_resizer("PIL", False, filter, output_size)`` (cleanfid/resize.py),
    transcribed: PIL resizes each channel as a float32 ``"F"`` image. The one change is
    that ``size`` is (height, width), given to PIL as (width, height)."""
    s1, s2 = size
    resample = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}[name]

    def resize_single_channel(x_np: NDArray[np.uint8]) -> NDArray[np.float32]:
        img = Image.fromarray(x_np.astype(np.float32), mode="F")
        img = img.resize((s2, s1), resample=resample)
        return np.asarray(img).reshape(s1, s2, 1)

    channels = [resize_single_channel(image[:, :, idx]) for idx in range(3)]
    return np.concatenate(channels, axis=2).astype(np.float32)


def reference_input(
    images: Sequence[NDArray[np.uint8]],
    size: tuple[int, int],
    *,
    value_range: tuple[float, float] = (0.0, 1.0),
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    layout: str = "NCHW",
) -> NDArray[np.float32]:
    """The model input that a network trained with these settings expects, in float64
    arithmetic: clean-fid's bicubic resize, then the linear map of 0…255 onto
    ``value_range``, then ``(x - mean) / std``."""
    low, high = value_range
    resized = np.stack([clean_fid_resize(image, size) for image in images]).astype(np.float64)
    values = low + resized / 255.0 * (high - low)
    values = (values - np.asarray(mean if mean is not None else (0.0, 0.0, 0.0))) / np.asarray(
        std if std is not None else (1.0, 1.0, 1.0)
    )
    if layout == "NCHW":
        values = values.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(values, dtype=np.float32)

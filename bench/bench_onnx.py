"""``onnx:`` features: imgsim's whole extraction against onnxruntime's own ``session.run``.

A network of the cost of FID's InceptionV3 (5.7 GFLOP per 299 x 299 image): six 3x3
convolutions with ReLU, 64 to 512 channels, global average pooling, 6.0 GFLOP per
299 x 299 image, random weights, built with ``onnx.helper``; on 192 JPEGs of 512 x 384
(enough for the pool's start and the first batch's fill to weigh as in a real run).
imgsim: ``extract_files`` with 2 workers, no store, from the files to the embeddings
(decode, clean-fid bicubic resize, batches of 32 across chunks, the model in the main
process with 2 runtime threads). The reference: ``session.run`` alone on the same
preprocessed batches, already in memory, on a session with 2 intra-op threads. Target:
imgsim at most 1.2x the reference, i.e. extraction bound by the model, not by imgsim.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from corpus import build
from harness import Result, fastest, speedup

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "onnx"
FILES = 192
SIZE = (512, 384)
INPUT = 299
LAYERS = ((64, 2), (128, 2), (256, 2), (256, 1), (512, 2), (512, 1))
"""``(output channels, stride)`` of each convolution."""
BATCH = 32
WORKERS = 2
REPEAT = 3
LIMIT = 1.2


def _model(path: Path) -> Path:
    """The network, written to ``path`` (NCHW, dynamic batch, 224 x 224)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    nodes, weights, source, channels = [], [], "image", 3
    for index, (width, stride) in enumerate(LAYERS):
        scale = np.sqrt(2.0 / (channels * 9))
        weight = rng.normal(0.0, scale, size=(width, channels, 3, 3)).astype(np.float32)
        weights += [
            numpy_helper.from_array(weight, f"w{index}"),
            numpy_helper.from_array(np.zeros(width, np.float32), f"b{index}"),
        ]
        nodes += [
            helper.make_node(
                "Conv",
                [source, f"w{index}", f"b{index}"],
                [f"conv{index}"],
                kernel_shape=[3, 3],
                pads=[1, 1, 1, 1],
                strides=[stride, stride],
            ),
            helper.make_node("Relu", [f"conv{index}"], [f"relu{index}"]),
        ]
        source, channels = f"relu{index}", width
    nodes += [
        helper.make_node("GlobalAveragePool", [source], ["pool"]),
        helper.make_node("Flatten", ["pool"], ["embedding"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "bench",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, INPUT, INPUT])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", LAYERS[-1][0]])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def run() -> list[Result]:
    """The ONNX benchmark."""
    import onnxruntime

    from imgsim.engine import ExtractOptions, extract_files
    from imgsim.features import FeatureParams, get_feature
    from imgsim.features.onnx_feature import OnnxFeature
    from imgsim.images import decode_upright_rgb

    paths = build(DATA, FILES, size=SIZE)
    name = f"onnx:{_model(DATA / 'inception_cost.onnx')}"
    params = FeatureParams(batch_size=BATCH)
    options = ExtractOptions(features=(name,), params=params)

    def extract() -> None:
        for result in extract_files(paths, options, workers=WORKERS):
            assert result.error is None, result.error

    extract()  # the model loaded, the fork server started: first-call costs out of the timing
    ours = fastest(extract, REPEAT)

    model = get_feature(name).model
    assert isinstance(model, OnnxFeature)
    preprocessing = model.model(params).preprocessing
    images = [decode_upright_rgb(path).pixels for path in paths]
    batches = [
        preprocessing.prepare(images[start : start + BATCH]) for start in range(0, FILES, BATCH)
    ]
    settings = onnxruntime.SessionOptions()
    settings.intra_op_num_threads = WORKERS
    settings.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(model.path), settings, providers=["CPUExecutionProvider"]
    )

    def infer() -> None:
        for batch in batches:
            session.run(["embedding"], {"image": batch})

    infer()
    reference = fastest(infer, REPEAT)
    return [
        speedup(
            f"extract -f onnx: ({FILES} JPEGs {SIZE[0]}x{SIZE[1]}, {WORKERS} workers) "
            "vs session.run alone",
            imgsim_seconds=ours / FILES,
            reference_seconds=reference / FILES,
            at_least=1 / LIMIT,
            per="image",
            details=[
                f"a network of InceptionV3's cost ({len(LAYERS)} convolutions, "
                f"{INPUT}x{INPUT}), batches of {BATCH}, best of {REPEAT}; imgsim from the "
                f"files (decode, bicubic resize, model), the reference on the same "
                f"preprocessed batches in memory, {WORKERS} runtime threads each; target: "
                f"at most {LIMIT:g}x"
            ],
        )
    ]

#!/usr/bin/env python3
"""Export the image embedders behind the field's deep-feature metrics to ONNX files that
carry their own preprocessing, for imgsim's ``onnx:PATH`` feature.

Run it where PyTorch is installed; imgsim then scores with onnxruntime alone::

    python tools/export_onnx.py inception inception.onnx   # pytorch-fid's FID InceptionV3
    python tools/export_onnx.py clip clip.onnx             # open_clip ViT-B-32 (OpenAI weights)
    python tools/export_onnx.py dinov2 dinov2.onnx         # DINOv2 ViT-S/14 (torch.hub)

Each file has one float32 input ``image``, ``[batch, 3, height, width]`` (batch dynamic,
size fixed), one output (``pool3``, ``embedding`` or ``cls``), ``[batch, dimension]``,
opset 17 or later, and the ``imgsim.*`` metadata properties that imgsim reads as the
preprocessing (``imgsim/features/onnx_prep.py``), written by :func:`add_metadata`, which
needs only ``onnx``. Then PyTorch and onnxruntime run one random batch and the largest
absolute difference is printed; the exit status is 1 when it exceeds ``--tolerance``.

PyTorch is imported only inside the export functions: without it (or without the
packages a model needs) the script says what to ``pip install`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROGRAM = "export_onnx.py"
INPUT = "image"
"""Name of every exported model's input."""
OPSET = 17
"""Lowest opset written: the first with LayerNormalization, which the ViTs use."""
LAYOUTS = ("NCHW", "NHWC")
RESIZE_FILTERS = ("bicubic", "bilinear", "area")
"""imgsim's resize filters (``imgsim.features.onnx_prep.RESIZE_FILTERS``)."""

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
"""CLIP's normalisation (OpenAI CLIP ``clip/clip.py`` ``_transform``; open_clip's
``OPENAI_DATASET_MEAN``/``OPENAI_DATASET_STD``)."""
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
"""DINOv2's normalisation (``dinov2/data/transforms.py``)."""

Size = int | tuple[int, int]
Triple = tuple[float, float, float]


class MissingPackage(Exception):
    """A package that an export needs is not installed; the message gives the pip line."""


# --------------------------------------------------------------------------- metadata


def metadata_properties(
    *,
    size: Size,
    layout: str = "NCHW",
    value_range: tuple[float, float] = (0.0, 1.0),
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    resize: str = "bicubic",
) -> dict[str, str]:
    """The ``imgsim.*`` metadata properties, as text, of one preprocessing.

    The values use the formats that imgsim parses (``onnx_prep.METADATA_KEYS``):
    ``"299"`` or ``"224,160"`` (height, width), ``"0.0,1.0"``, three numbers for mean
    and std. Raises :class:`ValueError` naming the argument for an invalid value.
    """
    sides = (size, size) if isinstance(size, int) else tuple(size)
    if len(sides) != 2 or not all(isinstance(side, int) and side >= 1 for side in sides):
        raise ValueError(f"size must be a positive integer or (height, width), got {size!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if resize not in RESIZE_FILTERS:
        raise ValueError(f"resize must be one of {', '.join(RESIZE_FILTERS)}, got {resize!r}")
    low, high = (float(value) for value in value_range)
    if not (math.isfinite(low) and math.isfinite(high)) or low == high:
        raise ValueError(f"value_range must be two different finite numbers, got {value_range}")
    height, width = sides
    properties = {
        "imgsim.size": str(height) if height == width else f"{height},{width}",
        "imgsim.layout": layout,
        "imgsim.range": _numbers((low, high)),
        "imgsim.resize": resize,
    }
    for name, values in (("mean", mean), ("std", std)):
        if values is None:
            continue
        numbers = tuple(float(value) for value in values)
        if len(numbers) != 3 or not all(map(math.isfinite, numbers)):
            raise ValueError(f"{name} must be three finite numbers (R, G, B), got {values}")
        if name == "std" and min(numbers) <= 0:
            raise ValueError(f"std must be positive, got {values}")
        properties[f"imgsim.{name}"] = _numbers(numbers)
    return properties


def add_metadata(
    path: str | Path,
    *,
    size: Size,
    layout: str = "NCHW",
    value_range: tuple[float, float] = (0.0, 1.0),
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    resize: str = "bicubic",
    source: str | None = None,
) -> dict[str, str]:
    """Write the preprocessing into the ONNX file at ``path`` as metadata properties.

    imgsim's ``OnnxModel.load`` reads them as the model's preprocessing when no option
    overrides them. The file's other properties are kept and its earlier ``imgsim.*``
    ones replaced; ``source`` (what the model is) is stored as ``source``.
    Weights kept as external data stay where they are. The file is replaced
    atomically. Returns the ``imgsim.*`` properties written.
    """
    properties = metadata_properties(
        size=size, layout=layout, value_range=value_range, mean=mean, std=std, resize=resize
    )
    onnx = _require(["onnx"], "writing metadata", "pip install onnx")[0]
    path = Path(path)
    model = onnx.load(str(path), load_external_data=False)
    # Every earlier imgsim.* property goes, so that a mean or std unset now is unset.
    merged = {
        entry.key: entry.value
        for entry in model.metadata_props
        if not entry.key.startswith("imgsim.")
    }
    merged.update(properties)
    if source is not None:
        merged["source"] = source
    onnx.helper.set_model_props(model, merged)
    partial = path.with_name(path.name + ".partial")
    onnx.save(model, str(partial))
    os.replace(partial, path)
    return properties


def _numbers(values: Sequence[float]) -> str:
    """``"0.485,0.456,0.406"``: each float at full precision, shortest form."""
    return ",".join(repr(float(value)) for value in values)


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Embedder:
    """A PyTorch module that maps ``[batch, 3, H, W]`` images to ``[batch, D]``
    embeddings, and the preprocessing that it was trained with."""

    module: Any
    output: str
    size: tuple[int, int]
    value_range: tuple[float, float]
    mean: Triple | None
    std: Triple | None
    resize: str
    source: str


PIP = {
    "inception": "pip install torch torchvision pytorch-fid onnx onnxruntime",
    "clip": "pip install torch open_clip_torch onnx onnxruntime",
    "dinov2": "pip install torch torchvision onnx onnxruntime",
}


def inception(_options: argparse.Namespace) -> Embedder:
    """pytorch-fid's FID InceptionV3 (``pytorch_fid/inception.py``), pool3 features.

    ``InceptionV3([BLOCK_INDEX_BY_DIM[2048]], resize_input=False, normalize_input=True,
    use_fid_inception=True)``: the TensorFlow FID graph's weights (inception-2015-12-05),
    fed 299 x 299 RGB in (0, 1) that its forward maps to (-1, 1) with ``2 * x - 1``;
    the output block is the final average pooling, ``[batch, 2048, 1, 1]``, flattened.
    ``resize_input=False`` leaves resizing to imgsim (PIL bicubic, clean-fid's "clean"
    mode) instead of pytorch-fid's in-network bilinear interpolation.
    """
    _torch, fid = _require(["torch", "pytorch_fid.inception"], "inception", PIP["inception"])
    net_class = fid.InceptionV3
    net = net_class(
        [net_class.BLOCK_INDEX_BY_DIM[2048]],
        resize_input=False,
        normalize_input=True,
        use_fid_inception=True,
    )
    return Embedder(
        module=_wrap(net, lambda inner, image: inner(image)[0].flatten(1)),
        output="pool3",
        size=(299, 299),
        value_range=(0.0, 1.0),
        mean=None,
        std=None,
        resize="bicubic",
        source="pytorch-fid InceptionV3 (FID weights, pt_inception-2015-12-05), pool3, 2048-d",
    )


def clip(options: argparse.Namespace) -> Embedder:
    """An open_clip image encoder, ``encode_image`` (the projected image embedding).

    open_clip loads OpenAI's original CLIP weights (``--pretrained openai``, the
    weights of clean-fid's ``clip_vit_b_32`` features) and the LAION/DataComp ones
    through one API, and each model carries its preprocessing (``visual.preprocess_cfg``:
    size, mean, std, interpolation), which this export copies into the metadata.
    """
    _torch, open_clip = _require(["torch", "open_clip"], "clip", PIP["clip"])
    name = options.model.replace("/", "-")
    model, _, _ = open_clip.create_model_and_transforms(name, pretrained=options.pretrained)
    config = dict(getattr(model.visual, "preprocess_cfg", None) or {})
    side = config.get("size", getattr(model.visual, "image_size", 224))
    size = (side, side) if isinstance(side, int) else (int(side[0]), int(side[1]))
    interpolation = str(config.get("interpolation", "bicubic"))
    resize = interpolation if interpolation in ("bicubic", "bilinear") else "bicubic"
    if resize != interpolation:
        note = f"{name} was trained with {interpolation} resizing; imgsim resizes with bicubic"
        print(f"{PROGRAM}: note: {note}", file=sys.stderr)
    normalize = bool(options.normalize)

    def embed(inner: Any, image: Any) -> Any:
        features = inner.encode_image(image)
        return features / features.norm(dim=-1, keepdim=True) if normalize else features

    return Embedder(
        module=_wrap(model, embed),
        output="embedding",
        size=size,
        value_range=(0.0, 1.0),
        mean=_triple(config.get("mean", OPENAI_MEAN)),
        std=_triple(config.get("std", OPENAI_STD)),
        resize=resize,
        source=f"open_clip {name} pretrained={options.pretrained}, encode_image"
        + (", L2-normalised" if normalize else ""),
    )


def dinov2(options: argparse.Namespace) -> Embedder:
    """A DINOv2 backbone from torch.hub (``facebookresearch/dinov2``), its CLS token.

    The hub models' ``forward`` returns the final-norm CLS token through an identity
    head (``x_norm_clstoken``): 384-d for ``dinov2_vits14``. Inputs are ImageNet-
    normalised RGB; the size must be a multiple of the patch size, 14.
    """
    (torch,) = _require(["torch"], "dinov2", PIP["dinov2"])
    model = torch.hub.load("facebookresearch/dinov2", options.model)
    return Embedder(
        module=_wrap(model, lambda inner, image: inner(image)),
        output="cls",
        size=(options.size, options.size),
        value_range=(0.0, 1.0),
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        resize="bicubic",
        source=f"torch.hub facebookresearch/dinov2 {options.model}, CLS token",
    )


MODELS: dict[str, Callable[[argparse.Namespace], Embedder]] = {
    "inception": inception,
    "clip": clip,
    "dinov2": dinov2,
}


# --------------------------------------------------------------------------- export


def export(embedder: Embedder, path: Path, *, opset: int, exporter: str) -> None:
    """Write ``embedder.module`` to ``path``: fixed size, dynamic batch axis."""
    (torch,) = _require(["torch"], "export", "pip install torch onnx")
    height, width = embedder.size
    example = torch.rand(2, 3, height, width)
    arguments: dict[str, Any] = {
        "input_names": [INPUT],
        "output_names": [embedder.output],
        "dynamic_axes": {INPUT: {0: "batch"}, embedder.output: {0: "batch"}},
        "opset_version": opset,
        "do_constant_folding": True,
    }
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        arguments["dynamo"] = exporter == "dynamo"
    with torch.no_grad():
        torch.onnx.export(embedder.module, (example,), str(path), **arguments)


def max_difference(embedder: Embedder, path: Path, *, batch: int = 3, seed: int = 0) -> float:
    """Largest absolute difference between PyTorch's and onnxruntime's outputs on one
    random batch (of another size than the export's example, so the batch axis is
    checked to be dynamic)."""
    torch, runtime = _require(["torch", "onnxruntime"], "the check", "pip install onnxruntime")
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(batch, 3, *embedder.size, generator=generator)
    with torch.no_grad():
        expected = embedder.module(images).numpy()
    session = runtime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (actual,) = session.run([embedder.output], {INPUT: images.numpy()})
    if actual.shape != expected.shape:
        raise RuntimeError(f"onnxruntime gave shape {actual.shape}, PyTorch {expected.shape}")
    return float(abs(actual - expected).max())


def _wrap(inner: Any, call: Callable[[Any, Any], Any]) -> Any:
    """A ``torch.nn.Module`` in eval mode whose ``forward(image)`` is ``call(inner, image)``."""
    (torch,) = _require(["torch"], "export", "pip install torch")

    def initialise(self: Any) -> None:
        torch.nn.Module.__init__(self)
        self.inner = inner

    def forward(self: Any, image: Any) -> Any:
        return call(self.inner, image)

    module_class = type(
        "Embedder", (torch.nn.Module,), {"__init__": initialise, "forward": forward}
    )
    return module_class().eval()


def _require(modules: Sequence[str], purpose: str, pip: str) -> list[Any]:
    """The named modules, imported; :class:`MissingPackage` with ``pip`` if one is not
    installed."""
    imported = []
    for name in modules:
        try:
            imported.append(importlib.import_module(name))
        except ImportError as error:
            package = (error.name or name).split(".")[0]
            message = f"{purpose} needs {package}, which is not installed: {pip}"
            raise MissingPackage(message) from None
    return imported


def _triple(values: Sequence[float]) -> Triple:
    first, second, third = (float(value) for value in values)
    return (first, second, third)


# --------------------------------------------------------------------------- command line


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("out", type=Path, help="the .onnx file to write")
    common.add_argument("--opset", type=int, default=OPSET, help=f"ONNX opset, at least {OPSET}")
    common.add_argument(
        "--exporter",
        choices=("torchscript", "dynamo"),
        default="torchscript",
        help="torch.onnx.export's tracer (dynamo=False or True); default: %(default)s",
    )
    common.add_argument(
        "--tolerance",
        type=float,
        default=1e-3,
        help="largest accepted |PyTorch - onnxruntime| on the check batch (default %(default)s)",
    )
    common.add_argument("--no-check", action="store_true", help="skip the onnxruntime check")
    main = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Export an image embedder to ONNX, with its preprocessing in the file's "
        "metadata, for imgsim's onnx:PATH feature. Needs PyTorch.",
        epilog="example: python tools/export_onnx.py inception inception.onnx && "
        "imgsim stats reference/ -f onnx:inception.onnx -o ref.npz",
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="MODEL")
    commands.add_parser(
        "inception", parents=[common], help="pytorch-fid's FID InceptionV3, pool3 (2048-d)"
    )
    clip_command = commands.add_parser(
        "clip", parents=[common], help="open_clip image encoder (default ViT-B-32, OpenAI weights)"
    )
    clip_command.add_argument("--model", default="ViT-B-32", help="open_clip model name")
    clip_command.add_argument("--pretrained", default="openai", help="open_clip weights tag")
    clip_command.add_argument(
        "--normalize", action="store_true", help="L2-normalise the embeddings in the graph"
    )
    dino_command = commands.add_parser(
        "dinov2", parents=[common], help="DINOv2 CLS token (default dinov2_vits14)"
    )
    dino_command.add_argument("--model", default="dinov2_vits14", help="torch.hub model name")
    dino_command.add_argument("--size", type=int, default=224, help="input side, multiple of 14")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    command_line = parser()
    options = command_line.parse_args(argv)
    if options.opset < OPSET:
        command_line.error(f"--opset must be at least {OPSET}, got {options.opset}")
    if options.command == "dinov2" and (options.size < 14 or options.size % 14):
        command_line.error(f"--size must be a multiple of 14 (DINOv2's patch), got {options.size}")
    try:
        embedder = MODELS[options.command](options)
        export(embedder, options.out, opset=options.opset, exporter=options.exporter)
        properties = add_metadata(
            options.out,
            size=embedder.size,
            value_range=embedder.value_range,
            mean=embedder.mean,
            std=embedder.std,
            resize=embedder.resize,
            source=embedder.source,
        )
        difference = None if options.no_check else max_difference(embedder, options.out)
    except MissingPackage as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {options.out}: {embedder.source}; output {embedder.output!r}")
    for key, value in properties.items():
        print(f"  {key} = {value}")
    if difference is not None:
        print(f"max |PyTorch - onnxruntime| on a random batch: {difference:.3g}")
        if not difference <= options.tolerance:
            print(f"{PROGRAM}: difference above --tolerance {options.tolerance}", file=sys.stderr)
            return 1
    print(f"use: imgsim extract IMAGES -f onnx:{options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

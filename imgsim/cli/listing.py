"""``imgsim list``: every feature, metric and distance, from the registries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imgsim.cli.common import FormatOption, app, emit, handle_errors, resolve_format

if TYPE_CHECKING:
    from imgsim.features import FeatureParams, FeatureSpec
    from imgsim.metrics.records import Metric


@app.command("list", epilog="Example: imgsim list --format csv")
@handle_errors
def list_(fmt: FormatOption = None) -> None:
    """Every feature, metric and distance: dimension, direction, range, and when to use it.

    Features: dimension, default distance, options (each with its default and flag)
    and when to use them; a distance that reads one feature only is named as it is
    given to -m: FEATURE:DISTANCE.
    """
    from imgsim.features import DEFAULT_FEATURE, FEATURES, FeatureParams
    from imgsim.metrics.registry import REGISTRY

    params = FeatureParams()
    rows: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "type": f"feature ({spec.kind}{_DEFAULT if spec.name == DEFAULT_FEATURE else ''})",
            "dim": spec.dim(params),
            "direction": f"default distance: {spec.default_distance}",
            "options": _options(spec, params),
            "use_when": spec.use_when,
            "description": spec.summary,
        }
        for spec in FEATURES.values()
    ]
    rows.append(_model_feature_row())
    rows += [
        {
            "name": " | ".join((_named(metric), *metric.aliases)),
            "type": _TYPES.get(metric.kind, f"metric ({metric.kind})"),
            "direction": metric.direction_text,
            "range": metric.range,
            "options": _metric_options(metric),
            "use_when": metric.use_when,
            "description": metric.summary + _use(metric),
            "reference": metric.reference,
        }
        for metric in sorted(REGISTRY.values(), key=_listing_order)
    ]
    columns = [
        "name", "type", "dim", "direction", "range", "options", "use_when", "description",
        "reference",
    ]  # fmt: skip
    emit(iter(rows), columns, resolve_format(fmt, None), None)


_DEFAULT = ", the default"
"""Marks the feature that commands use when no -f is given."""

_TYPES = {
    "pixels": "metric (pixels)",
    "no-reference": "metric (one image, quality)",
    "keypoints": "metric (keypoints)",
    "set": "metric (sets, compare --set)",
    "distance": "distance",
}
"""The type column of each kind of metric, in the order of the listing."""


def _listing_order(metric: Metric) -> int:
    """Kinds in the order of :data:`_TYPES`, then any other kind; registry order within."""
    return list(_TYPES).index(metric.kind) if metric.kind in _TYPES else len(_TYPES)


def _use(metric: Metric) -> str:
    """How the command line names a distance, after its summary: ``FEATURE:chi2``, or
    ``crop_resistant:segments`` for a distance of one feature."""
    if metric.kind != "distance":
        return ""
    named = _named(metric)
    return f"  Use as {named if ':' in named else 'FEATURE:' + named}."


def _options(spec: FeatureSpec, params: FeatureParams) -> str:
    """The options a feature reads, each with its default and flag: ``hash size 8
    (--hash-size)``; ``size`` is the side of the working image."""
    return ", ".join(
        f"{name.replace('_', ' ')} {value} (--{name.replace('_', '-')})"
        for name, value in spec.param_values(params).items()
    )


def _model_feature_row() -> dict[str, Any]:
    """The row of the features that the user's ONNX models compute."""
    from imgsim.defaults import DEFAULT_BATCH_SIZE
    from imgsim.features import MODEL_FEATURE
    from imgsim.features.spec import ONNX_OPTIONS

    flags = ", ".join(f"--{name.replace('_', '-')}" for name in ONNX_OPTIONS)
    return {
        "name": MODEL_FEATURE,
        "type": "feature (vector, your ONNX model; pip install 'imgsim[onnx]')",
        "dim": "the output's",
        "direction": "default distance: cosine",
        "options": "size, layout, range, mean, std and resize from the model's metadata "
        f"imgsim.*, else its fixed input size, NCHW, 0-1, none, none, bicubic ({flags}); "
        f"batch size {DEFAULT_BATCH_SIZE} (--batch-size)",
        "use_when": "the standard deep-feature FID/KID/precision/recall (InceptionV3, "
        "CLIP, DINOv2 exported with tools/export_onnx.py)",
        "description": "the model's output (the first, or OUTPUT) flattened, computed by "
        "onnxruntime on the CPU in batches",
    }


def _metric_options(metric: Metric) -> str:
    """The keyword options of a metric with their flags (``crop border (--crop-border)``),
    and ``not symmetric`` for a full-reference metric that is not."""
    options = [f"{name.replace('_', ' ')} (--{name.replace('_', '-')})" for name in metric.options]
    if not metric.symmetric:
        options.append("not symmetric: A is judged against reference B")
    return ", ".join(options)


def _named(metric: Metric) -> str:
    """A metric's name in the listing: ``crop_resistant:segments`` for a distance of one
    feature, as ``-m`` takes it."""
    feature: str | None = getattr(metric, "feature", None)
    return f"{feature}:{metric.name}" if feature is not None else metric.name

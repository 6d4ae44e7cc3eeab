"""``imgsim list``: every feature, metric and distance, from the registries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imgsim.cli.common import FormatOption, app, emit, handle_errors, resolve_format

if TYPE_CHECKING:
    from imgsim.metrics.records import Metric


@app.command("list", epilog="Example: imgsim list --format csv")
@handle_errors
def list_(fmt: FormatOption = None) -> None:
    """Every feature, metric and distance: dimension, direction, range, and when to use it."""
    from imgsim.features import DEFAULT_FEATURE, FEATURES, FeatureParams
    from imgsim.metrics.registry import REGISTRY

    params = FeatureParams()
    rows: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "type": f"feature ({spec.kind}{_DEFAULT if spec.name == DEFAULT_FEATURE else ''})",
            "dim": spec.dim(params),
            "direction": f"default distance: {spec.default_distance}",
            "options": ", ".join(
                f"{p.replace('_', ' ')} (--{p.replace('_', '-')})" for p in spec.uses
            ),
            "description": spec.summary,
        }
        for spec in FEATURES.values()
    ]
    rows += [
        {
            "name": " | ".join((metric.name, *metric.aliases)),
            "type": _TYPES.get(metric.kind, f"metric ({metric.kind})"),
            "direction": metric.direction_text,
            "range": metric.range,
            "description": metric.summary + _USE.get(metric.kind, "").format(metric.name),
        }
        for metric in sorted(REGISTRY.values(), key=_listing_order)
    ]
    columns = ["name", "type", "dim", "direction", "range", "options", "description"]
    emit(iter(rows), columns, resolve_format(fmt, None), None)


_DEFAULT = ", the default"
"""Marks the feature that commands use when no -f is given."""

_TYPES = {
    "pixels": "metric (pixels)",
    "keypoints": "metric (keypoints)",
    "set": "metric (sets, compare --set)",
    "distance": "distance",
}
"""The type column of each kind of metric, in the order of the listing."""


def _listing_order(metric: Metric) -> int:
    """Kinds in the order of :data:`_TYPES`, then any other kind; registry order within."""
    return list(_TYPES).index(metric.kind) if metric.kind in _TYPES else len(_TYPES)


_USE = {"distance": "  Use as FEATURE:{}."}
"""How the command line names a metric of the kind, after its summary."""

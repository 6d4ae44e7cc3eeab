"""``imgsim list``: every feature, metric and distance, from the registries."""

from __future__ import annotations

from typing import Any

from imgsim.cli.common import FormatOption, app, emit, handle_errors, resolve_format


@app.command("list", epilog="Example: imgsim list --format csv")
@handle_errors
def list_(fmt: FormatOption = None) -> None:
    """Every feature, metric and distance: dimension, direction, range, and when to use it."""
    from imgsim.features import DEFAULT_FEATURE, FEATURES, FeatureParams
    from imgsim.metrics import PIXEL_METRICS, SIFT_SUMMARY
    from imgsim.metrics.distances import DISTANCES
    from imgsim.metrics.sets import SET_METRICS

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
            "name": metric.name,
            "type": "metric (pixels)",
            "direction": "higher is better" if metric.higher_is_better else "lower is better",
            "range": metric.range,
            "description": metric.summary,
        }
        for metric in PIXEL_METRICS.values()
    ]
    rows.append(
        {
            "name": "sift",
            "type": "metric (keypoints)",
            "direction": "higher is better",
            "range": "[0, 1]",
            "description": SIFT_SUMMARY,
        }
    )
    rows += [
        {
            "name": metric.name,
            "type": "metric (sets, compare --set)",
            "direction": "higher is better" if metric.higher_is_better else "lower is better",
            "range": metric.range,
            "description": metric.summary,
        }
        for metric in SET_METRICS.values()
    ]
    rows += [
        {
            "name": " | ".join((d.name, *d.aliases)),
            "type": "distance",
            "direction": f"{d.direction} is closer",
            "range": d.range,
            "description": d.summary + "  Use as FEATURE:" + d.name + ".",
        }
        for d in DISTANCES.values()
    ]
    columns = ["name", "type", "dim", "direction", "range", "options", "description"]
    emit(iter(rows), columns, resolve_format(fmt, None), None)


_DEFAULT = ", the default"
"""Marks the feature that commands use when no -f is given."""

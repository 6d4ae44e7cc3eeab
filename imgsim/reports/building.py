"""Building the data of a report from a command's rows (mappings of column to value).

Kept apart from :mod:`imgsim.reports.model`, which holds only the records.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from imgsim.reports.model import (
    HISTOGRAM_BINS,
    Histogram,
    MetricColumn,
    MetricSummary,
    TableBody,
    TableRow,
    Unreadable,
    as_number,
)


def table_body(
    rows: Iterable[Mapping[str, Any]],
    image_columns: Sequence[str],
    metrics: Sequence[MetricColumn],
) -> TableBody:
    """A :class:`TableBody` from a command's rows (mappings of column to value). A row
    with an ``error`` and no value at all is left out: it is one of the
    :func:`unreadable_rows`."""
    body = [
        TableRow(
            tuple(str(row.get(column, "")) for column in image_columns),
            tuple(as_number(row.get(metric.name)) for metric in metrics),
        )
        for row in rows
        if not unscored(row, metrics)
    ]
    return TableBody(tuple(image_columns), tuple(metrics), tuple(body))


def unreadable_rows(
    rows: Iterable[Mapping[str, Any]], path_column: str, metrics: Sequence[MetricColumn]
) -> tuple[Unreadable, ...]:
    """The rows with an ``error`` and no value, as :class:`Unreadable` inputs."""
    return tuple(
        Unreadable(str(row.get(path_column, "")), str(row["error"]))
        for row in rows
        if unscored(row, metrics)
    )


def unscored(row: Mapping[str, Any], metrics: Sequence[MetricColumn]) -> bool:
    """Whether a row has an ``error`` and no value: an input that could not be read."""
    return bool(row.get("error")) and all(as_number(row.get(m.name)) is None for m in metrics)


def summarise(
    column: MetricColumn, values: Iterable[float | None], bins: int = HISTOGRAM_BINS
) -> MetricSummary:
    """Count, mean, min, max, median and a histogram of one metric's values (``None``
    and NaN are values that were not computed, and are left out)."""
    import numpy as np

    array = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if array.size == 0:
        return MetricSummary(column, 0, None, None, None, None, None)
    finite = array[np.isfinite(array)]
    histogram = None
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        counts, _ = np.histogram(finite, bins=bins, range=(low, high) if high > low else None)
        histogram = Histogram(low, high, tuple(int(c) for c in counts))
    return MetricSummary(
        column,
        int(array.size),
        float(np.mean(array)),
        float(array.min()),
        float(array.max()),
        float(np.median(array)),
        histogram,
        int(array.size - finite.size),
    )


def table_summaries(body: TableBody) -> tuple[MetricSummary, ...]:
    """The :func:`summarise` of each metric of a table."""
    return tuple(
        summarise(metric, (row.values[index] for row in body.rows))
        for index, metric in enumerate(body.metrics)
    )

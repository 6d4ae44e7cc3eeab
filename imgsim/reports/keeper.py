"""What a report keeps of the rows a command streams: the worst few, and summaries.

A run of a million pairs must not hold a million rows for its report. A
:class:`TableKeeper` watches each row as it is written and keeps, in bounded memory:

- the worst ``keep`` rows by the metric the report sorts by (a heap of ``keep`` rows:
  O(log keep) per row);
- per metric, the count of values and of infinite ones, and a
  :class:`StreamingHistogram`;
- the inputs that could not be read (one short record each; they are listed anyway).

The histogram cannot know the final ``[min, max]`` while rows arrive, so it counts into
:data:`FINE_BINS` bins over a range that doubles whenever a value falls outside it (two
neighbouring bins merge: nothing is recounted), then regroups them into the report's
bins between the exact minimum and maximum. Each fine bin goes whole to the report bin
its centre falls in, so a value is misplaced only when it lies within one fine bin of a
report-bin edge; the fine range is at most four times the values' span, so a fine bin
is at most 1/256 of the span, about 1/13 of a report bin. Up to :data:`EXACT_VALUES`
values per metric the histogram is exact (``numpy.histogram`` of the values).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from imgsim.reports.building import unscored
from imgsim.reports.model import (
    HISTOGRAM_BINS,
    Histogram,
    MetricColumn,
    MetricSummary,
    TableBody,
    TableRow,
    Unreadable,
    as_number,
    check_limit,
    sort_metric,
)

FINE_BINS = 1024
EXACT_VALUES = 4096
"""Values a histogram keeps before it starts counting into fine bins."""

Aggregates = Mapping[str, Mapping[str, float | None]]
"""A job's summary: ``{column: {"mean", "min", "max", "median"}}`` (``GatedColumns.summary``)."""


class StreamingHistogram:
    """Counts of finite values in bounded memory, regrouped into equal bins at the end."""

    def __init__(self) -> None:
        self._first: list[float] = []
        self._counts: np.ndarray | None = None
        self._low = 0.0
        self._width = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.count = 0

    def add(self, value: float) -> None:
        """Count one finite value."""
        self.count += 1
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
        if self._counts is None:
            self._first.append(value)
            if len(self._first) >= EXACT_VALUES and self.maximum > self.minimum:
                self._start_counting()
            return
        self._counts = self._widen_to(self._counts, value)
        index = min(int((value - self._low) / self._width), FINE_BINS - 1)
        self._counts[index] += 1

    def histogram(self, bins: int = HISTOGRAM_BINS) -> Histogram | None:
        """``bins`` equal bins between the minimum and the maximum; ``None`` without values."""
        if self.count == 0:
            return None
        low, high = self.minimum, self.maximum
        if self._counts is None:
            span = (low, high) if high > low else None
            counts, _ = np.histogram(np.asarray(self._first), bins=bins, range=span)
            return Histogram(low, high, tuple(int(c) for c in counts))
        centres = self._low + self._width * (np.arange(FINE_BINS) + 0.5)
        target = np.clip(np.floor((centres - low) / (high - low) * bins), 0, bins - 1)
        grouped = np.bincount(target.astype(np.int64), weights=self._counts, minlength=bins)
        return Histogram(low, high, tuple(round(float(c)) for c in grouped))

    def _start_counting(self) -> None:
        span = self.maximum - self.minimum
        self._low = self.minimum - span / 2
        self._width = 2 * span / FINE_BINS
        self._counts = np.zeros(FINE_BINS, dtype=np.float64)
        first = np.asarray(self._first)
        indices = np.minimum(((first - self._low) / self._width).astype(np.int64), FINE_BINS - 1)
        np.add.at(self._counts, indices, 1)
        self._first = []

    def _widen_to(self, counts: np.ndarray, value: float) -> np.ndarray:
        """``counts`` over a range doubled, on the side of ``value``, until it holds it."""
        while not self._low <= value < self._low + FINE_BINS * self._width:
            merged = counts.reshape(-1, 2).sum(axis=1)
            empty = np.zeros(FINE_BINS // 2)
            if value < self._low:
                self._low -= FINE_BINS * self._width
                counts = np.concatenate([empty, merged])
            else:
                counts = np.concatenate([merged, empty])
            self._width *= 2
        return counts


class _MetricStream:
    def __init__(self) -> None:
        self.values = 0
        self.infinite = 0
        self.total = 0.0
        self.histogram = StreamingHistogram()

    def add(self, value: float | None) -> None:
        if value is None or math.isnan(value):
            return
        self.values += 1
        self.total += value
        if math.isinf(value):
            self.infinite += 1
        else:
            self.histogram.add(value)

    def summary(
        self, column: MetricColumn, aggregates: Mapping[str, float | None]
    ) -> MetricSummary:
        """The summary with the job's own aggregates (the numbers its output shows); the
        mean, min and max counted here when the job gave none."""
        if self.values == 0:
            return MetricSummary(column, 0, None, None, None, None, None)
        histogram = self.histogram.histogram()
        finite_low = histogram.low if histogram is not None else None
        finite_high = histogram.high if histogram is not None else None
        return MetricSummary(
            column,
            self.values,
            aggregates.get("mean", self.total / self.values),
            aggregates.get("min", finite_low),
            aggregates.get("max", finite_high),
            aggregates.get("median"),
            histogram,
            self.infinite,
        )


class TableKeeper:
    """The rows of a pairs or quality run as its report needs them (see the module).

    Parameters
    ----------
    image_columns
        The columns that name a row's images (``a``, ``b``; ``path``).
    metrics
        The score columns and their directions; the first with a direction orders rows.
    keep
        Rows kept at most: the worst ones.
    wording
        How an ``error`` is worded for people (the command line words library terms as
        its flags); the text as it is by default.
    """

    def __init__(
        self,
        image_columns: Sequence[str],
        metrics: Sequence[MetricColumn],
        keep: int,
        wording: Callable[[str], str] = str,
    ) -> None:
        self.image_columns = tuple(image_columns)
        self.metrics = tuple(metrics)
        self.keep = check_limit(keep)
        self.unreadable: list[Unreadable] = []
        self.total = 0
        self._wording = wording
        self._order = sort_metric(self.metrics)
        self._sign = 1.0
        if self._order is not None and self.metrics[self._order].direction == "lower":
            self._sign = -1.0
        self._heap: list[tuple[tuple[float, ...], TableRow]] = []
        self._sequence = itertools.count()
        self._streams = [_MetricStream() for _ in self.metrics]

    def watch(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The rows, unchanged, each one observed as it passes."""
        for row in rows:
            self.observe(row)
            yield row

    def observe(self, row: Mapping[str, Any]) -> None:
        """Take one row: an unreadable input, or a scored row."""
        if unscored(row, self.metrics):
            self.unreadable.append(self._unreadable(row))
            return
        self.total += 1
        values = tuple(as_number(row.get(metric.name)) for metric in self.metrics)
        for stream, value in zip(self._streams, values, strict=True):
            stream.add(value)
        kept = TableRow(tuple(str(row.get(c, "")) for c in self.image_columns), values)
        # The heap's top is the best row kept, which a worse row replaces.
        item = ((*self._badness(values), -next(self._sequence)), kept)
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, item)
        elif item[0] > self._heap[0][0]:
            heapq.heapreplace(self._heap, item)

    def body(self) -> TableBody:
        """The rows kept, worst first, and the number of scored rows."""
        ordered = sorted(self._heap, key=lambda item: item[0], reverse=True)
        return TableBody(
            self.image_columns, self.metrics, tuple(row for _, row in ordered), self.total
        )

    def summaries(self, aggregates: Aggregates | None = None) -> tuple[MetricSummary, ...]:
        """Each metric's count, histogram and aggregates (``aggregates``: the job's)."""
        given = aggregates or {}
        return tuple(
            stream.summary(metric, given.get(metric.name, {}))
            for metric, stream in zip(self.metrics, self._streams, strict=True)
        )

    def _unreadable(self, row: Mapping[str, Any]) -> Unreadable:
        """The input of a row that could not be read: the image its error names first
        (``gen/cat.png: not an image``), else the row's first image."""
        reason = self._wording(row["error"])
        paths = [str(row.get(column, "")) for column in self.image_columns]
        for path in paths:
            if path and reason.startswith(f"{path}: "):
                return Unreadable(path, reason[len(path) + 2 :])
        return Unreadable(paths[0], reason)

    def _badness(self, values: tuple[float | None, ...]) -> tuple[float, float]:
        """Larger is worse: a row with a value before one without, then the worse value."""
        if self._order is None:
            return (0.0, 0.0)
        value = values[self._order]
        if value is None or math.isnan(value):
            return (0.0, 0.0)
        return (1.0, -self._sign * value)

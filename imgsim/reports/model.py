"""What a report shows: plain, frozen data that a command builds from its results.

The HTML, Markdown and JUnit writers read only this. The date is given, not read from
the clock, so that the same results make the same report. One body per kind: a
:class:`TableBody` for ``pairs`` and ``quality``, a :class:`RankBody`, a
:class:`DuplicatesBody`, a :class:`SetBody` (set metrics, worst-covered references).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from imgsim.errors import Argument, ArgumentError

if TYPE_CHECKING:
    from imgsim.gates import GateResult

Direction = Literal["higher", "lower", "neither"]
"""Which values of a metric are better, as :class:`imgsim.metrics.records.Metric` says."""
ReportKind = Literal["pairs", "rank", "duplicates", "set", "quality"]
HISTOGRAM_BINS = 20


@dataclass(frozen=True)
class RunInfo:
    """Where the results come from: the command line, imgsim's version, and the date."""

    command_line: str
    version: str
    date: str
    """As it is shown, e.g. ``2026-12-02T00:50:47Z``."""


@dataclass(frozen=True)
class FailingRow:
    """A row that broke an every-row gate: the names of its images and its value."""

    names: tuple[str, ...]
    value: float | None

    @property
    def label(self) -> str:
        """``a vs b`` (or the one path); ``the run`` for the one row of a set metric."""
        return " vs ".join(self.names) or "the run"


@dataclass(frozen=True)
class Verdict:
    """One gate's verdict: the gate as typed, whether it held, and the rows that broke it."""

    gate: str
    passed: bool
    failing_rows: tuple[FailingRow, ...] = ()
    value: float | None = None
    """The aggregate or run-level value, for a gate that checks one value."""
    value_name: str | None = None
    """What :attr:`value` is (``mean``, ``unmatched``); ``None`` for an every-row gate."""

    @property
    def failing_count(self) -> int:
        return len(self.failing_rows)

    @classmethod
    def of(cls, result: GateResult, keys: Sequence[str]) -> Verdict:
        """The verdict of a :class:`~imgsim.gates.GateResult`; failing rows are named by
        their ``keys`` columns (``a``, ``b`` for pairs; ``path`` for quality)."""
        gate = result.gate
        rows = tuple(
            FailingRow(
                tuple(str(row.get(key, "")) for key in keys), as_number(row.get(gate.metric))
            )
            for row in result.failing_rows
        )
        return cls(gate.text, result.passed, rows, result.value, gate.value_name)


@dataclass(frozen=True)
class MetricColumn:
    """A score column: its name as the user typed it, and which values are better."""

    name: str
    direction: Direction


@dataclass(frozen=True)
class Histogram:
    """Counts of the finite values in ``len(counts)`` equal bins between the edges."""

    low: float
    high: float
    counts: tuple[int, ...]


@dataclass(frozen=True)
class MetricSummary:
    """Statistics of one metric over every row (rendered or not)."""

    column: MetricColumn
    count: int
    """Values that were computed (``inf`` included)."""
    mean: float | None
    minimum: float | None
    maximum: float | None
    median: float | None
    histogram: Histogram | None
    """``None`` when no value is finite."""
    infinite: int = 0
    """Values at ±infinity, which no histogram bin holds (PSNR of identical images)."""


@dataclass(frozen=True)
class TableRow:
    """One row of a pairs or quality report: its images, then one value per metric."""

    images: tuple[str, ...]
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class TableBody:
    """Rows of images and scores (``pairs``: generated and reference; ``quality``: one)."""

    image_columns: tuple[str, ...]
    metrics: tuple[MetricColumn, ...]
    rows: tuple[TableRow, ...]
    total: int | None = None
    """The rows of the run when :attr:`rows` holds only the worst of them (a large run
    keeps a bounded number); ``None``: :attr:`rows` are all."""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row.images) != len(self.image_columns) or len(row.values) != len(self.metrics):
                raise ArgumentError(
                    f"{{}}: each row needs {len(self.image_columns)} images and "
                    f"{len(self.metrics)} values, got {len(row.images)} and {len(row.values)}",
                    Argument("rows"),
                )


@dataclass(frozen=True)
class Match:
    """One of a query's nearest gallery images."""

    rank: int
    path: str
    score: float | None


@dataclass(frozen=True)
class RankedQuery:
    query: str
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class RankBody:
    """For each query image its top-k gallery images, scored by ``distance``."""

    distance: MetricColumn
    queries: tuple[RankedQuery, ...]


@dataclass(frozen=True)
class DuplicateMember:
    path: str
    distance: float | None
    """To the group's first member (``None`` for the first itself)."""


@dataclass(frozen=True)
class DuplicateGroup:
    number: int
    members: tuple[DuplicateMember, ...]


@dataclass(frozen=True)
class DuplicatesBody:
    """Groups of near-duplicate images of one set, under the ``distance`` named."""

    distance: str
    groups: tuple[DuplicateGroup, ...]


@dataclass(frozen=True)
class SetValue:
    """One set metric (``fd``, ``coverage``) between the generated and reference sets."""

    column: MetricColumn
    value: float | None


@dataclass(frozen=True)
class CoveredImage:
    """A reference image and the distance to its nearest generated image."""

    path: str
    distance: float


@dataclass(frozen=True)
class SetBody:
    """The set metrics, and the reference images that no generated image is near
    (farthest first)."""

    metrics: tuple[SetValue, ...]
    distance: str
    """The distance :attr:`CoveredImage.distance` is measured in."""
    worst_covered: tuple[CoveredImage, ...] = ()
    note: str = ""
    """What the report says about the reference images, e.g. why none are shown (a
    statistics file holds no paths)."""


Body = TableBody | RankBody | DuplicatesBody | SetBody
_BODY_OF_KIND: dict[str, type] = {
    "pairs": TableBody,
    "quality": TableBody,
    "rank": RankBody,
    "duplicates": DuplicatesBody,
    "set": SetBody,
}


@dataclass(frozen=True)
class Unreadable:
    """An input that could not be read, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Report:
    """Everything one report shows."""

    run: RunInfo
    kind: ReportKind
    body: Body
    verdicts: tuple[Verdict, ...] = ()
    summaries: tuple[MetricSummary, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()

    def __post_init__(self) -> None:
        expected = _BODY_OF_KIND.get(self.kind)
        if expected is None:
            problem = f"{self.kind!r} is not a report kind; use one of {', '.join(_BODY_OF_KIND)}"
            raise ArgumentError(f"{{}}: {problem}", Argument("kind"))
        if not isinstance(self.body, expected):
            problem = f"a {self.kind} report needs a {expected.__name__}, got {self.body!r:.60}"
            raise ArgumentError(f"{{}}: {problem}", Argument("body"))

    @property
    def passed(self) -> bool:
        """Whether every gate held (no gate: nothing failed)."""
        return all(verdict.passed for verdict in self.verdicts)

    @property
    def outcome(self) -> str:
        """``passed`` or ``FAILED`` as the gates say; ``no gates`` without any."""
        if not self.verdicts:
            return "no gates"
        return "passed" if self.passed else "FAILED"

    @property
    def total_rows(self) -> int:
        """The rows of the results: pairs or images, queries, groups, worst-covered images."""
        body = self.body
        if isinstance(body, TableBody):
            return len(body.rows) if body.total is None else body.total
        if isinstance(body, RankBody):
            return len(body.queries)
        if isinstance(body, DuplicatesBody):
            return len(body.groups)
        return len(body.worst_covered)

    def rendered_rows(self, limit: int) -> int:
        """How many of :attr:`total_rows` a report of at most ``limit`` rows shows (no
        more than a table holds)."""
        held = len(self.body.rows) if isinstance(self.body, TableBody) else self.total_rows
        return min(self.total_rows, held, check_limit(limit))


def check_limit(limit: int) -> int:
    """``limit`` if it is a positive number of rows."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ArgumentError(
            f"{{}}: must be a positive number of rows, got {limit!r}", Argument("limit")
        )
    return limit


def sort_metric(metrics: Sequence[MetricColumn], by: str | None = None) -> int | None:
    """The index of the metric that orders rows worst-first: ``by``, else the first
    with a direction; ``None`` when no metric has one."""
    names = [metric.name for metric in metrics]
    if by is not None:
        if by not in names:
            raise ArgumentError(
                f"{{}}: {by!r} is not a metric of the report; metrics: {', '.join(names)}",
                Argument("sort_by"),
            )
        return names.index(by)
    for index, metric in enumerate(metrics):
        if metric.direction != "neither":
            return index
    return None


def worst_first(body: TableBody, by: str | None = None) -> list[TableRow]:
    """The rows, worst first: the lowest values of a higher-is-better metric first, the
    highest of a lower-is-better one (and of a metric without a direction that ``by``
    chooses). Rows without the value come last; ties keep their order. With no ``by``
    and no metric with a direction, the order stays as it is."""
    index = sort_metric(body.metrics, by)
    if index is None:
        return list(body.rows)
    sign = 1.0 if body.metrics[index].direction == "higher" else -1.0

    def key(row: TableRow) -> tuple[bool, float]:
        value = row.values[index]
        missing = value is None or math.isnan(value)
        return (missing, 0.0 if missing else sign * value)  # type: ignore[operator]

    return sorted(body.rows, key=key)


def as_number(value: Any) -> float | None:
    """``value`` as a float when it is a number (not a bool); ``None`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def visible(value: object) -> str:
    """``value`` as text every report can hold: control characters and the lone
    surrogates of an undecodable file name written as escapes (``\\x07``, ``\\udcff``),
    as Python's ``repr`` writes them, so that the name stays recognisable and the file
    stays valid UTF-8, HTML and XML 1.0."""
    return _UNSHOWABLE.sub(lambda found: repr(found.group())[1:-1], str(value))

"""The reports of a command's run: which were asked for, and each one built from the
results of the job behind the command.

A command turns its options into a :class:`ReportRequest` (checked before any image is
read, so that a report that could not be written fails the run at once, not after it),
watches its rows stream by with a :class:`~imgsim.reports.keeper.TableKeeper` (pairs,
quality), and once its verdicts are known builds a :class:`~imgsim.reports.model.Report`
with the builder of its kind and has the request write it: the verdicts in the reports
are the ones its exit status is decided from.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from imgsim.defaults import DEFAULT_MAX_PIXELS
from imgsim.errors import Argument, ArgumentError
from imgsim.reports.html import DEFAULT_LIMIT
from imgsim.reports.keeper import TableKeeper
from imgsim.reports.markdown import DEFAULT_ROWS
from imgsim.reports.model import (
    CoveredImage,
    Direction,
    DuplicateGroup,
    DuplicateMember,
    DuplicatesBody,
    Match,
    MetricColumn,
    RankBody,
    RankedQuery,
    Report,
    RunInfo,
    SetBody,
    SetValue,
    Unreadable,
    Verdict,
    as_number,
)

if TYPE_CHECKING:
    from imgsim.gates import GateResult
    from imgsim.jobs.compare import PairComparison
    from imgsim.jobs.features import Failure, FeatureSet
    from imgsim.jobs.outcome import Outcome
    from imgsim.jobs.quality import QualityOptions, QualityRun
    from imgsim.pairs import CompareOptions

STDOUT = Path("-")
"""The summary path that means standard output."""
PAIR_KEYS = ("a", "b")
PATH_KEYS = ("path",)
Wording = Callable[[str], str]


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class ReportRequest:
    """The reports a run writes, and where.

    Parameters
    ----------
    html
        The HTML report; ``None``: none.
    html_limit
        Rows the HTML report renders at most (the worst ones).
    summary
        The Markdown summary; :data:`STDOUT` (``-``) writes it to standard output, which
        only a run that writes its rows to a file (``out``) may do.
    junit
        The JUnit XML file.
    out
        Where the run writes its rows; ``None``: standard output.
    """

    html: Path | None = None
    html_limit: int = DEFAULT_LIMIT
    summary: Path | None = None
    junit: Path | None = None
    out: Path | None = None

    def __post_init__(self) -> None:
        limit = self.html_limit
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ArgumentError(
                f"{{}}: must be a positive number of rows, got {limit!r}", Argument("html_limit")
            )
        if self.summary == STDOUT and self.out is None:
            raise ArgumentError(
                "{}: standard output holds the rows; write them to a file with {} to have "
                "the summary there, or name a file for the summary",
                Argument("summary", "-"),
                Argument("out"),
            )
        for name in ("html", "summary", "junit"):
            path = getattr(self, name)
            if path is not None and path != STDOUT:
                _check_writable(path, name)

    @property
    def wanted(self) -> bool:
        """Whether any report is asked for."""
        return any(path is not None for path in (self.html, self.summary, self.junit))

    @property
    def keep(self) -> int:
        """Rows a table report keeps: what the HTML report and the summary show."""
        return max(self.html_limit, DEFAULT_ROWS)

    def write(
        self, report: Report, *, stdout: IO[str], max_pixels: int = DEFAULT_MAX_PIXELS
    ) -> None:
        """Write each report asked for, atomically (the summary to ``stdout`` for ``-``)."""
        from imgsim.reports.html import write_html
        from imgsim.reports.junit import write_junit
        from imgsim.reports.markdown import render_markdown, write_markdown

        if self.html is not None:
            write_html(report, self.html, limit=self.html_limit, max_pixels=max_pixels)
        if self.summary == STDOUT:
            stdout.write(render_markdown(report))
            stdout.flush()
        elif self.summary is not None:
            write_markdown(report, self.summary)
        if self.junit is not None:
            write_junit(report, self.junit)


def _check_writable(path: Path, name: str) -> None:
    folder = path.parent if str(path.parent) else Path()
    if path.is_dir():
        raise ArgumentError(f"{{}}: {path} is a folder, not a file", Argument(name))
    if not folder.is_dir():
        raise ArgumentError(f"{{}}: {path}: there is no folder {folder}", Argument(name))


def run_info(command_line: str, *, now: datetime.datetime | None = None) -> RunInfo:
    """The command line, imgsim's version and the date (UTC, to the second)."""
    from imgsim import __version__

    moment = now or datetime.datetime.now(datetime.timezone.utc)
    return RunInfo(command_line, __version__, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def verdicts_of(results: Iterable[GateResult], keys: Sequence[str]) -> tuple[Verdict, ...]:
    """The report's verdicts of a job's gate results, failing rows named by ``keys``."""
    return tuple(Verdict.of(result, keys) for result in results)


def unreadable_inputs(
    failures: Iterable[Failure], wording: Wording = str
) -> tuple[Unreadable, ...]:
    """The files a set job could not read, and why."""
    return tuple(Unreadable(str(failure.path), wording(failure.reason)) for failure in failures)


# --------------------------------------------------------------------------- pairs, quality


def pair_columns(options: CompareOptions) -> tuple[MetricColumn, ...]:
    """Each score column of a compare run, with the direction of its metric."""
    from imgsim.metrics.registry import NO_REFERENCE_METRICS

    columns: list[MetricColumn] = []
    for metric in options.metrics:
        direction: Direction = "higher" if metric.higher_is_better else "lower"
        if metric.kind == "no-reference":
            direction = NO_REFERENCE_METRICS[metric.name].direction
        columns.extend(MetricColumn(column, direction) for column in metric.columns)
    return tuple(columns)


def quality_columns(options: QualityOptions) -> tuple[MetricColumn, ...]:
    """Each value column of a quality run, with the direction of its metric."""
    from imgsim.metrics.registry import NO_REFERENCE_METRICS

    return tuple(
        MetricColumn(output, NO_REFERENCE_METRICS[name].direction)
        for name in options.metrics
        for output in NO_REFERENCE_METRICS[name].outputs
    )


def pairs_keeper(
    options: CompareOptions, request: ReportRequest, wording: Wording = str
) -> TableKeeper:
    """What a compare run's report keeps of its rows."""
    return TableKeeper(PAIR_KEYS, pair_columns(options), request.keep, wording)


def quality_keeper(
    options: QualityOptions, request: ReportRequest, wording: Wording = str
) -> TableKeeper:
    """What a quality run's report keeps of its rows."""
    return TableKeeper(PATH_KEYS, quality_columns(options), request.keep, wording)


def pairs_report(run: RunInfo, kept: TableKeeper, comparison: PairComparison) -> Report:
    """The report of a compare run whose rows ``kept`` watched."""
    return Report(
        run,
        "pairs",
        kept.body(),
        verdicts_of(comparison.verdicts(), PAIR_KEYS),
        kept.summaries(comparison.summary()),
        tuple(kept.unreadable),
    )


def quality_report(run: RunInfo, kept: TableKeeper, quality: QualityRun) -> Report:
    """The report of a quality run whose rows ``kept`` watched."""
    return Report(
        run,
        "quality",
        kept.body(),
        verdicts_of(quality.verdicts(), PATH_KEYS),
        kept.summaries(quality.summary()),
        tuple(kept.unreadable),
    )


# --------------------------------------------------------------------------- whole sets


def set_report(
    run: RunInfo,
    outcome: Outcome,
    *,
    feature: str,
    generated: FeatureSet,
    reference: FeatureSet | None,
    limit: int = DEFAULT_LIMIT,
    wording: Wording = str,
) -> Report:
    """The report of ``compare --set``: the set metrics and, when the reference set is
    a folder (``reference`` given), its images farthest from every generated image; a
    statistics file (``reference`` ``None``) holds no paths, and the report says so."""
    from imgsim.features import get_feature
    from imgsim.metrics.registry import get_set_metric

    row = outcome.rows[0]
    values = tuple(
        SetValue(MetricColumn(name, get_set_metric(name).direction), as_number(row.get(name)))
        for name in outcome.scored
    )
    distance = get_feature(feature).default_distance
    failures = [*(reference.failures if reference is not None else ()), *generated.failures]
    if reference is None:
        note = (
            f"The reference {row.get('b')} is a statistics file, which holds no image paths: "
            "no reference images are shown."
        )
        body = SetBody(values, distance, (), note)
    else:
        covered = worst_covered(generated, reference, feature=feature, limit=limit)
        body = SetBody(values, distance, covered)
    verdicts = verdicts_of(outcome.verdicts, ())
    return Report(run, "set", body, verdicts, (), unreadable_inputs(failures, wording))


def worst_covered(
    generated: FeatureSet, reference: FeatureSet, *, feature: str, limit: int = DEFAULT_LIMIT
) -> tuple[CoveredImage, ...]:
    """The reference images that no generated image is near, farthest first: each
    reference vector's distance to its nearest generated vector (:func:`imgsim.topk`,
    the feature's own distance), at most ``limit`` of them."""
    import numpy as np

    from imgsim.features import get_feature
    from imgsim.metrics.distances import get_distance
    from imgsim.metrics.search import topk
    from imgsim.neighbours import search_values

    spec = get_feature(feature)
    metric = get_distance(spec.default_distance)
    _, scores = topk(
        search_values(spec, metric, reference.values),
        search_values(spec, metric, generated.values),
        1,
        metric.name,
    )
    nearest = np.asarray(scores, dtype=np.float64)[:, 0]
    order = np.argsort(nearest if metric.higher_is_closer else -nearest, kind="stable")
    return tuple(CoveredImage(reference.paths[i], float(nearest[i])) for i in order[:limit])


def diversity_report(
    run: RunInfo, outcome: Outcome, *, unreadable: Sequence[Unreadable] = ()
) -> Report:
    """The report of ``diversity``: its scores as the metrics of one set."""
    row = outcome.rows[0]
    distance = str(row.get("distance", ""))
    values = tuple(
        SetValue(MetricColumn(name, _diversity_direction(name, distance)), as_number(row[name]))
        for name in outcome.scored
    )
    paths = row.get("path", "")
    note = f"Diversity of one set ({paths}) under {distance}: there are no reference images."
    body = SetBody(values, distance, (), note)
    return Report(run, "set", body, verdicts_of(outcome.verdicts, ()), (), tuple(unreadable))


_DIVERSITY_DIRECTIONS: dict[str, Direction] = {
    "vendi": "higher",
    "near_duplicates": "lower",
    "near_duplicate_ratio": "lower",
}


def _diversity_direction(name: str, distance: str) -> Direction:
    """More varied is better: higher mean distance (lower mean similarity), higher Vendi
    score, fewer near-duplicates; the number of images is neither."""
    from imgsim.metrics.distances import get_distance

    if name == "mean_distance":
        return "lower" if get_distance(distance).higher_is_closer else "higher"
    return _DIVERSITY_DIRECTIONS.get(name, "neither")


# --------------------------------------------------------------------------- rank, duplicates


def rank_report(run: RunInfo, outcome: Outcome, *, unreadable: Sequence[Unreadable] = ()) -> Report:
    """The report of ``rank``: each query with its matches, in the order of the rows."""
    from imgsim.jobs.search import RANK_KEYS
    from imgsim.metrics.distances import get_distance

    column = outcome.scored[0]
    queries: dict[str, list[Match]] = {}
    for row in outcome.rows:
        match = Match(int(row["rank"]), str(row["match"]), as_number(row[column]))
        queries.setdefault(str(row["query"]), []).append(match)
    body = RankBody(
        MetricColumn(column, get_distance(column).direction),
        tuple(RankedQuery(query, tuple(matches)) for query, matches in queries.items()),
    )
    verdicts = verdicts_of(outcome.verdicts, RANK_KEYS)
    return Report(run, "rank", body, verdicts, (), tuple(unreadable))


def duplicates_report(
    run: RunInfo,
    outcome: Outcome,
    *,
    feature: str,
    distance: str,
    found: FeatureSet | None = None,
    unreadable: Sequence[Unreadable] = (),
) -> Report:
    """The report of ``duplicates``: its groups, each member with its distance to the
    group's first member when the set's features (``found``) are given."""
    groups: dict[int, list[str]] = {}
    for row in outcome.rows:
        groups.setdefault(int(row["group"]), []).append(str(row["path"]))
    body = DuplicatesBody(
        distance,
        tuple(
            DuplicateGroup(number, _members(paths, feature, distance, found))
            for number, paths in groups.items()
        ),
    )
    return Report(run, "duplicates", body, (), (), tuple(unreadable))


def _members(
    paths: list[str], feature: str, distance: str, found: FeatureSet | None
) -> tuple[DuplicateMember, ...]:
    if found is None:
        return tuple(DuplicateMember(path, None) for path in paths)
    import numpy as np

    from imgsim.features import get_feature
    from imgsim.metrics.distances import get_distance
    from imgsim.metrics.search import topk
    from imgsim.neighbours import search_values

    spec = get_feature(feature)
    metric = get_distance(distance)
    position = {path: index for index, path in enumerate(found.paths)}
    values = search_values(spec, metric, found.values[[position[p] for p in paths]])
    indices, scores = topk(values[:1], values, len(paths), metric.name)
    distances = np.asarray(scores, dtype=np.float64)[0]
    by_member = dict(zip(indices[0].tolist(), distances.tolist(), strict=True))
    rest = [DuplicateMember(path, by_member[index]) for index, path in enumerate(paths[1:], 1)]
    return (DuplicateMember(paths[0], None), *rest)

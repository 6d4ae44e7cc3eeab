"""The Markdown summary: GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY``.

Verdicts first (what a CI reader looks for), then the statistics of each metric,
then the worst rows. Names and values are text, never markup: ``&``, ``<`` and ``>``
become character references (GitHub would otherwise render or strip HTML), and the
punctuation that Markdown reads as syntax is backslash-escaped (CommonMark 0.31,
"Backslash escapes"), including the ``|`` that would split a table cell (GFM tables).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from imgsim.output import atomic_text_file, format_number
from imgsim.reports.model import (
    DuplicatesBody,
    RankBody,
    Report,
    SetBody,
    TableBody,
    Verdict,
    check_limit,
    visible,
    worst_first,
)

DEFAULT_ROWS = 20
"""Worst rows in the summary: a job summary is read, not searched."""
_FAILING_SHOWN = 20
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md_text(value: object) -> str:
    """``value`` as literal Markdown text, safe inside a table cell."""
    return _PUNCTUATION.sub(r"\\\1", html.escape(visible(value), quote=False))


def md_number(value: float | None) -> str:
    return "" if value is None else md_text(format_number(value))


def render_markdown(report: Report, *, limit: int = DEFAULT_ROWS) -> str:
    """The summary as GitHub-flavoured Markdown, at most ``limit`` worst rows."""
    shown = report.rendered_rows(check_limit(limit))
    blocks = [
        f"## imgsim {report.kind}: {report.outcome}",
        "\n".join(_verdict_lines(report.verdicts)),
        f"{md_text(report.run.command_line)}  \nimgsim {md_text(report.run.version)}, "
        f"{md_text(report.run.date)}",
    ]
    if report.unreadable:
        blocks.append(
            f"### {len(report.unreadable)} unreadable input"
            f"{'s' if len(report.unreadable) != 1 else ''}\n\n"
            + "\n".join(f"- {md_text(i.path)}: {md_text(i.reason)}" for i in report.unreadable)
        )
    if report.summaries:
        blocks.append(_summary_table(report))
    blocks.append(_results(report, shown))
    return "\n\n".join(block for block in blocks if block) + "\n"


def write_markdown(report: Report, path: Path, *, limit: int = DEFAULT_ROWS) -> None:
    """Write :func:`render_markdown` to ``path`` atomically."""
    summary = render_markdown(report, limit=limit)
    with atomic_text_file(path) as stream:
        stream.write(summary)


def _verdict_lines(verdicts: Sequence[Verdict]) -> Iterable[str]:
    if not verdicts:
        yield "No gates were checked."
    for verdict in verdicts:
        mark = ":white_check_mark: passed" if verdict.passed else ":x: **FAILED**"
        line = f"- {mark}: {md_text(verdict.gate)}"
        if verdict.value_name is not None:
            shown = "no values" if verdict.value is None else format_number(verdict.value)
            line += f" ({md_text(verdict.value_name)} = {md_text(shown)})"
        elif not verdict.passed:
            count = verdict.failing_count
            line += f" on {count} row{'s' if count != 1 else ''}" if count else " (no values)"
        yield line
        if verdict.passed:
            continue
        for row in verdict.failing_rows[:_FAILING_SHOWN]:
            yield f"  - {md_text(row.label)}: {md_number(row.value)}"
        if verdict.failing_count > _FAILING_SHOWN:
            yield f"  - … and {verdict.failing_count - _FAILING_SHOWN} more"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: int = 0) -> str:
    """A GFM table; its last ``numeric`` columns right-aligned."""
    align = ["---"] * (len(head) - numeric) + ["---:"] * numeric
    lines = [f"| {' | '.join(head)} |", f"| {' | '.join(align)} |"]
    lines.extend(f"| {' | '.join(row)} |" for row in rows)
    return "\n".join(lines)


def _summary_table(report: Report) -> str:
    rows = [
        [
            md_text(s.column.name),
            md_text(s.column.direction if s.column.direction != "neither" else "—"),
            str(s.count),
            md_number(s.mean),
            md_number(s.minimum),
            md_number(s.maximum),
            md_number(s.median),
        ]
        for s in report.summaries
    ]
    head = ["metric", "better", "values", "mean", "min", "max", "median"]
    return "### Summary\n\n" + _table(head, rows, numeric=5)


def _results(report: Report, shown: int) -> str:
    body = report.body
    total = report.total_rows
    note = f"{shown} of {total}" if shown < total else f"all {total}"
    if isinstance(body, TableBody):
        rows = worst_first(body)[:shown]
        head = [md_text(c) for c in (*body.image_columns, *(m.name for m in body.metrics))]
        cells = [[*(md_text(p) for p in r.images), *(md_number(v) for v in r.values)] for r in rows]
        title = f"### Worst {'pairs' if report.kind == 'pairs' else 'images'} ({note})"
        return f"{title}\n\n{_table(head, cells, numeric=len(body.metrics))}"
    if isinstance(body, RankBody):
        cells = [
            [md_text(q.query), str(m.rank), md_text(m.path), md_number(m.score)]
            for q in body.queries[:shown]
            for m in q.matches
        ]
        head = ["query", "rank", "match", md_text(body.distance.name)]
        return f"### Nearest matches ({note} queries)\n\n{_table(head, cells, numeric=1)}"
    if isinstance(body, DuplicatesBody):
        cells = [
            [str(g.number), md_text(m.path), md_number(m.distance)]
            for g in body.groups[:shown]
            for m in g.members
        ]
        head = ["group", "path", md_text(body.distance)]
        return f"### Near-duplicate groups ({note})\n\n{_table(head, cells, numeric=1)}"
    return _set_results(body, shown, note)


def _set_results(body: SetBody, shown: int, note: str) -> str:
    metrics = [
        [md_text(v.column.name), md_text(v.column.direction), md_number(v.value)]
        for v in body.metrics
    ]
    text = "### Set metrics\n\n" + _table(["metric", "better", "value"], metrics, numeric=1)
    if body.note:
        text += f"\n\n{md_text(body.note)}"
    if body.worst_covered:
        covered = [[md_text(c.path), md_number(c.distance)] for c in body.worst_covered[:shown]]
        head = ["reference image", md_text(body.distance)]
        text += f"\n\n### Worst-covered reference images ({note})\n\n"
        text += _table(head, covered, numeric=1)
    return text

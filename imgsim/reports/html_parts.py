"""The sections of the HTML report, each a string of escaped HTML.

Every name and value from the results goes through :func:`text` (``html.escape``
with quotes), in element content and attributes alike, so a file named
``<img src=x onerror=alert(1)>.png`` is shown as those characters. Attributes are
never event handlers: the one script of the page adds its listeners itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from imgsim.output import format_number
from imgsim.reports.model import (
    DuplicatesBody,
    MetricColumn,
    MetricSummary,
    RankBody,
    Report,
    SetBody,
    TableBody,
    TableRow,
    Unreadable,
    Verdict,
    visible,
)
from imgsim.reports.svg import histogram_svg
from imgsim.reports.thumbs import Thumbnail

Thumbs = Mapping[str, Thumbnail]
_FAILING_SHOWN = 20
"""Failing rows listed under a failed gate in the banner; the rest are counted."""
_SORT_ORDER = {"higher": "ascending", "lower": "descending"}


def text(value: object) -> str:
    """``value`` as HTML text, safe in element content and in quoted attributes."""
    return escape(visible(value), quote=True)


def number(value: float | None) -> str:
    """A score as the page shows it (6 digits, ``inf``); empty when not computed."""
    return "" if value is None else text(format_number(value))


def sort_value(value: float | None) -> str:
    """A score as the sorting script reads it (``parseFloat``): empty when not computed."""
    if value is None or math.isnan(value):
        return ""
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def header(report: Report) -> str:
    run = report.run
    return (
        f"<header><h1>imgsim {text(report.kind)} report</h1>"
        f'<p class="command"><code>{text(run.command_line)}</code></p>'
        f'<p class="meta">imgsim {text(run.version)} · {text(run.date)}</p></header>'
    )


def banner(verdicts: Sequence[Verdict]) -> str:
    """The gates' verdicts: one line per gate, a failed every-row gate with its rows."""
    if not verdicts:
        return '<section class="banner none" id="gates"><p>No gates were checked.</p></section>'
    failed = [verdict for verdict in verdicts if not verdict.passed]
    state = "fail" if failed else "pass"
    title = f"{len(failed)} of {len(verdicts)} gates FAILED" if failed else "Every gate held"
    items = "".join(_verdict_item(verdict) for verdict in verdicts)
    return (
        f'<section class="banner {state}" id="gates" role="status">'
        f"<h2>{text(title)}</h2><ul>{items}</ul></section>"
    )


def _verdict_item(verdict: Verdict) -> str:
    state = "passed" if verdict.passed else "FAILED"
    detail = ""
    if verdict.value_name is not None:
        shown = "no values" if verdict.value is None else format_number(verdict.value)
        detail = f" ({verdict.value_name} = {shown})"
    elif not verdict.passed:
        count = verdict.failing_count
        detail = f" on {count} row{'s' if count != 1 else ''}" if count else " (no values)"
    rows = ""
    if not verdict.passed and verdict.failing_rows:
        listed = "".join(
            f"<li>{text(row.label)}: {number(row.value)}</li>"
            for row in verdict.failing_rows[:_FAILING_SHOWN]
        )
        more = verdict.failing_count - _FAILING_SHOWN
        if more > 0:
            listed += f"<li>… and {more} more</li>"
        rows = f'<ul class="failing">{listed}</ul>'
    return (
        f'<li class="{"passed" if verdict.passed else "failed"}">'
        f'<span class="state">{state}</span> <code class="gate">{text(verdict.gate)}</code>'
        f"{text(detail)}{rows}</li>"
    )


def unreadable(inputs: Sequence[Unreadable]) -> str:
    if not inputs:
        return ""
    items = "".join(
        f'<li><span class="path">{text(item.path)}</span>: {text(item.reason)}</li>'
        for item in inputs
    )
    return (
        f'<section class="unreadable" id="unreadable"><h2>{len(inputs)} unreadable '
        f"input{'s' if len(inputs) != 1 else ''}</h2><ul>{items}</ul></section>"
    )


def summaries(items: Sequence[MetricSummary]) -> str:
    """Mean, min, max, median and the histogram of each metric."""
    if not items:
        return ""
    rows = "".join(
        f'<tr><th scope="row">{text(s.column.name)}</th><td>{text(_direction(s.column))}</td>'
        f"<td>{s.count}</td><td>{number(s.mean)}</td><td>{number(s.minimum)}</td>"
        f"<td>{number(s.maximum)}</td><td>{number(s.median)}</td>"
        f"<td>{histogram_svg(s)}{_infinite(s)}</td></tr>"
        for s in items
    )
    return (
        '<section class="summary" id="summary"><h2>Summary over every row</h2>'
        '<table class="summary"><thead><tr><th>metric</th><th>better</th><th>values</th>'
        "<th>mean</th><th>min</th><th>max</th><th>median</th><th>histogram</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _direction(column: MetricColumn) -> str:
    return {"higher": "higher", "lower": "lower"}.get(column.direction, "—")


def _infinite(summary: MetricSummary) -> str:
    if not summary.infinite:
        return ""
    return f'<p class="inf">{summary.infinite} infinite, not drawn</p>'


def totals(report: Report, shown: int, what: str) -> str:
    total = report.total_rows
    if shown == total:
        return f'<p class="totals" id="totals">{total} {text(what)}, all shown.</p>'
    return (
        f'<p class="totals" id="totals">{shown} of {total} {text(what)} shown '
        "(the worst first); the rest are in the command's other outputs.</p>"
    )


def figure(path: str, thumbs: Thumbs, caption: str = "") -> str:
    """An image and its name; a placeholder with the reason for a file that cannot be read."""
    thumb = thumbs.get(path)
    if thumb is not None and thumb.uri is not None:
        picture = f'<img src="{thumb.uri}" width="{thumb.width}" height="{thumb.height}" alt="">'
    else:
        reason = thumb.reason if thumb is not None else "no thumbnail"
        picture = f'<div class="missing">cannot show: {text(reason)}</div>'
    extra = f'<span class="score">{caption}</span>' if caption else ""
    name = f'<span class="path">{text(path)}</span>'
    return f"<figure>{picture}<figcaption>{name}{extra}</figcaption></figure>"


def table(body: TableBody, rows: Sequence[TableRow], sorted_by: int | None, thumbs: Thumbs) -> str:
    """The rows as a table the script can sort by any header; already worst-first."""
    heads = [f'<th scope="col" data-sort="text">{text(name)}</th>' for name in body.image_columns]
    for index, metric in enumerate(body.metrics):
        order = _SORT_ORDER.get(metric.direction, "descending")
        state = f' aria-sort="{order}"' if index == sorted_by else ""
        heads.append(f'<th scope="col" data-sort="number"{state}>{text(metric.name)}</th>')
    lines = []
    for row in rows:
        images = "".join(
            f'<td class="image" data-value="{text(path)}">{figure(path, thumbs)}</td>'
            for path in row.images
        )
        values = "".join(
            f'<td class="num" data-value="{sort_value(value)}">{number(value)}</td>'
            for value in row.values
        )
        lines.append(f"<tr>{images}{values}</tr>")
    return (
        '<table class="rows sortable" id="rows">'
        f"<thead><tr>{''.join(heads)}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )


def rank(body: RankBody, shown: int, thumbs: Thumbs) -> str:
    """A grid per query: the query, then its matches with their rank and score."""
    sections = []
    for query in body.queries[:shown]:
        matches = "".join(
            figure(
                match.path,
                thumbs,
                f"#{match.rank} {text(body.distance.name)} {number(match.score)}",
            )
            for match in query.matches
        )
        sections.append(
            f'<section class="query"><div class="query-image">{figure(query.query, thumbs)}</div>'
            f'<div class="grid">{matches}</div></section>'
        )
    return f'<div class="queries">{"".join(sections)}</div>'


def duplicates(body: DuplicatesBody, shown: int, thumbs: Thumbs) -> str:
    sections = []
    for group in body.groups[:shown]:
        members = "".join(
            figure(
                member.path,
                thumbs,
                ""
                if member.distance is None
                else f"{text(body.distance)} {number(member.distance)}",
            )
            for member in group.members
        )
        sections.append(
            f'<section class="group"><h3>group {group.number}: {len(group.members)} images</h3>'
            f'<div class="grid">{members}</div></section>'
        )
    return f'<div class="groups">{"".join(sections)}</div>'


def set_metrics(body: SetBody, shown: int, thumbs: Thumbs) -> str:
    """The set metrics, and the worst-covered reference images with their distance."""
    rows = "".join(
        f'<tr><th scope="row">{text(item.column.name)}</th>'
        f"<td>{text(_direction(item.column))}</td>"
        f'<td class="num">{number(item.value)}</td></tr>'
        for item in body.metrics
    )
    covered = "".join(
        figure(item.path, thumbs, f"{text(body.distance)} {number(item.distance)}")
        for item in body.worst_covered[:shown]
    )
    worst = (
        "<h2>Worst-covered reference images</h2><p>The reference images farthest from "
        f'every generated image.</p><div class="grid">{covered}</div>'
        if covered
        else ""
    )
    note = f'<p class="note" id="set-note">{text(body.note)}</p>' if body.note else ""
    return (
        '<table class="setmetrics"><thead><tr><th>metric</th><th>better</th><th>value</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>{note}{worst}"
    )

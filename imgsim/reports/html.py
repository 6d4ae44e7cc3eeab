"""The HTML report: one self-contained file with the images next to their scores.

Everything is inside the file: thumbnails as base64 JPEG ``data:`` URIs, histograms
as inline SVG, the style and one small script that sorts a table when a header is
clicked. The page is complete without the script: rows are written worst-first.

A Content-Security-Policy meta tag forbids every network access: ``default-src
'none'``, images only from ``data:``, and scripts only the one whose SHA-256 the tag
names (CSP Level 2, W3C), so an injected ``<script>`` or inline handler would not run
even if escaping ever failed. Inline styles are allowed: they cannot fetch anything
under ``default-src 'none'``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

from imgsim.defaults import DEFAULT_MAX_PIXELS
from imgsim.output import atomic_text_file
from imgsim.reports import html_parts as parts
from imgsim.reports.model import (
    DuplicatesBody,
    RankBody,
    Report,
    SetBody,
    TableBody,
    check_limit,
    sort_metric,
    worst_first,
)
from imgsim.reports.thumbs import thumbnails

DEFAULT_LIMIT = 500
"""Rows rendered at most (the worst ones): 500 pairs are about 15 MB of thumbnails."""

SORT_SCRIPT = """
"use strict";
(function () {
  function key(row, column) {
    var cell = row.cells[column];
    return cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent;
  }
  function compare(numeric, ascending) {
    return function (first, second) {
      var a = first.key, b = second.key;
      if (numeric) {
        if (a === "" || b === "") { return (a === "") - (b === "") || first.at - second.at; }
        a = parseFloat(a); b = parseFloat(b);
      }
      var order = a < b ? -1 : a > b ? 1 : 0;
      return (ascending ? order : -order) || first.at - second.at;
    };
  }
  function sortBy(table, head, column) {
    var body = table.tBodies[0];
    var ascending = head.getAttribute("aria-sort") !== "ascending";
    var numeric = head.getAttribute("data-sort") === "number";
    var rows = Array.prototype.map.call(body.rows, function (row, at) {
      return { row: row, key: key(row, column), at: at };
    });
    rows.sort(compare(numeric, ascending));
    Array.prototype.forEach.call(head.parentNode.cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (item) { body.appendChild(item.row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (head, column) {
      if (!head.hasAttribute("data-sort")) { return; }
      head.tabIndex = 0;
      head.title = "sort by this column";
      head.addEventListener("click", function () { sortBy(table, head, column); });
      head.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortBy(table, head, column);
        }
      });
    });
  });
})();
"""

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em;margin:0}h2{font-size:1.15em}code{font-size:.95em}
.meta,.totals{color:#555}
.banner{padding:.6em 1em;border-radius:6px;margin:1em 0;border:2px solid}
.banner.pass{background:#e8f6ea;border-color:#2e7d32}
.banner.fail{background:#fdecea;border-color:#c62828}
.banner.none{background:#f3f3f3;border-color:#999}
.banner h2{margin:.2em 0}.banner li.failed .state{color:#c62828;font-weight:bold}
.banner li.passed .state{color:#2e7d32;font-weight:bold}
table{border-collapse:collapse;margin:.5em 0}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th[data-sort]{cursor:pointer;user-select:none;background:#f5f5f5}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
figure{margin:0;display:inline-block;max-width:200px;vertical-align:top}
figcaption{font-size:12px;word-break:break-all}figcaption .score{display:block;color:#555}
img{display:block;background:#eee}
.missing{width:192px;height:96px;background:#f3f3f3;color:#a00;font-size:12px;
display:flex;align-items:center;justify-content:center;text-align:center}
.grid{display:flex;flex-wrap:wrap;gap:8px}
.query,.group{border-top:1px solid #ddd;padding:.5em 0;display:flex;gap:16px}
.group{display:block}.query-image{border-right:2px solid #999;padding-right:12px}
svg.hist rect{fill:#5c7cba}svg.hist text{font-size:10px;fill:#555}
"""

_WHAT = {
    "pairs": "pairs",
    "quality": "images",
    "rank": "queries",
    "duplicates": "groups",
    "set": "worst-covered reference images",
}


def _source_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src '{_source_hash(SORT_SCRIPT)}'; base-uri 'none'; form-action 'none'"
)


def render_html(
    report: Report,
    *,
    limit: int = DEFAULT_LIMIT,
    sort_by: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> str:
    """The report as one HTML page.

    Parameters
    ----------
    report
        What to show.
    limit
        Rows rendered at most: the worst ``limit`` pairs or images, the first queries,
        groups or worst-covered images. The totals say how many there were.
    sort_by
        The metric that orders the rows worst-first (default: the first metric with a
        direction, ``higher`` or ``lower`` is better).
    max_pixels
        Images with more pixels are not decoded for a thumbnail.
    """
    shown = report.rendered_rows(check_limit(limit))
    content, paths = _body(report, shown, sort_by)
    thumbs = thumbnails(paths, max_pixels=max_pixels)
    title = parts.text(f"imgsim {report.kind} report")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f"{parts.header(report)}{parts.banner(report.verdicts)}{parts.unreadable(report.unreadable)}"
        f"{parts.summaries(report.summaries)}"
        f'<section class="results" id="results"><h2>Results</h2>'
        f"{_totals(report, shown)}{content(thumbs)}</section>"
        f"<script>{SORT_SCRIPT}</script></body></html>\n"
    )


def write_html(
    report: Report,
    path: Path,
    *,
    limit: int = DEFAULT_LIMIT,
    sort_by: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> None:
    """Write :func:`render_html` to ``path`` atomically: the file appears complete or not."""
    page = render_html(report, limit=limit, sort_by=sort_by, max_pixels=max_pixels)
    with atomic_text_file(path) as stream:
        stream.write(page)


def _totals(report: Report, shown: int) -> str:
    """How many rows there are and how many are shown; nothing for a set report without
    reference images to show (its note says why)."""
    if isinstance(report.body, SetBody) and not report.body.worst_covered:
        return ""
    return parts.totals(report, shown, _WHAT[report.kind])


def _body(
    report: Report, shown: int, sort_by: str | None
) -> tuple[Callable[[parts.Thumbs], str], list[str]]:
    """The results section (given the thumbnails) and the images it shows."""
    body = report.body
    if isinstance(body, TableBody):
        rows = worst_first(body, sort_by)[:shown]
        sorted_by = sort_metric(body.metrics, sort_by)
        paths = [path for row in rows for path in row.images]
        return (lambda thumbs: parts.table(body, rows, sorted_by, thumbs)), paths
    if isinstance(body, RankBody):
        queries = body.queries[:shown]
        paths = [p for q in queries for p in (q.query, *(m.path for m in q.matches))]
        return (lambda thumbs: parts.rank(body, shown, thumbs)), paths
    if isinstance(body, DuplicatesBody):
        paths = [m.path for group in body.groups[:shown] for m in group.members]
        return (lambda thumbs: parts.duplicates(body, shown, thumbs)), paths
    paths = [item.path for item in body.worst_covered[:shown]]
    return (lambda thumbs: parts.set_metrics(body, shown, thumbs)), paths

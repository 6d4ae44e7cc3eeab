"""Reports that people and CI systems read: a self-contained HTML page, a GitHub-flavoured
Markdown summary, and JUnit XML with one test case per gate.

A command builds one :class:`Report` from its results (:mod:`imgsim.reports.model`);
each writer renders it and writes its file atomically.
"""

from __future__ import annotations

from imgsim.reports.building import summarise, table_body, table_summaries, unreadable_rows
from imgsim.reports.html import DEFAULT_LIMIT, render_html, write_html
from imgsim.reports.junit import render_junit, write_junit
from imgsim.reports.markdown import render_markdown, write_markdown
from imgsim.reports.model import (
    CoveredImage,
    DuplicateGroup,
    DuplicateMember,
    DuplicatesBody,
    FailingRow,
    Match,
    MetricColumn,
    MetricSummary,
    RankBody,
    RankedQuery,
    Report,
    RunInfo,
    SetBody,
    SetValue,
    TableBody,
    TableRow,
    Unreadable,
    Verdict,
    worst_first,
)

__all__ = [
    "DEFAULT_LIMIT",
    "CoveredImage",
    "DuplicateGroup",
    "DuplicateMember",
    "DuplicatesBody",
    "FailingRow",
    "Match",
    "MetricColumn",
    "MetricSummary",
    "RankBody",
    "RankedQuery",
    "Report",
    "RunInfo",
    "SetBody",
    "SetValue",
    "TableBody",
    "TableRow",
    "Unreadable",
    "Verdict",
    "render_html",
    "render_junit",
    "render_markdown",
    "summarise",
    "table_body",
    "table_summaries",
    "unreadable_rows",
    "worst_first",
    "write_html",
    "write_junit",
    "write_markdown",
]

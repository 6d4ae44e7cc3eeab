"""The Markdown summary, read back by markdown-it-py (CommonMark with GFM tables) and
the HTML it renders by Python's HTML parser: what a reader of the job summary sees."""

from __future__ import annotations

import statistics
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from report_support import (
    FAILING_GATE,
    PairsExample,
    duplicates_report,
    pairs_example,
    quality_report,
    rank_report,
    set_report,
    unreadable_file,
)

from imgsim.output import format_number
from imgsim.reports import (
    MetricColumn,
    render_markdown,
    table_body,
    unreadable_rows,
    write_markdown,
)


class _Rendered(HTMLParser):
    """The tags, the text and the table cells of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def rendered(markdown: str) -> _Rendered:
    parser = _Rendered()
    parser.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return parser


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> PairsExample:
    return pairs_example(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def summary(example: PairsExample) -> str:
    return render_markdown(example.report)


@pytest.fixture(scope="module")
def page(summary: str) -> _Rendered:
    return rendered(summary)


def _failing(example: PairsExample) -> list[dict[str, object]]:
    return [row for row in example.rows if float(row["ssim"]) < 0.8]  # type: ignore[arg-type]


def test_verdict_comes_first(summary: str) -> None:
    assert summary.startswith("## imgsim pairs: FAILED")


def test_failed_gate_is_named_with_its_count(page: _Rendered, example: PairsExample) -> None:
    assert f"FAILED: {FAILING_GATE} on {len(_failing(example))} rows" in "".join(page.text)


def test_passed_gate_says_so(page: _Rendered) -> None:
    assert "passed: mean(psnr)>=20 (mean = " in "".join(page.text)


def test_failing_rows_are_listed(page: _Rendered, example: PairsExample) -> None:
    text = "".join(page.text)
    assert all(f"{row['a']} vs {row['b']}" in text for row in _failing(example))


def test_hostile_names_make_no_html(page: _Rendered) -> None:
    assert "img" not in page.tags


def test_hostile_html_name_stays_text(page: _Rendered, example: PairsExample) -> None:
    assert example.hostile_path in [row[0] for row in page.rows]


def test_hostile_markdown_name_stays_one_cell(page: _Rendered, example: PairsExample) -> None:
    assert example.markdown_path in [row[0] for row in page.rows]


def test_summary_mean_is_the_mean_of_the_scores(page: _Rendered, example: PairsExample) -> None:
    mean = statistics.fmean(float(row["ssim"]) for row in example.rows)  # type: ignore[arg-type]
    ssim_row = next(row for row in page.rows if row[0] == "ssim")
    assert ssim_row[3] == format_number(mean)


def test_worst_rows_come_first(page: _Rendered, example: PairsExample) -> None:
    worst = min(example.rows, key=lambda row: float(row["ssim"]))  # type: ignore[arg-type]
    first = next(row for row in page.rows if row[0].endswith(".png"))
    assert first[0] == worst["a"]


def test_limit_keeps_the_worst_rows(example: PairsExample) -> None:
    rows = [r for r in rendered(render_markdown(example.report, limit=3)).rows if "/gen/" in r[0]]
    assert len(rows) == 3


def test_limit_states_the_totals(example: PairsExample) -> None:
    assert f"3 of {len(example.rows)}" in render_markdown(example.report, limit=3)


def test_unreadable_inputs_are_listed(page: _Rendered, example: PairsExample) -> None:
    assert example.report.unreadable[0].path in "".join(page.text)


def test_written_file_is_the_summary(example: PairsExample, summary: str, tmp_path: Path) -> None:
    write_markdown(example.report, tmp_path / "summary.md")
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == summary


def test_rank_summary_lists_every_match(tmp_path: Path) -> None:
    rows = rendered(render_markdown(rank_report(tmp_path))).rows
    assert len(rows) == 1 + 2 * 3


def test_duplicates_summary_keeps_the_hostile_copy(tmp_path: Path) -> None:
    report = duplicates_report(tmp_path)
    cells = [row[1] for row in rendered(render_markdown(report)).rows]
    assert report.body.groups[0].members[1].path in cells  # type: ignore[union-attr]


def test_set_summary_shows_each_metric(tmp_path: Path) -> None:
    rows = rendered(render_markdown(set_report(tmp_path))).rows
    assert ["fd", "lower", "12.5"] in rows


def test_set_summary_lists_the_worst_covered(tmp_path: Path) -> None:
    report = set_report(tmp_path)
    cells = [row[0] for row in rendered(render_markdown(report)).rows]
    assert [item.path for item in report.body.worst_covered] == [  # type: ignore[union-attr]
        cell for cell in cells if cell.endswith(".png")
    ]


def _quality_with_an_error(tmp_path: Path) -> tuple[str, str]:
    """A quality summary built from rows of which one is an error, and that file's path."""
    report, rows = quality_report(tmp_path)
    broken = unreadable_file(tmp_path / "broken.png")
    rows = [*rows, {"path": broken.path, "entropy": None, "error": broken.reason}]
    metrics = (MetricColumn("entropy", "higher"),)
    built = replace(
        report,
        body=table_body(rows, ("path",), metrics),
        unreadable=unreadable_rows(rows, "path", metrics),
    )
    return render_markdown(built), broken.path


def test_error_row_is_listed_as_unreadable(tmp_path: Path) -> None:
    summary, broken = _quality_with_an_error(tmp_path)
    listed = rendered(summary.split("### Summary")[0]).text
    assert any(broken in text for text in listed)


def test_error_row_is_no_scored_row(tmp_path: Path) -> None:
    summary, broken = _quality_with_an_error(tmp_path)
    assert broken not in [row[0] for row in rendered(summary).rows]

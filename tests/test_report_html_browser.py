"""The HTML report, opened in Debian's Chromium (headless, driven by Playwright).

One browser for the module; the pairs report of tests/report_support.py is loaded
once with JavaScript on (console, requests and dialogs recorded) and once with it off.
Chromium comes from .ci/browser (``/usr/bin/chromium``); Playwright never downloads one.
Without them the module is skipped, except in CI (``CI`` set), where that is a failure.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from report_support import (
    FAILING_GATE,
    HOSTILE,
    PairsExample,
    duplicates_report,
    pairs_example,
    quality_report,
    rank_report,
    set_report,
)

from imgsim.reports import render_html, write_html
from imgsim.reports.html import CONTENT_SECURITY_POLICY
from imgsim.reports.thumbs import thumbnail

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = bool(os.environ.get("CI"))
"""In CI a missing browser or Playwright fails these tests; elsewhere they are skipped."""
if IN_CI:
    import playwright.sync_api as sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not IN_CI, reason="no /usr/bin/chromium: run .ci/browser"
)


@dataclass
class LoadedPage:
    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> PairsExample:
    return pairs_example(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def report_file(example: PairsExample, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_html(example.report, path)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@contextmanager
def _open(browser: Any, path: Path, *, javascript: bool = True) -> Iterator[LoadedPage]:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    loaded = LoadedPage(page, path.as_uri())
    page.on("console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: loaded.errors.append(str(error)))
    page.on("request", lambda request: loaded.requests.append(request.url))

    def on_dialog(dialog: Any) -> None:
        loaded.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(loaded.url, wait_until="load")
    yield loaded
    context.close()


@pytest.fixture(scope="module")
def loaded(browser: Any, report_file: Path) -> Iterator[LoadedPage]:
    with _open(browser, report_file) as page:
        yield page


@pytest.fixture(scope="module")
def without_script(browser: Any, report_file: Path) -> Iterator[LoadedPage]:
    with _open(browser, report_file, javascript=False) as page:
        yield page


@pytest.fixture
def fresh(browser: Any, report_file: Path) -> Iterator[LoadedPage]:
    """The report in a page of its own, for a test that clicks."""
    with _open(browser, report_file) as page:
        yield page


def _first_column(page: Any) -> list[str]:
    """The path of each body row's first image, in page order."""
    script = "rows => rows.map(row => row.cells[0].getAttribute('data-value'))"
    return list(page.eval_on_selector_all("#rows tbody tr", script))


def _a_names_sorted_by(example: PairsExample, metric: str, *, reverse: bool) -> list[str]:
    rows = sorted(example.rows, key=lambda row: float(row[metric]), reverse=reverse)  # type: ignore[arg-type]
    return [str(row["a"]) for row in rows]


def test_page_logs_no_console_error(loaded: LoadedPage) -> None:
    assert loaded.errors == []


def test_page_makes_no_network_request(loaded: LoadedPage) -> None:
    others = [url for url in loaded.requests if url != loaded.url and not url.startswith("data:")]
    assert others == []


def test_every_thumbnail_is_decoded(loaded: LoadedPage) -> None:
    widths = loaded.page.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
    assert 0 not in widths


def test_every_pair_shows_both_thumbnails(loaded: LoadedPage, example: PairsExample) -> None:
    assert loaded.page.locator("#rows img").count() == 2 * len(example.rows)


def test_rows_start_worst_first(without_script: LoadedPage, example: PairsExample) -> None:
    assert _first_column(without_script.page) == _a_names_sorted_by(example, "ssim", reverse=False)


def test_clicking_a_header_sorts_by_its_column(fresh: LoadedPage, example: PairsExample) -> None:
    fresh.page.click("#rows th:nth-child(4)")  # psnr
    assert _first_column(fresh.page) == _a_names_sorted_by(example, "psnr", reverse=False)


def test_clicking_a_header_twice_reverses(fresh: LoadedPage, example: PairsExample) -> None:
    fresh.page.click("#rows th:nth-child(4)")
    fresh.page.click("#rows th:nth-child(4)")
    assert _first_column(fresh.page) == _a_names_sorted_by(example, "psnr", reverse=True)


def test_clicking_the_sorted_header_reverses(fresh: LoadedPage, example: PairsExample) -> None:
    fresh.page.click("#rows th:nth-child(3)")  # ssim, sorted worst (lowest) first
    assert _first_column(fresh.page) == _a_names_sorted_by(example, "ssim", reverse=True)


def test_clicking_an_image_header_sorts_by_name(fresh: LoadedPage, example: PairsExample) -> None:
    fresh.page.click("#rows th:nth-child(1)")
    assert _first_column(fresh.page) == sorted(str(row["a"]) for row in example.rows)


def test_banner_shows_the_failing_gate(loaded: LoadedPage) -> None:
    failed = loaded.page.locator("#gates li.failed code.gate").all_text_contents()
    assert failed == [FAILING_GATE]


def test_banner_counts_the_failing_rows(loaded: LoadedPage, example: PairsExample) -> None:
    count = sum(float(row["ssim"]) < 0.8 for row in example.rows)  # type: ignore[arg-type]
    assert f"{FAILING_GATE} on {count} rows" in loaded.page.locator("#gates li.failed").inner_text()


def test_hostile_name_is_shown_as_text(loaded: LoadedPage, example: PairsExample) -> None:
    names = loaded.page.locator("#rows figcaption .path").all_text_contents()
    assert example.hostile_path in names


def test_hostile_name_makes_no_element(loaded: LoadedPage) -> None:
    assert loaded.page.locator('img[src="x"]').count() == 0


def test_hostile_name_runs_no_script(loaded: LoadedPage) -> None:
    assert loaded.dialogs == []


def test_unreadable_input_is_listed(loaded: LoadedPage, example: PairsExample) -> None:
    listed = loaded.page.locator("#unreadable .path").all_text_contents()
    assert listed == [example.report.unreadable[0].path]


def test_csp_allows_only_the_page_script() -> None:
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+';", CONTENT_SECURITY_POLICY)


def test_rank_report_shows_every_match(browser: Any, tmp_path: Path) -> None:
    report = rank_report(tmp_path)
    write_html(report, tmp_path / "rank.html")
    with _open(browser, tmp_path / "rank.html") as page:
        assert page.page.locator(".query .grid figure").count() == 6


def test_limit_renders_the_worst_rows(example: PairsExample) -> None:
    page = render_html(example.report, limit=2)
    worst = _a_names_sorted_by(example, "ssim", reverse=False)[:2]
    shown = re.findall(r'<tr><td class="image" data-value="([^"]*)"', page)
    assert shown == [html.escape(name, quote=True) for name in worst]


def test_limit_states_the_totals(example: PairsExample) -> None:
    page = render_html(example.report, limit=2)
    assert f"2 of {len(example.rows)} pairs shown" in page


def test_report_is_under_60_kb_a_row(report_file: Path, example: PairsExample) -> None:
    assert report_file.stat().st_size / len(example.rows) < 60_000


def test_unreadable_file_gets_a_placeholder(example: PairsExample) -> None:
    assert thumbnail(example.report.unreadable[0].path).uri is None


def test_hostile_file_exists_on_disk(example: PairsExample) -> None:
    assert Path(example.hostile_path).name == HOSTILE


def test_set_report_shows_the_worst_covered_images(browser: Any, tmp_path: Path) -> None:
    write_html(set_report(tmp_path), tmp_path / "set.html")
    with _open(browser, tmp_path / "set.html") as page:
        widths = page.page.eval_on_selector_all(
            ".grid img", "images => images.map(i => i.naturalWidth)"
        )
        assert len([width for width in widths if width > 0]) == 2


def test_duplicates_report_shows_the_hostile_copy_as_text(browser: Any, tmp_path: Path) -> None:
    write_html(duplicates_report(tmp_path), tmp_path / "duplicates.html")
    with _open(browser, tmp_path / "duplicates.html") as page:
        names = page.page.locator(".group figcaption .path").all_text_contents()
        assert str(tmp_path / HOSTILE) in names


def test_quality_report_starts_with_the_worst_image(browser: Any, tmp_path: Path) -> None:
    report, rows = quality_report(tmp_path)
    write_html(report, tmp_path / "quality.html")
    worst = min(rows, key=lambda row: float(row["entropy"]))  # type: ignore[arg-type]
    with _open(browser, tmp_path / "quality.html", javascript=False) as page:
        assert _first_column(page.page)[0] == worst["path"]


def test_each_metric_has_a_histogram(loaded: LoadedPage) -> None:
    assert loaded.page.locator("#summary svg.hist").count() == 2


def test_histogram_counts_every_finite_value(loaded: LoadedPage, example: PairsExample) -> None:
    titles = loaded.page.locator("#summary tr:nth-child(2) svg.hist rect title").all_text_contents()
    finite = [row for row in example.rows if float(row["psnr"]) != float("inf")]  # type: ignore[arg-type]
    assert sum(int(title.split()[0]) for title in titles) == len(finite)

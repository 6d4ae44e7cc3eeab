"""The reports of real command runs: --html, --summary and --junit on compare (pairs and
--set), diversity and quality, read back as their consumers read them (junitparser,
markdown-it-py, Chromium); and the library side of the rank and duplicates reports.

The pairs are tests/report_support.py's photographs and blurred or noisy copies, whose
SSIM scikit-image computes; the gate ``ssim>=0.8`` fails on the pairs scikit-image puts
under 0.8, two of them with hostile names. One generated file is no image at all.
"""

from __future__ import annotations

import html
import math
import os
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CliResult, CliRunnerFn
from junitparser import Error, Failure, JUnitXml
from markdown_it import MarkdownIt
from report_support import PairsExample, pairs_example, photograph, save
from scipy.spatial.distance import cdist

from imgsim.features import FeatureParams
from imgsim.jobs.features import FeatureSet, store_source
from imgsim.jobs.search import duplicate_groups, nearest
from imgsim.reports import MetricColumn
from imgsim.reports.keeper import EXACT_VALUES, TableKeeper
from imgsim.reports.runs import duplicates_report, rank_report, run_info, worst_covered

GATES = ("--gate", "ssim>=0.8", "--gate", "mean(psnr)>=20")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> PairsExample:
    root = tmp_path_factory.mktemp("photos")
    found = pairs_example(root)
    save(root / "ref" / "broken.png", photograph("coffee"))  # gen/broken.png is no image
    return found


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


def _compare(cli: CliRunnerFn, example: PairsExample, *extra: str | Path) -> CliResult:
    root = Path(example.hostile_path).parent.parent
    return cli("compare", root / "gen", root / "ref", "-m", "ssim,psnr", *GATES, *extra)


@pytest.fixture(scope="module")
def with_reports(cli_once: CliRunnerFn, example: PairsExample, reports: Path) -> CliResult:
    names = ("--html", reports / "r.html", "--summary", reports / "s.md")
    return _compare(cli_once, example, *names, "--junit", reports / "j.xml", "--format", "csv")


def _failing(example: PairsExample) -> set[str]:
    """The generated images of the pairs whose SSIM (scikit-image's) is under 0.8."""
    return {str(row["a"]) for row in example.rows if float(row["ssim"]) < 0.8}  # type: ignore[arg-type]


def _junit_cases(path: Path) -> dict[str, Any]:
    return {case.name: case for suite in JUnitXml.fromfile(str(path)) for case in suite}


# --------------------------------------------------------------------------- compare pairs


def test_compare_exit_status_is_the_verdict_with_reports(with_reports: CliResult) -> None:
    assert with_reports.exit_code == 1


def test_compare_exit_status_is_unchanged_by_reports(
    cli_once: CliRunnerFn, example: PairsExample, with_reports: CliResult
) -> None:
    assert _compare(cli_once, example, "--format", "csv").exit_code == with_reports.exit_code


def test_compare_rows_are_unchanged_by_reports(
    cli_once: CliRunnerFn, example: PairsExample, with_reports: CliResult
) -> None:
    assert _compare(cli_once, example, "--format", "csv").stdout == with_reports.stdout


def test_junit_fails_the_failing_gate(with_reports: CliResult, reports: Path) -> None:
    results = _junit_cases(reports / "j.xml")["ssim>=0.8"].result
    assert [type(result) for result in results] == [Failure]


def test_junit_passes_the_holding_gate(with_reports: CliResult, reports: Path) -> None:
    assert _junit_cases(reports / "j.xml")["mean(psnr)>=20"].is_passed


def test_junit_failure_names_every_failing_pair(
    with_reports: CliResult, reports: Path, example: PairsExample
) -> None:
    text = _junit_cases(reports / "j.xml")["ssim>=0.8"].result[0].text
    named = {line.split(" vs ")[0] for line in text.splitlines()[1:]}
    assert named == _failing(example)


def test_junit_reports_the_unreadable_file_as_an_error(
    with_reports: CliResult, reports: Path, example: PairsExample
) -> None:
    broken = str(Path(example.hostile_path).parent / "broken.png")
    assert isinstance(_junit_cases(reports / "j.xml")[broken].result[0], Error)


def _markdown_tokens(path: Path) -> list[Any]:
    return MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))


def test_summary_heading_says_failed(with_reports: CliResult, reports: Path) -> None:
    tokens = _markdown_tokens(reports / "s.md")
    assert tokens[1].content == "imgsim pairs: FAILED"


def test_summary_worst_pair_is_the_lowest_ssim(
    with_reports: CliResult, reports: Path, example: PairsExample
) -> None:
    tokens = _markdown_tokens(reports / "s.md")
    cells = [t.children[0].content for t in tokens if t.type == "inline" and t.children]
    first_row = cells.index("a") + 4  # after the header a, b, ssim, psnr
    worst = min(example.rows, key=lambda row: float(row["ssim"]))  # type: ignore[arg-type]
    assert cells[first_row] == worst["a"]


def test_html_banner_names_the_failing_gate(with_reports: CliResult, reports: Path) -> None:
    page = (reports / "r.html").read_text(encoding="utf-8")
    banner = page[page.index('id="gates"') : page.index("</section>", page.index('id="gates"'))]
    assert (
        '<li class="failed"><span class="state">FAILED</span> <code class="gate">'
        + html.escape("ssim>=0.8")
        in banner
    )


def test_html_lists_the_unreadable_file(
    with_reports: CliResult, reports: Path, example: PairsExample
) -> None:
    page = (reports / "r.html").read_text(encoding="utf-8")
    broken = html.escape(str(Path(example.hostile_path).parent / "broken.png"))
    assert f'<li><span class="path">{broken}</span>: ' in page


def test_html_limit_renders_the_worst_pairs(
    cli_once: CliRunnerFn, example: PairsExample, reports: Path
) -> None:
    _compare(cli_once, example, "--html", reports / "two.html", "--html-limit", "2")
    page = (reports / "two.html").read_text(encoding="utf-8")
    worst = sorted(example.rows, key=lambda row: float(row["ssim"]))[:2]  # type: ignore[arg-type]
    shown = [html.unescape(cell) for cell in _first_cells(page)]
    assert shown == [row["a"] for row in worst]


def _first_cells(page: str) -> list[str]:
    body = page[page.index('<table class="rows sortable"') :]
    return [part.split('"', 1)[0] for part in body.split('<tr><td class="image" data-value="')[1:]]


def test_summary_to_stdout_needs_out(cli: CliRunnerFn, example: PairsExample) -> None:
    result = _compare(cli, example, "--summary", "-")
    assert "--summary -: standard output holds the rows; write them to a file with --out" in (
        result.stderr
    )


def test_summary_to_stdout_without_out_is_a_usage_error(
    cli: CliRunnerFn, example: PairsExample
) -> None:
    assert _compare(cli, example, "--summary", "-").exit_code == 2


def test_summary_to_stdout_with_out_prints_the_markdown(
    cli: CliRunnerFn, example: PairsExample, tmp_path: Path
) -> None:
    result = _compare(cli, example, "--summary", "-", "--out", tmp_path / "rows.csv")
    assert result.stdout.startswith("## imgsim pairs: FAILED")


def test_html_limit_must_be_positive(cli: CliRunnerFn, example: PairsExample) -> None:
    result = _compare(cli, example, "--html", "r.html", "--html-limit", "0")
    assert "imgsim: --html-limit: must be a positive number of rows, got 0" in result.stderr


def test_report_in_a_missing_folder_fails_before_scoring(
    cli: CliRunnerFn, example: PairsExample, tmp_path: Path
) -> None:
    result = _compare(cli, example, "--junit", tmp_path / "no" / "j.xml")
    assert result.stdout == ""


# --------------------------------------------------------------------------- compare --set


@pytest.fixture(scope="module")
def set_run(cli_once: CliRunnerFn, example: PairsExample, reports: Path) -> CliResult:
    root = Path(example.hostile_path).parent.parent
    return cli_once(
        *("compare", root / "gen", root / "ref", "--set", "-f", "thumb", "-m", "coverage"),
        *("--gate", "coverage>=2", "--summary", reports / "set.md", "--junit", reports / "set.xml"),
    )


def test_set_junit_fails_the_failing_gate(set_run: CliResult, reports: Path) -> None:
    assert isinstance(_junit_cases(reports / "set.xml")["coverage>=2"].result[0], Failure)


def test_set_summary_lists_the_worst_covered_reference(set_run: CliResult, reports: Path) -> None:
    assert "### Worst-covered reference images" in (reports / "set.md").read_text(encoding="utf-8")


def test_set_against_statistics_says_there_are_no_reference_images(
    cli: CliRunnerFn, example: PairsExample, tmp_path: Path
) -> None:
    root = Path(example.hostile_path).parent.parent
    cli("stats", root / "ref", "-f", "thumb", "--out", tmp_path / "ref.npz")
    result = cli(
        *("compare", root / "gen", tmp_path / "ref.npz", "--set", "-f", "thumb"),
        *("--summary", "-", "--out", tmp_path / "rows.csv"),
    )
    assert "holds no image paths" in result.stdout


def test_worst_covered_is_farthest_from_every_generated_vector() -> None:
    rng = np.random.default_rng(0)
    reference, generated = rng.normal(size=(30, 8)), rng.normal(size=(20, 8))
    paths = [f"ref/{i}.png" for i in range(30)]
    covered = worst_covered(
        FeatureSet([f"gen/{i}.png" for i in range(20)], generated.astype(np.float32)),
        FeatureSet(paths, reference.astype(np.float32)),
        feature="gabor",
        limit=5,
    )
    nearest_distance = cdist(reference, generated).min(axis=1)  # gabor's distance: euclidean
    expected = [paths[i] for i in np.argsort(-nearest_distance)[:5]]
    assert [item.path for item in covered] == expected


# --------------------------------------------------------------------------- diversity, quality


def test_diversity_junit_fails_a_gate_the_exit_status_fails(
    cli: CliRunnerFn, example: PairsExample, tmp_path: Path
) -> None:
    root = Path(example.hostile_path).parent.parent
    cli("diversity", root / "gen", "-f", "thumb", "--gate", "vendi>=100", "--gate", "images>=2",
        "--junit", tmp_path / "j.xml")  # fmt: skip
    failed = [name for name, case in _junit_cases(tmp_path / "j.xml").items() if case.result]
    assert failed == ["vendi>=100", str(Path(example.hostile_path).parent / "broken.png")]


def test_quality_junit_fails_the_images_the_gate_names_on_stderr(
    cli: CliRunnerFn, example: PairsExample, tmp_path: Path
) -> None:
    root = Path(example.hostile_path).parent.parent
    result = cli("quality", root / "gen", "-m", "entropy", "--gate", "entropy>=7",
                 "--junit", tmp_path / "q.xml")  # fmt: skip
    on_stderr = {line.strip().rsplit(": entropy = ", 1)[0] for line in
                 result.stderr.splitlines() if ": entropy = " in line}  # fmt: skip
    text = _junit_cases(tmp_path / "q.xml")["entropy>=7"].result[0].text
    assert {line.rsplit(": ", 1)[0] for line in text.splitlines()[1:]} == on_stderr


def test_rank_junit_fails_the_gate_the_exit_status_fails(cli: CliRunnerFn, tmp_path: Path) -> None:
    save(tmp_path / "q" / "coffee.png", photograph("coffee", 96))
    save(tmp_path / "g" / "coffee.png", photograph("coffee", 96))
    cli("rank", tmp_path / "q", tmp_path / "g", "-f", "thumb", "--gate", "max(cosine)<0.95",
        "--junit", tmp_path / "r.xml")  # fmt: skip
    failed = [name for name, case in _junit_cases(tmp_path / "r.xml").items() if case.result]
    assert failed == ["max(cosine)<0.95"]


def test_duplicates_summary_lists_the_copy(cli: CliRunnerFn, tmp_path: Path) -> None:
    save(tmp_path / "coffee.png", photograph("coffee", 96))
    save(tmp_path / "copy.png", photograph("coffee", 96))
    save(tmp_path / "camera.png", photograph("camera", 96))
    cli("duplicates", tmp_path, "-f", "phash", "--summary", tmp_path / "d.md")
    assert "copy" in (tmp_path / "d.md").read_text()


# --------------------------------------------------------------------------- the library side


def test_duplicates_report_measures_a_copy_at_distance_zero(tmp_path: Path) -> None:
    save(tmp_path / "coffee.png", photograph("coffee", 96))
    save(tmp_path / "copy.png", photograph("coffee", 96))
    save(tmp_path / "camera.png", photograph("camera", 96))
    source = store_source("phash")
    outcome = duplicate_groups(
        [tmp_path], feature="phash", params=FeatureParams(), distance="hamming", threshold=4,
        source=source,
    )  # fmt: skip
    report = duplicates_report(
        run_info("imgsim duplicates d"), outcome, feature="phash", distance="hamming",
        found=source([tmp_path], "set"),
    )  # fmt: skip
    assert report.body.groups[0].members[1].distance == 0  # type: ignore[union-attr]


def test_rank_report_puts_a_querys_copy_first(tmp_path: Path) -> None:
    save(tmp_path / "q" / "coffee.png", photograph("coffee", 96))
    for name in ("camera", "coffee", "astronaut"):
        save(tmp_path / "g" / f"{name}.png", photograph(name, 96))
    outcome = nearest(
        tmp_path / "q", tmp_path / "g", feature="thumb", params=FeatureParams(),
        distance="cosine", k=2, source=store_source("thumb"),
    )  # fmt: skip
    report = rank_report(run_info("imgsim rank q g"), outcome)
    assert report.body.queries[0].matches[0].path == str(tmp_path / "g" / "coffee.png")  # type: ignore[union-attr]


def test_keeper_keeps_the_worst_rows_of_a_large_run() -> None:
    values = np.random.default_rng(1).uniform(size=20_000)
    kept = TableKeeper(("path",), (MetricColumn("ssim", "higher"),), keep=7)
    for index, value in enumerate(values):
        kept.observe({"path": f"{index}.png", "ssim": float(value)})
    expected = [f"{index}.png" for index in np.argsort(values, kind="stable")[:7]]
    assert [row.images[0] for row in kept.body().rows] == expected


def test_keeper_memory_stays_flat_over_many_rows() -> None:
    """40,000 rows of 200 bytes each would hold 8 MB; the keeper holds the worst 100."""
    values = np.random.default_rng(3).uniform(size=40_000).tolist()
    tracemalloc.start()
    kept = TableKeeper(("a", "b"), (MetricColumn("ssim", "higher"),), keep=100)
    for value in values:
        kept.observe({"a": "generated/image.png", "b": "reference/image.png", "ssim": value})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000


def test_keeper_histogram_is_numpys_within_a_value_per_bin_edge() -> None:
    values = np.random.default_rng(2).normal(3.0, 2.0, size=4 * EXACT_VALUES)
    kept = TableKeeper(("path",), (MetricColumn("psnr", "higher"),), keep=1)
    for value in values:
        kept.observe({"path": "x.png", "psnr": float(value)})
    histogram = kept.summaries()[0].histogram
    expected, edges = np.histogram(values, bins=20)
    near_edge = [np.sum(np.abs(values - edge) < (edges[-1] - edges[0]) / 256) for edge in edges]
    counts = np.asarray(histogram.counts)  # type: ignore[union-attr]
    assert np.all(np.abs(counts - expected) <= np.add(near_edge[:-1], near_edge[1:]))


def test_keeper_reads_an_unreadable_row_as_its_failing_file() -> None:
    kept = TableKeeper(("a", "b"), (MetricColumn("ssim", "higher"),), keep=3)
    kept.observe({"a": "g/x.png", "b": "r/x.png", "ssim": None, "error": "r/x.png: not an image"})
    assert kept.unreadable[0].path == "r/x.png"


def test_reports_are_unharmed_by_infinite_values() -> None:
    kept = TableKeeper(("a",), (MetricColumn("psnr", "higher"),), keep=3)
    for value in (math.inf, 20.0, 30.0):
        kept.observe({"a": "x.png", "psnr": value})
    assert kept.summaries()[0].infinite == 1


# --------------------------------------------------------------------------- in a browser

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Any:
    """One headless Debian Chromium for the module (as tests/test_report_html_browser.py)."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip("no /usr/bin/chromium: run .ci/browser")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def opened(browser: Any, with_reports: CliResult, reports: Path) -> Any:
    """The HTML report of the compare run, loaded with its console errors recorded."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((reports / "r.html").as_uri(), wait_until="load")
    yield page, errors
    context.close()


def test_command_report_logs_no_console_error(opened: tuple[Any, list[str]]) -> None:
    assert opened[1] == []


def test_command_report_decodes_every_thumbnail(
    opened: tuple[Any, list[str]], example: PairsExample
) -> None:
    script = "images => images.filter(i => i.naturalWidth > 0).length"
    assert opened[0].eval_on_selector_all("#rows img", script) == 2 * len(example.rows)

"""The JUnit XML of the gates, read back by junitparser (the parser CI plugins and
GitLab's importers are modelled on) from the file written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, TestCase
from report_support import DATE, FAILING_GATE, GATES, PairsExample, pairs_example

from imgsim.reports import Report, RunInfo, Unreadable, render_junit, write_junit

CONTROL_NAME = "bell\x07tab\tline\nundecodable\udcff.png"
"""A name Linux allows (any bytes but ``/`` and NUL) and XML 1.0 cannot hold as it is."""
CONTROL_SHOWN = "bell\\x07tab\\tline\\nundecodable\\udcff.png"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> PairsExample:
    return pairs_example(tmp_path_factory.mktemp("photos"))


@pytest.fixture(scope="module")
def suite(example: PairsExample, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("junit") / "gates.xml"
    write_junit(example.report, path)
    (only,) = JUnitXml.fromfile(str(path))
    return only


def _cases(suite: Any) -> dict[str, TestCase]:
    return {case.name: case for case in suite}


def test_each_gate_and_each_unreadable_input_is_a_case(suite: Any, example: PairsExample) -> None:
    expected = [*GATES, *(item.path for item in example.report.unreadable)]
    assert [case.name for case in suite] == expected


def test_failed_gate_is_a_failure(suite: Any) -> None:
    assert isinstance(_cases(suite)[FAILING_GATE].result[0], Failure)


def test_failure_message_names_the_gate_and_count(suite: Any, example: PairsExample) -> None:
    count = sum(float(row["ssim"]) < 0.8 for row in example.rows)  # type: ignore[arg-type]
    message = _cases(suite)[FAILING_GATE].result[0].message
    assert message == f"gate failed: {FAILING_GATE} on {count} rows"


def test_failure_text_lists_the_failing_rows(suite: Any, example: PairsExample) -> None:
    text = _cases(suite)[FAILING_GATE].result[0].text
    failing = [row for row in example.rows if float(row["ssim"]) < 0.8]  # type: ignore[arg-type]
    assert all(f"{row['a']} vs {row['b']}: " in text for row in failing)


def test_hostile_name_is_intact_in_the_failure(suite: Any, example: PairsExample) -> None:
    assert example.hostile_path in _cases(suite)[FAILING_GATE].result[0].text


def test_passed_gate_passes(suite: Any) -> None:
    assert _cases(suite)["mean(psnr)>=20"].is_passed


def test_unreadable_input_is_an_error(suite: Any, example: PairsExample) -> None:
    case = _cases(suite)[example.report.unreadable[0].path]
    assert isinstance(case.result[0], Error)


def test_error_message_is_the_reason(suite: Any, example: PairsExample) -> None:
    item = example.report.unreadable[0]
    assert _cases(suite)[item.path].result[0].message == item.reason


def test_suite_counts_failures(suite: Any) -> None:
    assert suite.failures == 1


def test_suite_counts_errors(suite: Any) -> None:
    assert suite.errors == 1


def test_suite_counts_tests(suite: Any) -> None:
    assert suite.tests == len(GATES) + 1


def test_suite_carries_the_date(suite: Any) -> None:
    assert suite.timestamp == DATE


def test_written_file_is_the_document(example: PairsExample, tmp_path: Path) -> None:
    write_junit(example.report, tmp_path / "gates.xml")
    written = (tmp_path / "gates.xml").read_text(encoding="utf-8")
    assert written == render_junit(example.report)


def _control_report(example: PairsExample) -> Report:
    return Report(
        RunInfo("imgsim quality d", "0", DATE),
        "pairs",
        example.report.body,
        unreadable=(Unreadable(CONTROL_NAME, "cannot read: bad\x00byte"),),
    )


def test_control_characters_leave_the_xml_valid(example: PairsExample) -> None:
    root = ET.fromstring(render_junit(_control_report(example)).encode("utf-8"))
    assert root.tag == "testsuites"


def test_control_characters_are_shown_as_escapes(example: PairsExample, tmp_path: Path) -> None:
    write_junit(_control_report(example), tmp_path / "control.xml")
    (only,) = JUnitXml.fromfile(str(tmp_path / "control.xml"))
    assert [case.name for case in only] == [CONTROL_SHOWN]

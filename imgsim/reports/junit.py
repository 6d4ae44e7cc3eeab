"""JUnit XML for CI test reports (GitLab, Jenkins, Azure): one test case per gate.

One ``<testsuite>`` inside ``<testsuites>``, in the shape of the JUnit schema that
Jenkins and GitLab read (``junit-10.xsd``): each gate is a ``<testcase>``, a failed
gate carries a ``<failure>`` whose message names the gate and whose text lists the
failing rows; each unreadable input is a ``<testcase>`` with an ``<error>`` and its
reason. XML 1.0 cannot hold control characters or lone surrogates at all (not even
as character references), so names pass through :func:`~imgsim.reports.model.visible`
first, which writes them as escapes; ElementTree escapes the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from imgsim.output import atomic_text_file, format_number
from imgsim.reports.model import Report, Verdict, visible

GATE_CLASS = "imgsim.gate"
INPUT_CLASS = "imgsim.input"


def render_junit(report: Report) -> str:
    """The report's gates and unreadable inputs as a JUnit XML document."""
    failures = sum(not verdict.passed for verdict in report.verdicts)
    errors = len(report.unreadable)
    tests = len(report.verdicts) + errors
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": "imgsim", **counts, "time": "0"})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"imgsim {report.kind}",
            **counts,
            "skipped": "0",
            "time": "0",
            "timestamp": visible(report.run.date),
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("command", report.run.command_line),
        ("version", report.run.version),
        ("date", report.run.date),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": visible(value)})
    for verdict in report.verdicts:
        _gate_case(suite, verdict)
    for item in report.unreadable:
        case = ET.SubElement(
            suite, "testcase", {"classname": INPUT_CLASS, "name": visible(item.path), "time": "0"}
        )
        error = ET.SubElement(
            case, "error", {"message": visible(item.reason), "type": "unreadable"}
        )
        error.text = f"{visible(item.path)}: {visible(item.reason)}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def write_junit(report: Report, path: Path) -> None:
    """Write :func:`render_junit` to ``path`` atomically."""
    document = render_junit(report)
    with atomic_text_file(path) as stream:
        stream.write(document)


def _gate_case(suite: ET.Element, verdict: Verdict) -> None:
    case = ET.SubElement(
        suite, "testcase", {"classname": GATE_CLASS, "name": visible(verdict.gate), "time": "0"}
    )
    if verdict.passed:
        return
    if verdict.value_name is not None:
        shown = "no values" if verdict.value is None else format_number(verdict.value)
        message = f"gate failed: {verdict.gate} ({verdict.value_name} = {shown})"
    else:
        count = verdict.failing_count
        rows = f"{count} row{'s' if count != 1 else ''}" if count else "no values"
        message = f"gate failed: {verdict.gate} on {rows}"
    failure = ET.SubElement(case, "failure", {"message": visible(message), "type": "gate"})
    lines = [
        f"{visible(row.label)}: "
        + ("not computed" if row.value is None else format_number(row.value))
        for row in verdict.failing_rows
    ]
    failure.text = "\n".join([visible(message), *lines])

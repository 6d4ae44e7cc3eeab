"""CSV cells a spreadsheet would run as formulas are neutralised; numbers, flags and
paths that merely start with a sign are written as they are (OWASP's CSV injection
cases: a leading =, +, -, @, tab or carriage return)."""

from __future__ import annotations

import pytest

from imgsim.output import is_formula

PLAIN = ["-0.5", "-1e+20", "-inf", "--hash-size", "-take2/cat.png", "+33", "-", "-é.png"]
FORMULAS = [
    "=1+1",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "-2+3+cmd|' /C calc'!A0",
    "+A1*2",
    '-HYPERLINK("http://x")',
]


@pytest.mark.parametrize("text", PLAIN)
def test_a_number_flag_or_path_is_left_as_it_is(text: str) -> None:
    assert not is_formula(text)


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_is_neutralised(text: str) -> None:
    assert is_formula(text)

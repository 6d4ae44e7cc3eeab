"""Tables that fit: whole scores on a narrow terminal, whole content down a pipe.

Every test runs ``python -m imgsim`` for real, on a pseudo-terminal of a set width
or with stdout a pipe, and reads the table as a person would: the body rows are the
lines between the header rule and the footer rule, one row of results per line.
"""

from __future__ import annotations

import fcntl
import functools
import os
import re
import struct
import subprocess
import sys
import termios

import pytest
from cli_support import csv_rows
from conftest import REPO

METRICS = ["ssim", "psnr", "phash", "color_hist", "mse", "mae"]
COMPARE = (
    "compare",
    "sample_images/generated",
    "sample_images/reference",
    "-m",
    ",".join(METRICS),
    "--no-cache",
)
RANK = ("rank", "sample_images/generated", "sample_images/reference", "-f", "phash", "-k", "2")
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@functools.cache  # the same run is read by several tests: keep the file fast
def _run_on_terminal(width: int, *args: str) -> str:
    """What a terminal ``width`` columns wide shows of ``imgsim ARGS…`` (stdout and stderr)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"  # rich takes a dumb terminal to be 80 columns wide
    with subprocess.Popen(
        [sys.executable, "-m", "imgsim", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=REPO,
        env=env,
    ) as process:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(master)
    return _ESCAPE.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def _run_piped(*args: str, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "imgsim", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=True,
        timeout=60,
    )
    return completed.stdout


@functools.cache
def _csv_rows(*args: str) -> list[dict[str, str]]:
    return csv_rows(_run_piped(*args, "--format", "csv"))


def _number(text: str) -> str:
    """A CSV number as a table shows it: 6 significant digits."""
    return f"{float(text):.6g}"


def _body_rows(output: str) -> list[list[str]]:
    lines = output.splitlines()
    footer_rule = next((i for i, line in enumerate(lines) if "┼" in line), len(lines))
    return [
        [cell.strip() for cell in line.split("│")] for line in lines[:footer_rule] if "│" in line
    ]


def _header(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if "┃" in line)
    return [cell.strip() for cell in line.split("┃")]


@pytest.mark.parametrize("width", [60, 80, 100])
def test_terminal_table_shows_every_score_whole_on_the_line_of_its_pair(width: int) -> None:
    expected = [[_number(row[m]) for m in METRICS] for row in _csv_rows(*COMPARE)]

    output = _run_on_terminal(width, *COMPARE, "--format", "table")

    assert [cells[2:] for cells in _body_rows(output)] == expected


def test_narrow_terminal_table_keeps_every_metric_column() -> None:
    output = _run_on_terminal(60, *COMPARE, "--format", "table")

    assert _header(output) == ["a", "b", *METRICS]


def test_narrow_terminal_table_says_once_which_directories_it_left_out() -> None:
    output = _run_on_terminal(80, *COMPARE, "--format", "table")

    assert output.splitlines()[0] == "a: sample_images/generated/   b: sample_images/reference/"


def test_narrow_terminal_table_shortens_a_long_path_in_the_middle() -> None:
    output = _run_on_terminal(100, *COMPARE, "--format", "table")

    hubble = next(cells for cells in _body_rows(output) if cells[0].startswith("hub"))
    assert re.fullmatch(r"hub\w*…\w*field\.png", hubble[0])


def test_narrow_terminal_rank_table_shows_every_rank_and_distance_whole() -> None:
    expected = [[row["rank"], _number(row["hamming"])] for row in _csv_rows(*RANK)]

    output = _run_on_terminal(60, *RANK, "--no-cache", "--format", "table")

    assert [[cells[1], cells[3]] for cells in _body_rows(output)] == expected


def test_piped_table_keeps_whole_paths_and_scores_whatever_columns_says() -> None:
    expected = [
        [row["a"], row["b"], *(_number(row[m]) for m in METRICS)] for row in _csv_rows(*COMPARE)
    ]

    output = _run_piped(*COMPARE, "--format", "table", env={**os.environ, "COLUMNS": "60"})

    assert _body_rows(output) == expected


def test_piped_table_is_as_wide_as_its_content_not_80_columns() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "COLUMNS"}

    output = _run_piped(*COMPARE, "--format", "table", env=environment)

    assert max(len(line) for line in output.splitlines()) > 80

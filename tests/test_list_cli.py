"""``imgsim list`` through the real command line: every feature, with its dimension.

Every command's --help (exit 0, an example of the command itself) is checked in
tests/test_help.py.
"""

from __future__ import annotations

import json

import pytest
from cli_support import csv_rows
from conftest import CliRunnerFn

from imgsim.features import FEATURES


def test_list_exits_0(cli_once: CliRunnerFn) -> None:
    assert cli_once("list", "--format", "csv").exit_code == 0


def test_list_names_every_feature(cli_once: CliRunnerFn) -> None:
    result = cli_once("list", "--format", "csv")

    names = {row["name"] for row in csv_rows(result.stdout)}
    assert set(FEATURES) <= names


@pytest.mark.parametrize(("name", "dim"), [("phash", 64), ("color_hist", 8**3), ("thumb", 32 * 32)])
def test_list_gives_each_feature_its_dimension(cli_once: CliRunnerFn, name: str, dim: int) -> None:
    result = cli_once("list", "--format", "json")

    dims = {row["name"]: row["dim"] for row in json.loads(result.stdout)["rows"]}
    assert dims[name] == dim

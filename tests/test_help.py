"""Every command's help, through the real program: it opens, and it shows how to call
the command. What the help says word for word is not pinned here: the wording may
change, an example for each command may not go missing."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from cli_support import run_imgsim

from imgsim.cli import app


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the program, subcommands of a group (``cache info``) included;
    read from the app, so that a command added later is checked too."""
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        # A group (Typer's own click) is told apart by its subcommands.
        if hasattr(command, "commands"):
            found.extend(_commands(command, (*prefix, name)))
    return found


COMMANDS = _commands(typer.main.get_group(app))


def test_every_top_level_command_is_checked() -> None:
    assert {command[0] for command in COMMANDS} >= {"compare", "extract", "stats", "cache"}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_exits_0(command: tuple[str, ...]) -> None:
    assert run_imgsim(*command, "--help").returncode == 0


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_shows_an_example_of_the_command(command: tuple[str, ...]) -> None:
    example = f"Example: imgsim {' '.join(command)} "
    lines = [line.strip() + " " for line in run_imgsim(*command, "--help").stdout.splitlines()]
    assert any(line.startswith(example) for line in lines)

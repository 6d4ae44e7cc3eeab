"""Random command lines of ``imgsim extract``, ``compare``, ``quality`` and ``list``.

Hypothesis draws options from each command's own parameters (as Typer declares them,
so a new option is fuzzed without editing this file), with valid and invalid values:
names from the registries and misspelt ones, odd numbers, empty strings, unicode,
unknown flags, missing and bad paths. Every run goes through the real Typer app in
this process and must exit 0 (done), 1 (a gate failed), 2 (usage error) or 3 (some
inputs unreadable), never with an escaped exception or a traceback, and with a message
on stderr whenever it does not exit 0 (one test per command checks the four rules of
each run, and names those it broke). The budget is small by default;
``IMGSIM_FUZZ_EXAMPLES=2000`` (``make fuzz``) runs longer.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from cli_support import PLAIN_TERMINAL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from imgsim.cli import app
from imgsim.features import FEATURES
from imgsim.metrics.registry import DISTANCES, NO_REFERENCE_METRICS, PIXEL_METRICS, SET_METRICS

EXAMPLES = int(os.environ.get("IMGSIM_FUZZ_EXAMPLES", "40"))
"""Command lines per command (about 160 in-process runs by default)."""

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

CORPUS = Path(__file__).resolve().parent / "data" / "bad_inputs"
COMMANDS = ("extract", "compare", "quality", "list")

LEFT_OUT = frozenset({"scheduler"})
"""Options not fuzzed: a Dask scheduler address makes a run wait for a network peer."""

ODD_TEXT = ["", " ", "é✓写真", "nope", "-", "--", ",", "a,,b", "\t", "x" * 300, "%s{}", "'\""]
ODD_NUMBERS = ["-1", "0", "1", "2", "3", "7", "64", "1.5", "1e3", "nan", "inf", "0x10", "٣"]
ODD_NUMBERS += ["99999999999999999999", "-0"]
OUTPUT_NAMES = ["out.csv", "out.json", "out.jsonl", "out.npz", "out.txt", "out.imgidx", "é.csv"]
OUTPUT_NAMES += ["", "missing/out.csv", "."]
GATES = ["ssim>=0.5", "mean(ssim)>=0.9", "max(phash)<=6", "contrast>=5", "unmatched==0"]
GATES += ["ssim>>1", "ssim", "foo(ssim)>1", "ssim>=nan", "psnr<=1e999", "fd<=0.5", "(ssim)>"]
FORMATS = ["table", "csv", "json", "jsonl"]


def names() -> st.SearchStrategy[str]:
    """A feature, metric or distance name from the registries, joined, misspelt or odd."""
    known = sorted(
        {*FEATURES, *PIXEL_METRICS, *NO_REFERENCE_METRICS, *SET_METRICS}
        | {f"{feature}:{distance}" for feature in ("phash", "color_hist") for distance in DISTANCES}
    )
    one = st.sampled_from(known)
    return st.one_of(
        one,
        st.lists(one, min_size=1, max_size=3).map(",".join),
        one.map(lambda name: name + "x"),
        st.sampled_from(ODD_TEXT),
    )


@dataclass(frozen=True)
class Inputs:
    """What the command lines point at: images, a bad file, a place to write to."""

    good: Path
    """A folder of three small readable images."""
    bad: Path
    """A folder of a readable image and two unreadable files."""
    scratch: Path
    """Where ``--out``, ``--cache`` and the reports go (emptied before each run)."""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    root = tmp_path_factory.mktemp("fuzz_cli")
    good, bad = root / "good", root / "bad"
    good.mkdir()
    bad.mkdir()
    for name in ("rgba.png", "progressive.jpg", "palette_transparency.gif"):
        shutil.copy(CORPUS / name, good / name)
    for name in ("rgba.png", "truncated_half.png", "text.png"):
        shutil.copy(CORPUS / name, bad / name)
    return Inputs(good, bad, root / "scratch")


def paths(inputs: Inputs) -> st.SearchStrategy[str]:
    good_file = inputs.good / "rgba.png"
    return st.sampled_from(
        [
            str(inputs.good),
            str(inputs.good),
            str(good_file),
            str(inputs.bad),
            str(inputs.bad / "text.png"),
            str(inputs.good / "missing.png"),
            "",
            "é✓/写真.png",
        ]
    )


def option_values(option: typer.core.TyperOption, inputs: Inputs) -> st.SearchStrategy[str]:
    """Values for ``option``: its choices, numbers, names, gates, paths in the scratch
    folder, or odd text, by what the option is."""
    choices = getattr(option.type, "choices", None)
    name = option.name or ""
    if name == "workers":  # one process: the runs stay in this process, and fast
        return st.sampled_from(["1", "0", "-1", "two", "", "1.5"])
    if choices:
        return st.one_of(
            st.sampled_from([str(choice) for choice in choices]), st.sampled_from(ODD_TEXT)
        )
    if name in {"feature", "metric"}:
        return names()
    if name == "gate":
        return st.sampled_from(GATES + ODD_TEXT)
    if name in {"out", "cache", "html", "summary", "junit"}:
        return st.sampled_from([str(inputs.scratch / output) for output in OUTPUT_NAMES])
    if type(option.type).__name__ in {"IntRange", "IntParamType", "FloatParamType"}:
        return st.sampled_from(ODD_NUMBERS)
    return st.one_of(st.sampled_from(ODD_NUMBERS), st.sampled_from(ODD_TEXT))


@st.composite
def command_lines(draw: st.DrawFn, command: str, inputs: Inputs) -> list[str]:
    """``COMMAND`` with up to three positional paths and up to six drawn options
    (``--name value`` or ``--name=value``)."""
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    options = [
        param
        for param in click_command.params
        if param.param_type_name == "option" and param.name not in LEFT_OUT
    ]
    args = [command, "-j", "1"] if command != "list" else [command]
    if command != "list":
        args += draw(st.lists(paths(inputs), min_size=0, max_size=3))
    for option in draw(st.lists(st.sampled_from(options), max_size=6)) if options else []:
        flag = draw(st.sampled_from(option.opts))
        if option.is_flag:
            args.append(flag)
        elif flag.startswith("--") and draw(st.booleans()):
            args.append(f"{flag}={draw(option_values(option, inputs))}")
        else:
            args += [flag, draw(option_values(option, inputs))]
    if draw(st.integers(0, 9)) == 0:
        args.insert(draw(st.integers(1, len(args))), draw(st.sampled_from(["--nope", "-Z", "--f"])))
    return args


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stderr: str
    output: str
    exception: BaseException | None


def invoke(args: list[str], inputs: Inputs, store: Path) -> Outcome:
    """``imgsim ARGS`` in the inputs' folder (a relative or empty path stays inside it)."""
    shutil.rmtree(inputs.scratch, ignore_errors=True)
    inputs.scratch.mkdir()
    runner = CliRunner(env={**PLAIN_TERMINAL, "IMGSIM_CACHE": str(store)})
    here = Path.cwd()
    os.chdir(inputs.good.parent)
    try:
        result = runner.invoke(app, args)
    finally:
        os.chdir(here)
    escaped = None if isinstance(result.exception, SystemExit) else result.exception
    return Outcome(result.exit_code, result.stderr, result.stdout + result.stderr, escaped)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One feature store for the module's runs (each run may also name its own)."""
    return tmp_path_factory.mktemp("fuzz_store") / "features.sqlite"


def problems(outcome: Outcome) -> list[str]:
    """The rules a run broke: each is named, so that a failing example says which."""
    found = []
    if outcome.exit_code not in {0, 1, 2, 3}:
        found.append(f"exit status {outcome.exit_code}")
    if outcome.exception is not None:
        found.append(f"escaped {type(outcome.exception).__name__}: {outcome.exception}")
    if "Traceback" in outcome.output:
        found.append("a traceback in the output")
    if outcome.exit_code != 0 and not outcome.stderr.strip():
        found.append(f"exit status {outcome.exit_code} with nothing on stderr")
    return found


@pytest.mark.parametrize("command", COMMANDS)
@FUZZ
@given(data=st.data())
def test_run_exits_0_to_3_with_a_message_and_no_traceback(
    inputs: Inputs, store: Path, command: str, data: st.DataObject
) -> None:
    args = data.draw(command_lines(command, inputs))

    assert problems(invoke(args, inputs, store)) == [], args


def test_empty_path_is_a_usage_error(inputs: Inputs, store: Path) -> None:
    """An unset shell variable (``imgsim extract "$GENERATED"``) must not mean the
    current folder."""
    outcome = invoke(["extract", "", "-f", "phash", "-j", "1"], inputs, store)

    assert outcome.exit_code == 2

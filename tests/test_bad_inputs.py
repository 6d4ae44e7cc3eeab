"""The bad-input corpus (tests/data/bad_inputs, built by scripts/make_bad_inputs.py)
through the real command line: ``extract``, ``quality`` and ``compare`` of each file.

A readable unusual file (1 x 1, 16-bit, CMYK, palette with transparency, EXIF-rotated,
animated, wrong extension) exits 0; a file that cannot be read (truncated, empty, text,
corrupted headers, decompression bombs) exits 3 with one stderr line that starts with
its path; nothing ever prints a traceback. EXPECTED.json holds each file's status
under each command. Entries that git cannot hold (a folder named ``x.png``, symbolic
links, a FIFO, unreadable files) are made here. One folder run with all of them gives
every readable file its row.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import PLAIN_TERMINAL, csv_rows, run_imgsim
from typer.testing import CliRunner

from imgsim.cli import app

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "bad_inputs"
EXPECTED: dict[str, dict[str, object]] = json.loads(
    (CORPUS / "EXPECTED.json").read_text(encoding="utf-8")
)
NAMES = sorted(EXPECTED)
COMMANDS = ("extract", "quality", "compare")
CASES = [(command, name) for command in COMMANDS for name in NAMES]
UNREADABLE = [(command, name) for command, name in CASES if EXPECTED[name][command] != 0]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def command_line(command: str, path: Path) -> list[str]:
    """The arguments of ``imgsim COMMAND`` on one file (``compare``: the file against itself)."""
    if command == "extract":
        return ["extract", str(path), "-f", "phash,color_hist", "--format", "csv", "-j", "1"]
    if command == "quality":
        return ["quality", str(path), "--format", "csv", "-j", "1"]
    return ["compare", str(path), str(path), "-m", "ssim", "--format", "csv", "-j", "1"]


class Outcome:
    """What one in-process run gave: exit status, both streams, an escaped exception."""

    def __init__(self, exit_code: int, stdout: str, stderr: str, exception: object) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.exception = exception


Run = Callable[[str, Path], Outcome]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``imgsim COMMAND FILE`` through the Typer app, once per command and file, with a
    store of the module's own (so that each file is also read for its digest)."""
    store = tmp_path_factory.mktemp("store") / "features.sqlite"
    runner = CliRunner(env={**PLAIN_TERMINAL, "IMGSIM_CACHE": str(store)})
    results: dict[tuple[str, Path], Outcome] = {}

    def invoke(command: str, path: Path) -> Outcome:
        if (command, path) not in results:
            result = runner.invoke(app, command_line(command, path))
            results[command, path] = Outcome(
                result.exit_code, result.stdout, result.stderr, result.exception
            )
        return results[command, path]

    return invoke


# --------------------------------------------------------------------------- the corpus


def load_builder() -> object:
    spec = importlib.util.spec_from_file_location(
        "make_bad_inputs", REPO / "scripts" / "make_bad_inputs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_corpus_is_what_the_script_builds() -> None:
    builder = load_builder()

    assert builder.differences(CORPUS) == []  # type: ignore[attr-defined]


def test_corpus_has_at_least_40_kinds_of_file() -> None:
    assert len(EXPECTED) >= 40


def test_corpus_has_both_readable_and_unreadable_files() -> None:
    statuses = {entry["extract"] for entry in EXPECTED.values()}

    assert statuses == {0, 3}


def test_corpus_is_small() -> None:
    size = sum(path.stat().st_size for path in CORPUS.iterdir())

    assert size < 2_000_000


# --------------------------------------------------------------------------- one file at a time


@pytest.mark.parametrize(("command", "name"), CASES)
def test_exit_status(run: Run, command: str, name: str) -> None:
    outcome = run(command, CORPUS / name)

    assert outcome.exit_code == EXPECTED[name][command]


@pytest.mark.parametrize(("command", "name"), CASES)
def test_no_exception_escapes(run: Run, command: str, name: str) -> None:
    outcome = run(command, CORPUS / name)

    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)


@pytest.mark.parametrize(("command", "name"), CASES)
def test_no_traceback(run: Run, command: str, name: str) -> None:
    outcome = run(command, CORPUS / name)

    assert "Traceback" not in outcome.stdout + outcome.stderr


@pytest.mark.parametrize(("command", "name"), UNREADABLE)
def test_unreadable_file_has_a_stderr_line_naming_it(run: Run, command: str, name: str) -> None:
    path = CORPUS / name
    outcome = run(command, path)

    lines = outcome.stderr.splitlines()
    assert any(line.startswith(f"{path}: ") or line.startswith(f"{path} vs ") for line in lines)


# ---------------------------------------------------------------- entries git cannot hold


@pytest.fixture(scope="module")
def specials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder named ``folder.png`` holding an image, a dangling symbolic link, a loop of
    two links, and a link back to the folder itself."""
    folder = tmp_path_factory.mktemp("specials")
    (folder / "folder.png").mkdir()
    shutil.copy(CORPUS / "rgba.png", folder / "folder.png" / "inner.png")
    (folder / "dangling.png").symlink_to(folder / "nowhere.png")
    (folder / "loop_a.png").symlink_to(folder / "loop_b.png")
    (folder / "loop_b.png").symlink_to(folder / "loop_a.png")
    (folder / "cycle").symlink_to(folder, target_is_directory=True)
    return folder


def test_folder_named_like_an_image_is_walked(run: Run, specials: Path) -> None:
    outcome = run("extract", specials / "folder.png")

    assert [row["path"] for row in csv_rows(outcome.stdout)] == [
        str(specials / "folder.png" / "inner.png")
    ]


@pytest.mark.parametrize("name", ["dangling.png", "loop_a.png"])
def test_link_to_nothing_named_directly_is_a_missing_path(
    run: Run, specials: Path, name: str
) -> None:
    outcome = run("extract", specials / name)

    assert outcome.exit_code == 2


@pytest.mark.parametrize("name", ["dangling.png", "loop_a.png"])
def test_link_to_nothing_named_directly_is_named(run: Run, specials: Path, name: str) -> None:
    outcome = run("extract", specials / name)

    assert f"{specials / name}: no such file or folder" in outcome.stderr


def test_fifo_named_directly_is_read_like_a_file_once_written(tmp_path: Path) -> None:
    """`imgsim extract <(curl …)`: a pipe named on the command line is read as cat reads
    it (folders never give their FIFOs to the decoder: the next test)."""
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    image = (CORPUS / "rgba.png").read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "imgsim", "extract", str(fifo), "-f", "phash", "--format", "csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **PLAIN_TERMINAL},
    )
    with fifo.open("wb") as writer:  # opens once imgsim opens the pipe to read it
        writer.write(image)
    process.communicate(timeout=60)
    assert process.returncode == 0


def test_fifo_in_a_folder_is_reported_not_dropped(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "rgba.png", tmp_path / "a.png")
    os.mkfifo(tmp_path / "fifo.png")
    try:
        result = run_imgsim("extract", tmp_path, "-f", "phash", "--format", "csv", timeout=6)
    except subprocess.TimeoutExpired:
        pytest.fail(f"imgsim extract {tmp_path} still waits for a writer after 6 s")
    assert result.returncode == 3


@pytest.mark.skipif(IS_ROOT, reason="root reads a file of mode 000")
def test_file_without_read_permission_is_unreadable(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "locked.png"
    shutil.copy(CORPUS / "rgba.png", path)
    path.chmod(0)

    assert run("extract", path).exit_code == 3


@pytest.mark.skipif(IS_ROOT, reason="root lists a folder of mode 000")
def test_folder_without_read_permission_is_unreadable(run: Run, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(CORPUS / "rgba.png", locked / "a.png")
    locked.chmod(0)
    try:
        exit_code = run("extract", tmp_path).exit_code
    finally:
        locked.chmod(0o755)
    assert exit_code == 3


# ------------------------------------------------------------- one folder with everything


@pytest.fixture(scope="module")
def everything(specials: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every corpus file and every special entry in one folder."""
    folder = tmp_path_factory.mktemp("everything") / "all"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("EXPECTED.json"))
    for entry in specials.iterdir():
        target = folder / entry.name
        if entry.is_symlink():
            link = os.readlink(entry)
            target.symlink_to(folder if Path(link) == specials else folder / Path(link).name)
        else:
            shutil.copytree(entry, target)
    return folder


GOOD_SPECIALS = ["folder.png/inner.png"]
BAD_SPECIALS = ["dangling.png", "loop_a.png", "loop_b.png"]


def readable(folder: Path, command: str) -> list[str]:
    names = [name for name in NAMES if EXPECTED[name][command] == 0] + GOOD_SPECIALS
    return sorted(str(folder / name) for name in names)


def unreadable(folder: Path, command: str) -> list[str]:
    names = [name for name in NAMES if EXPECTED[name][command] != 0] + BAD_SPECIALS
    return sorted(str(folder / name) for name in names)


@pytest.fixture(scope="module")
def folder_run(
    everything: Path, tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """``imgsim extract`` of the whole folder in a process of its own, with its pool."""
    store = tmp_path_factory.mktemp("folder_store") / "features.sqlite"
    args = ("extract", everything, "-f", "phash,color_hist", "--format", "csv")
    return run_imgsim(*args, cache=store)


def test_folder_run_exits_3(folder_run: subprocess.CompletedProcess[str]) -> None:
    assert folder_run.returncode == 3


def test_folder_run_has_no_traceback(folder_run: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in folder_run.stdout + folder_run.stderr


def test_folder_run_gives_every_readable_file_its_row(
    everything: Path, folder_run: subprocess.CompletedProcess[str]
) -> None:
    rows = csv_rows(folder_run.stdout)

    assert sorted(row["path"] for row in rows if not row["error"]) == readable(
        everything, "extract"
    )


def test_folder_run_gives_every_unreadable_file_an_error_row(
    everything: Path, folder_run: subprocess.CompletedProcess[str]
) -> None:
    rows = csv_rows(folder_run.stdout)

    assert sorted(row["path"] for row in rows if row["error"]) == unreadable(everything, "extract")


def test_folder_run_names_every_unreadable_file_on_stderr(
    everything: Path, folder_run: subprocess.CompletedProcess[str]
) -> None:
    named = {line.split(": ")[0] for line in folder_run.stderr.splitlines()}

    assert set(unreadable(everything, "extract")) <= named


@pytest.fixture(scope="module")
def quality_folder_run(everything: Path, run: Run) -> Outcome:
    return run("quality", everything)


def test_quality_folder_run_gives_every_readable_file_its_row(
    everything: Path, quality_folder_run: Outcome
) -> None:
    rows = csv_rows(quality_folder_run.stdout)

    assert sorted(row["path"] for row in rows if not row["error"]) == readable(
        everything, "quality"
    )


def test_quality_folder_run_has_no_traceback(quality_folder_run: Outcome) -> None:
    assert "Traceback" not in quality_folder_run.stdout + quality_folder_run.stderr

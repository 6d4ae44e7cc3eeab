"""The rows and the exit code survive what the shell does around imgsim.

Every test runs the real program in a subprocess: a progress bar on a terminal
stderr while stdout goes to a file, readers that close stdout or stderr early, a
closed stdout, and SIGINT / SIGTERM sent to the main process at random moments.
"""

from __future__ import annotations

import os
import pty
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_support import csv_rows
from conftest import load_photo
from PIL import Image

IMGSIM = [sys.executable, "-m", "imgsim"]


def _tiles(folder: Path, count: int, side: int = 96, quality: int = 90) -> Path:
    """``count`` distinct JPEG tiles of a real photograph."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = load_photo("astronaut")
    rng = np.random.default_rng(7)
    for index in range(count):
        y, x = rng.integers(0, photo.shape[0] - side, size=2)
        tile = photo[y : y + side, x : x + side]
        Image.fromarray(tile).save(folder / f"{index:03d}.jpg", quality=quality)
    return folder


@pytest.fixture(scope="module")
def sixty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 images: enough for the progress bar (it shows from 50 images on)."""
    return _tiles(tmp_path_factory.mktemp("sixty") / "images", 60)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """200 generated images and their references (the same tiles, re-encoded)."""
    root = tmp_path_factory.mktemp("pairs")
    return _tiles(root / "generated", 200, 64, 75), _tiles(root / "reference", 200, 64)


# --------------------------------------------------------------------------- item 1


def _run_with_terminal_stderr(
    args: list[str], stdout: Path, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal and stdout into a file; (status, terminal text)."""
    primary, secondary = pty.openpty()
    with stdout.open("wb") as out:
        process = subprocess.Popen(IMGSIM + args, stdout=out, stderr=secondary, env=env)
    os.close(secondary)
    screen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal's other side closed
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    status = process.wait(timeout=120)
    reader.join(timeout=10)
    os.close(primary)
    return status, screen.decode(errors="replace")


ROW_COMMANDS = {
    "extract": ["extract", "{images}", "-f", "ahash"],
    "compare": ["compare", "{images}", "{images}", "-m", "mse"],
    "compare --set": ["compare", "{images}", "{images}", "--set", "-m", "kid"],
    "rank": ["rank", "{images}", "{images}", "-f", "ahash", "-k", "1"],
    "diversity": ["diversity", "{images}", "-f", "ahash"],
    "duplicates": ["duplicates", "{images}", "-f", "ahash", "--threshold", "30"],
    "list": ["list"],
}


RowsOf = Callable[[str], tuple[str, str]]


@pytest.fixture(scope="module")
def rows_of(sixty: Path, tmp_path_factory: pytest.TempPathFactory) -> RowsOf:
    """A command's stdout while stderr is a terminal, and then when all is piped; each
    command run once for the module, with a store of its own (both runs share it)."""
    runs: dict[str, tuple[str, str]] = {}

    def run(command: str) -> tuple[str, str]:
        if command not in runs:
            folder = tmp_path_factory.mktemp("rows")
            args = [a.format(images=sixty) for a in ROW_COMMANDS[command]] + ["--format", "csv"]
            env = dict(os.environ, IMGSIM_CACHE=str(folder / "features.sqlite"))
            _run_with_terminal_stderr(args, folder / "terminal.csv", env)
            plain = subprocess.run(
                IMGSIM + args, capture_output=True, text=True, env=env, timeout=120
            )
            runs[command] = (folder / "terminal.csv").read_text(), plain.stdout
        return runs[command]

    return run


@pytest.mark.parametrize("command", list(ROW_COMMANDS))
def test_rows_go_to_stdout_while_stderr_is_a_terminal(command: str, rows_of: RowsOf) -> None:
    on_terminal, piped = rows_of(command)

    assert on_terminal == piped


@pytest.mark.parametrize("command", list(ROW_COMMANDS))
def test_rows_are_printed_when_all_is_piped(command: str, rows_of: RowsOf) -> None:
    _, piped = rows_of(command)

    assert piped != ""


def test_the_progress_bar_is_drawn_on_the_terminal(sixty: Path, tmp_path: Path) -> None:
    _, screen = _run_with_terminal_stderr(
        ["extract", str(sixty), "-f", "ahash", "--no-cache", "--workers", "1"], tmp_path / "out"
    )
    assert "/60" in screen


# --------------------------------------------------------------------------- item 2


def _failing_gate(pairs: tuple[Path, Path]) -> list[str]:
    """A compare whose gate fails on every one of its 200 rows."""
    generated, reference = pairs
    return ["compare", str(generated), str(reference), "-m", "psnr", "--gate", "psnr<0"]


def test_a_reader_that_stops_after_the_first_row_does_not_turn_a_failed_gate_into_a_pass(
    pairs: tuple[Path, Path],
) -> None:
    process = subprocess.Popen(
        IMGSIM + _failing_gate(pairs), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    process.stdout.readline()  # the header
    process.stdout.readline()  # the first row
    process.stdout.close()
    assert process.wait(timeout=120) == 1


def test_stdout_closed_by_its_reader_before_any_row_keeps_the_verdict(
    pairs: tuple[Path, Path],
) -> None:
    process = subprocess.Popen(
        IMGSIM + _failing_gate(pairs), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    process.stdout.close()
    assert process.wait(timeout=120) == 1


def test_stderr_closed_by_its_reader_keeps_the_verdict(pairs: tuple[Path, Path]) -> None:
    process = subprocess.Popen(
        IMGSIM + _failing_gate(pairs), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    process.stderr.close()
    assert process.wait(timeout=120) == 1


def test_a_closed_stdout_descriptor_keeps_the_verdict(pairs: tuple[Path, Path]) -> None:
    # `imgsim … >&-`: the process starts without a standard output at all.
    process = subprocess.run(
        ["sh", "-c", '"$@" >&-', "sh", *IMGSIM, *_failing_gate(pairs)],
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    assert process.returncode == 1


def test_a_closed_pipe_leaves_no_traceback(pairs: tuple[Path, Path]) -> None:
    process = subprocess.Popen(
        IMGSIM + _failing_gate(pairs), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert b"Traceback" not in stderr


def test_a_closed_pipe_with_every_gate_passing_exits_0(pairs: tuple[Path, Path]) -> None:
    generated, reference = pairs
    process = subprocess.Popen(
        [*IMGSIM, "compare", str(generated), str(reference), "-m", "psnr", "--gate", "psnr>0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    process.stdout.close()
    assert process.wait(timeout=120) == 0


# --------------------------------------------------------------------------- item 7


@pytest.fixture(scope="module")
def long_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough images for a run of a second or two with two workers."""
    return _tiles(tmp_path_factory.mktemp("long") / "images", 360, 160)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _interrupt(images: Path, store: Path, signum: int, delay: float) -> tuple[int, list[int]]:
    """Send ``signum`` to the main process ``delay`` s into an extract run: (status, the
    processes still running a moment after it ended)."""
    env = dict(os.environ, IMGSIM_CACHE=str(store))
    args = ["extract", str(images), "-f", "phash,color_hist,thumb", "--workers", "2"]
    process = subprocess.Popen(
        IMGSIM + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _wait_until_the_command_runs(process)
    time.sleep(delay)
    workers = _children(process.pid) if process.poll() is None else []
    process.send_signal(signum)
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # a hang: clean up, then fail below
        process.kill()
        process.communicate()
        return -1, workers
    time.sleep(0.2)
    return process.returncode, [pid for pid in workers if _is_running(pid)]


def _wait_until_the_command_runs(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Until imgsim catches SIGTERM, i.e. its command has started: before that, the
    interpreter is still starting and a signal ends it before any imgsim code runs."""
    caught = Path(f"/proc/{process.pid}/status")
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        mask = next(line for line in caught.read_text().splitlines() if line.startswith("SigCgt"))
        if int(mask.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.005)


# Moments after the command started, within its run of about a second.
_MOMENTS = [milliseconds / 1000 for milliseconds in random.Random(12).sample(range(0, 900), 20)]


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_the_main_process_stops_the_run_at_any_moment(
    signum: int, status: int, long_run: Path, tmp_path: Path
) -> None:
    outcomes = [
        _interrupt(long_run, tmp_path / f"store{index}.sqlite", signum, delay)
        for index, delay in enumerate(_MOMENTS)
    ]
    # A run that finished before its signal arrived has status 0.
    assert all(code in (status, 0) and not alive for code, alive in outcomes), outcomes


def test_an_interrupted_run_prints_what_it_had_done(long_run: Path, tmp_path: Path) -> None:
    env = dict(os.environ, IMGSIM_CACHE=str(tmp_path / "store.sqlite"))
    process = subprocess.Popen(
        [*IMGSIM, "extract", str(long_run), "-f", "phash,color_hist,thumb", "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    _wait_until_the_command_runs(process)
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert stderr.splitlines()[-1].startswith("imgsim: interrupted by SIGTERM: ")


def test_after_an_interruption_the_store_passes_sqlites_integrity_check(
    long_run: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    _interrupt(long_run, store, signal.SIGINT, 0.9)
    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_rerun_after_an_interruption_gives_every_row(long_run: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    _interrupt(long_run, store, signal.SIGTERM, 0.9)
    rerun = subprocess.run(
        [*IMGSIM, "extract", str(long_run), "-f", "phash,color_hist,thumb", "--format", "csv"],
        capture_output=True,
        text=True,
        env=dict(os.environ, IMGSIM_CACHE=str(store)),
        timeout=120,
    )
    assert len(csv_rows(rerun.stdout)) == 360


def test_a_table_whose_reader_has_gone_exits_0_when_every_gate_passed(
    pairs: tuple[Path, Path],
) -> None:
    generated, reference = pairs
    args = ["compare", str(generated), str(reference), "-m", "psnr", "--gate", "psnr>0"]
    process = subprocess.Popen(
        [*IMGSIM, *args, "--format", "table"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    process.stdout.close()
    assert process.wait(timeout=120) == 0

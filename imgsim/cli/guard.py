"""What a command does about its surroundings: closed pipes and signals.

A CI job acts on imgsim's exit code, so nothing around the process may change it:

- A reader that stops early (``imgsim compare … | head -2``) closes stdout. imgsim
  then stops writing, silences stdout and goes on with the run, so that every row
  is still checked by the gates and counted in the exit status.
- A closed or broken stderr loses the messages, never the verdict: writes to it
  that fail are dropped.
- SIGINT and SIGTERM sent to the main process (not only to its process group)
  stop the workers, commit the store, print a short summary and exit 130 / 143.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import IO, Any


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: the run stops as it would on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


class TolerantStream:
    """A text stream whose failed writes are dropped instead of raised (for stderr)."""

    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self.lost = stream is None

    def write(self, text: str) -> int:
        if not self.lost:
            try:
                self._stream.write(text)  # type: ignore[union-attr]
            except (OSError, ValueError):  # a closed pipe or file descriptor
                self.lost = True
        return len(text)

    def flush(self) -> None:
        if not self.lost:
            try:
                self._stream.flush()  # type: ignore[union-attr]
            except (OSError, ValueError):
                self.lost = True

    def isatty(self) -> bool:
        try:
            return not self.lost and bool(self._stream.isatty())  # type: ignore[union-attr]
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def silence_stdout() -> None:
    """Send whatever is still written to stdout to /dev/null (its reader has gone).

    Without this, the interpreter's last flush of stdout at exit would fail again
    and turn the exit status into 120.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout has no descriptor at all
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process


_summaries: list[Callable[[], str]] = []
"""What the running command has done so far, for the message of an interrupted run."""


def on_interrupt(summary: Callable[[], str]) -> None:
    """Register the progress of the running command, printed if it is interrupted."""
    _summaries.append(summary)


def interrupted_summary() -> list[str]:
    """What the interrupted command had done, one line per registered counter."""
    return [summary() for summary in _summaries]


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Run a command with a stderr that cannot fail and signals that stop it cleanly."""
    saved_stderr, saved_stdout = sys.stderr, sys.stdout
    sys.stderr = TolerantStream(sys.stderr)
    if sys.stdout is None:  # started with stdout closed (`imgsim … >&-`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the run
    handlers = _catch_signals()
    _summaries.clear()
    try:
        yield
    finally:
        _restore_signals(handlers)
        sys.stderr, sys.stdout = saved_stderr, saved_stdout


_SIGNALS = (signal.SIGINT, signal.SIGTERM)

SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def _catch_signals() -> dict[int, SignalHandler]:
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}  # signals are delivered to the main thread only

    def stop(signum: int, frame: FrameType | None) -> None:
        # Once: a second signal during the clean-up must not cut it short.
        for number in _SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    previous: dict[int, SignalHandler] = {number: signal.getsignal(number) for number in _SIGNALS}
    for number in _SIGNALS:
        signal.signal(number, stop)
    return previous


_in_main = False
"""Whether the command runs as the ``imgsim`` program (not called in-process, as by tests)."""


def run_as_program() -> None:
    """Mark this process as the ``imgsim`` program: once its command has decided the exit
    status, a late signal (during the interpreter's exit) cannot change it."""
    global _in_main
    _in_main = True


def _restore_signals(handlers: dict[int, SignalHandler]) -> None:
    for number, handler in handlers.items():
        if _in_main:
            signal.signal(number, signal.SIG_IGN)
        else:
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def exit_now(code: int) -> None:
    """Leave at once with ``code`` after an interruption, once everything is cleaned up.

    The workers are gone and the store is committed by then; the interpreter's own
    exit would only wait again on the executor's threads.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)

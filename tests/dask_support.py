"""A real Dask cluster on localhost for the tests: ``dask scheduler`` and ``dask worker``
processes started with the venv's own executables, and small photographs to send them.

The workers run in a folder of their own (not the tests' working directory), so that a
relative path the client gives names no file there; each is a single-threaded worker
without a nanny, so that killing its process takes the worker away for good.
Every process is ended when the cluster is closed, killed if it does not end in time;
should the tests' own process be killed first, they end themselves soon after.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cli_support import save_image
from conftest import load_photo
from photos import PHOTOS
from PIL import Image

BIN = Path(sys.executable).parent
_START_SECONDS = 60.0
_STOP_SECONDS = 5.0
_ORPHAN_SECONDS = "120"
"""Should the tests' process die before it ends them, the scheduler ends itself after
this long without work, and each worker this long after losing its scheduler."""


@dataclass
class LocalDask:
    """A scheduler and its workers, each a process of its own."""

    scheduler_file: Path
    workers_folder: Path
    logs: Path
    scheduler: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def address(self) -> str:
        """``tcp://127.0.0.1:PORT`` of the scheduler (from its scheduler file)."""
        import json

        address: str = json.loads(self.scheduler_file.read_text())["address"]
        return address

    def start_scheduler(self) -> None:
        self.scheduler = self._spawn(
            "scheduler",
            [
                *("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
                *("--idle-timeout", _ORPHAN_SECONDS),
            ],
        )
        deadline = time.monotonic() + _START_SECONDS
        while not self.scheduler_file.exists():
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dask scheduler did not start: {self._log('scheduler')}")
            time.sleep(0.05)

    def start_workers(self, count: int) -> list[subprocess.Popen[bytes]]:
        """``count`` more workers (processes with one thread each), started together and
        registered with the scheduler before this returns."""
        started: list[subprocess.Popen[bytes]] = []
        for _ in range(count):
            name = f"worker-{len(self.workers)}"
            started.append(
                self._spawn(
                    name,
                    [
                        *("worker", "--nthreads", "1", "--no-nanny", "--no-dashboard"),
                        *("--name", name, "--death-timeout", _ORPHAN_SECONDS),
                    ],
                )
            )
            self.workers.append(started[-1])
        self._wait_for_workers(sum(process.poll() is None for process in self.workers))
        return started

    def close(self) -> None:
        """End every process: workers first, then the scheduler."""
        processes = [*self.workers, *([self.scheduler] if self.scheduler else [])]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        with log:
            return subprocess.Popen(
                [str(BIN / "dask"), *arguments, "--scheduler-file", str(self.scheduler_file)],
                cwd=self.workers_folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=_START_SECONDS) as client:
            client.wait_for_workers(count, timeout=_START_SECONDS)

    def _log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]


@contextlib.contextmanager
def local_dask(root: Path, workers: int = 2) -> Iterator[LocalDask]:
    """A scheduler and ``workers`` workers under ``root``, ended when the block ends."""
    (root / "workers").mkdir(parents=True)
    (root / "logs").mkdir()
    cluster = LocalDask(root / "scheduler.json", root / "workers", root / "logs")
    try:
        cluster.start_scheduler()
        cluster.start_workers(workers)
        yield cluster
    finally:
        cluster.close()


def build_photos(folder: Path, count: int, side: int = 48) -> list[Path]:
    """``count`` small crops of scikit-image's photographs (PNG and JPEG, in turn) in
    ``folder``, in the order a run lists them."""
    photos = [load_photo(name) for name in PHOTOS]
    paths: list[Path] = []
    for index in range(count):
        photo = photos[index % len(photos)]
        top = (index * 37) % (photo.shape[0] - 2 * side)
        left = (index * 53) % (photo.shape[1] - 2 * side)
        crop = photo[top : top + 2 * side, left : left + 2 * side]
        pixels = np.asarray(Image.fromarray(crop).resize((side, side), Image.Resampling.LANCZOS))
        suffix = "png" if index % 2 == 0 else "jpg"
        paths.append(save_image(folder / f"photo_{index:04d}.{suffix}", pixels))
    return paths

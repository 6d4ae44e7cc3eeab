"""Runs on a real Dask cluster on localhost: a ``dask scheduler`` and ``dask worker``
processes that the tests start, against the same run in the local process pool.

Commands run through their real code: ``extract``, ``compare`` and ``rank`` of imgsim's
command line, each given the run options as the command line will
(``handle_errors(with_run_options(...))``), in a small Typer app of the test's own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from dask_support import LocalDask, build_photos, local_dask
from typer.testing import CliRunner

import imgsim.distributed
from imgsim.cli import app as imgsim_app
from imgsim.cli.common import handle_errors
from imgsim.cli.run_options import with_run_options
from imgsim.distributed import cluster
from imgsim.engine import ExtractOptions, ImageResult, extract_files
from imgsim.errors import ArgumentError
from imgsim.store import FeatureStore

pytest.importorskip("distributed")

FEATURES = ("phash", "color_hist", "gabor")
OPTIONS = ExtractOptions(features=FEATURES)
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def _run_app() -> typer.Typer:
    """imgsim's extract, compare and rank with the run options, as the command line gets them."""
    from imgsim.cli import compare, extract, rank

    runnable = typer.Typer()
    for name, command in (
        ("extract", extract.extract),
        ("compare", compare.compare),
        ("rank", rank.rank),
    ):
        runnable.command(name)(handle_errors(with_run_options(command.__wrapped__)))  # type: ignore[attr-defined]
    return runnable


RUN_APP = _run_app()


def _invoke(application: typer.Typer, *args: str | Path) -> Any:
    return CliRunner(env=ENV).invoke(application, [str(a) for a in args], catch_exceptions=False)


def _snapshot(results: list[ImageResult]) -> list[tuple[Any, ...]]:
    """What a run found for each file: path, size, error, and each value's exact bytes."""
    return [
        (
            str(result.path),
            result.width,
            result.height,
            result.error,
            {name: (value.dtype.str, value.tobytes()) for name, value in result.features.items()},
        )
        for result in results
    ]


def _extract(paths: list[Path], **options: Any) -> list[ImageResult]:
    return list(extract_files(paths, OPTIONS, workers=2, chunk_size=3, **options))


def _local(paths: list[Path]) -> list[ImageResult]:
    """The local run the cluster's must equal (the same for any number of workers)."""
    return list(extract_files(paths, OPTIONS, workers=1))


@dataclass(frozen=True)
class KilledRun:
    """A run on the cluster during which a worker was killed."""

    results: list[ImageResult]
    local: list[ImageResult]
    """The same files' results in a local run."""
    done_at_kill: int
    """Files whose results had arrived when the worker was killed."""
    held_at_kill: int
    """Tasks the killed worker held when it was killed."""
    status: int | None
    """The killed worker's exit status."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def dask(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDask]:
    with local_dask(tmp_path_factory.mktemp("dask")) as processes:
        yield processes


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder ``images`` of 18 photographs, in a folder of its own."""
    root = tmp_path_factory.mktemp("inputs")
    build_photos(root / "images", 18)
    return root / "images"


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated and a reference folder of 12 photographs each (the first 6 shared)."""
    root = tmp_path_factory.mktemp("sets")
    photos = build_photos(root / "all", 18)
    generated, reference = root / "generated", root / "reference"
    generated.mkdir()
    reference.mkdir()
    for path in photos[:12]:
        (generated / path.name).write_bytes(path.read_bytes())
    for path in [*photos[:6], *photos[12:]]:
        (reference / path.name).write_bytes(path.read_bytes())
    return generated, reference


def test_features_on_the_cluster_are_the_local_ones_bit_for_bit(
    dask: LocalDask, images: Path
) -> None:
    paths = sorted(images.iterdir())
    local = _local(paths)
    with cluster(dask.address):
        remote = _extract(paths)
    assert _snapshot(remote) == _snapshot(local)


def test_extract_csv_on_the_cluster_is_the_local_csv(dask: LocalDask, images: Path) -> None:
    arguments = ("extract", images, "-f", ",".join(FEATURES), "--format", "csv", "--no-cache")
    local = _invoke(imgsim_app, *arguments, "-j", "1")
    remote = _invoke(RUN_APP, *arguments, "--scheduler", dask.address)
    assert remote.stdout == local.stdout


def test_compare_set_on_the_cluster_is_the_local_row(
    dask: LocalDask, sets: tuple[Path, Path]
) -> None:
    generated, reference = sets
    arguments = ("compare", generated, reference, "--set", "-f", "color_hist", "-k", "3")
    local = _invoke(imgsim_app, *arguments, "--format", "csv", "--no-cache", "-j", "1")
    remote = _invoke(
        RUN_APP, *arguments, "--format", "csv", "--no-cache", "--scheduler", dask.address
    )
    assert remote.stdout == local.stdout


def test_rank_on_the_cluster_gives_the_local_rows(dask: LocalDask, sets: tuple[Path, Path]) -> None:
    generated, reference = sets
    arguments = ("rank", generated, reference, "-f", "phash", "-k", "3", "--format", "csv")
    local = _invoke(imgsim_app, *arguments, "--no-cache", "-j", "1")
    remote = _invoke(RUN_APP, *arguments, "--no-cache", "--scheduler", dask.address)
    assert remote.stdout == local.stdout


def test_compare_pairs_on_the_cluster_is_the_local_csv(
    dask: LocalDask, sets: tuple[Path, Path]
) -> None:
    generated, reference = sets
    arguments = ("compare", generated, reference, "-m", "ssim,psnr,phash", "--format", "csv")
    local = _invoke(imgsim_app, *arguments, "--no-cache", "-j", "1")
    remote = _invoke(RUN_APP, *arguments, "--no-cache", "--scheduler", dask.address)
    assert remote.stdout == local.stdout


@pytest.fixture(scope="module")
def killed_run(dask: LocalDask, tmp_path_factory: pytest.TempPathFactory) -> KilledRun:
    """A run of 60 files, 2 per task, during which a third worker is killed with SIGKILL
    as the first results arrive."""
    paths = build_photos(tmp_path_factory.mktemp("many"), 60, side=32)
    (victim,) = dask.start_workers(1)
    at_kill: list[tuple[int, int]] = []
    done = [0]
    with cluster(dask.address) as found:

        def kill_once(finished: int, stored: int) -> None:
            done[0] += finished
            if not at_kill:
                held = _tasks_of(found.client, f"worker-{len(dask.workers) - 1}")
                os.kill(victim.pid, signal.SIGKILL)
                at_kill.append((done[0], held))

        remote = list(extract_files(paths, OPTIONS, chunk_size=2, progress=kill_once))
    done_at_kill, held = at_kill[0]
    return KilledRun(remote, _local(paths), done_at_kill, held, victim.wait(timeout=10))


def _tasks_of(client: Any, name: str) -> int:
    """How many tasks the scheduler has given the worker named ``name``."""
    workers = client.scheduler_info()["workers"]
    (address,) = (address for address, info in workers.items() if info["name"] == name)
    return len(client.processing(workers=[address])[address])


def test_a_worker_killed_mid_run_still_gives_every_result_right(killed_run: KilledRun) -> None:
    assert _snapshot(killed_run.results) == _snapshot(killed_run.local)


def test_the_worker_died_of_sigkill(killed_run: KilledRun) -> None:
    assert killed_run.status == -signal.SIGKILL


def test_the_killed_worker_held_tasks_when_it_was_killed(killed_run: KilledRun) -> None:
    assert killed_run.held_at_kill > 0


def test_the_worker_was_killed_before_half_the_files_were_done(killed_run: KilledRun) -> None:
    assert killed_run.done_at_kill < len(killed_run.results) // 2


def test_shipped_bytes_reach_workers_that_cannot_see_the_files(
    dask: LocalDask, images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(images.parent)  # relative paths name no file in the workers' folder
    paths = sorted(Path(images.name).iterdir())
    local = _local(paths)
    with cluster(dask.address, ship_bytes=True):
        remote = _extract(paths)
    assert _snapshot(remote) == _snapshot(local)


def test_shipped_bytes_one_chunk_at_a_time_give_the_local_features(
    dask: LocalDask, images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imgsim.distributed, "SHIPPED_BYTES_IN_FLIGHT", 1)  # one chunk at a time
    paths = sorted(images.iterdir())
    local = _local(paths)
    with cluster(dask.address, ship_bytes=True):
        remote = _extract(paths)
    assert _snapshot(remote) == _snapshot(local)


def test_without_shipped_bytes_those_workers_cannot_read_the_files(
    dask: LocalDask, images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(images.parent)
    paths = sorted(Path(images.name).iterdir())
    with cluster(dask.address):
        remote = _extract(paths)
    assert all(result.error is not None for result in remote)


def test_shipped_files_are_recorded_in_the_clients_store(
    dask: LocalDask, images: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(images.parent)
    paths = sorted(Path(images.name).iterdir())
    with (
        FeatureStore(tmp_path / "features.sqlite") as store,
        cluster(dask.address, ship_bytes=True),
    ):
        _extract(paths, store=store)
    with FeatureStore(tmp_path / "features.sqlite") as store:
        again = _extract(paths, store=store)
    assert [result.stored for result in again] == [True] * len(paths)


def test_pair_scoring_refuses_shipped_bytes_naming_the_flag(
    dask: LocalDask, sets: tuple[Path, Path]
) -> None:
    generated, reference = sets
    result = _invoke(
        RUN_APP,
        *("compare", generated, reference, "-m", "ssim", "--no-cache"),
        *("--scheduler", dask.address, "--ship-bytes"),
    )
    assert result.stderr.splitlines()[-1] == (
        "imgsim: --ship-bytes sends the files' contents for feature extraction only: this "
        "work reads its files on the workers, which need them on a shared file system"
    )


def test_an_unreachable_scheduler_is_named() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    with (
        pytest.raises(ArgumentError, match=f"scheduler={address}: cannot reach"),
        cluster(address, connect_timeout=1.0),
    ):
        pass


def test_an_unreachable_scheduler_is_given_up_on_within_the_timeout() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with contextlib.suppress(ArgumentError), cluster(address, connect_timeout=1.0):
        pass
    assert time.monotonic() - started < 5.0


@pytest.fixture(scope="module")
def unreachable(images: Path) -> tuple[str, Any]:
    """``extract --scheduler`` of a port where no scheduler listens: (address, result)."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    arguments = ("extract", images, "-f", "phash", "--scheduler", address)
    return address, _invoke(RUN_APP, *arguments, "--connect-timeout", "1")


def test_an_unreachable_scheduler_exits_2(unreachable: tuple[str, Any]) -> None:
    assert unreachable[1].exit_code == 2


def test_an_unreachable_scheduler_is_one_line_naming_the_flag(
    unreachable: tuple[str, Any],
) -> None:
    address, result = unreachable
    assert result.stderr.split(" (")[0] == (
        f"imgsim: --scheduler {address}: cannot reach the Dask scheduler within 1 s"
    )


def test_an_unreachable_scheduler_gives_no_traceback(unreachable: tuple[str, Any]) -> None:
    assert len(unreachable[1].stderr.splitlines()) == 1


def test_a_scheduler_address_without_a_port_is_refused_naming_the_flag(images: Path) -> None:
    result = _invoke(RUN_APP, "extract", images, "-f", "phash", "--scheduler", "somewhere")
    assert result.stderr.startswith("imgsim: --scheduler somewhere is not a scheduler address")


def test_without_dask_the_scheduler_option_gives_the_install_command(
    images: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = _invoke(RUN_APP, "extract", images, "-f", "phash", "--scheduler", "local:1")
    assert result.stderr.strip() == (
        "imgsim: running on a Dask cluster needs Dask distributed: pip install 'imgsim[dask]'"
    )


def test_ship_bytes_without_a_scheduler_names_both_flags(images: Path) -> None:
    result = _invoke(RUN_APP, "extract", images, "-f", "phash", "--ship-bytes")
    assert result.stderr.strip() == (
        "imgsim: --ship-bytes needs --scheduler: files are shipped to Dask workers only"
    )


def test_a_local_cluster_gives_the_local_features(images: Path) -> None:
    paths = sorted(images.iterdir())
    local = _local(paths)
    with cluster("local:2"):
        remote = _extract(paths)
    assert _snapshot(remote) == _snapshot(local)


def test_a_bad_local_cluster_size_names_the_argument() -> None:
    with pytest.raises(ArgumentError, match="scheduler=local:0 must be"), cluster("local:0"):
        pass


@pytest.fixture(scope="module")
def with_bad_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four photographs, a text file named .png and a JPEG cut in half, in that order."""
    folder = tmp_path_factory.mktemp("bad")
    paths = build_photos(folder, 4)
    text = folder / "notes.png"
    text.write_text("not an image\n")
    cut = folder / "cut.jpg"
    cut.write_bytes(paths[1].read_bytes()[:200])
    return [*paths, text, cut]


def test_bad_files_are_the_same_rows_on_the_cluster(
    dask: LocalDask, with_bad_files: list[Path]
) -> None:
    local = _local(with_bad_files)
    with cluster(dask.address):
        remote = _extract(with_bad_files)
    assert _snapshot(remote) == _snapshot(local)


def test_bad_files_are_the_same_rows_with_shipped_bytes(
    dask: LocalDask, with_bad_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(with_bad_files[0].parent)  # the workers cannot see these files
    relative = [Path(path.name) for path in with_bad_files]
    local = _local(relative)
    with cluster(dask.address, ship_bytes=True):
        remote = _extract(relative)
    assert _snapshot(remote) == _snapshot(local)

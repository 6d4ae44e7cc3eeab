"""Files imgsim writes appear whole, with the permissions a new file of the user gets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from imgsim.output import atomic_text_file


def test_a_written_file_has_the_permissions_of_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        with atomic_text_file(tmp_path / "rows.csv") as stream:
            stream.write("a,b\n")
    finally:
        os.umask(previous)

    assert stat.S_IMODE((tmp_path / "rows.csv").stat().st_mode) == 0o640

"""Memory settings of the processes imgsim runs itself: the command line and its workers.

glibc hands freed memory back to the kernel above two thresholds (a block of its own
is mapped and unmapped; the top of the heap is trimmed) that start at 128 kB and are
raised only after a large block has been freed. Until that happens, which depends
on the history of the process, each image's temporary arrays (a few hundred kB
each) are unmapped and faulted in again on every use. For 500 pairs of 256x256
images, ``compare`` then made 0.9 M page faults and spent 1.7 s in the kernel, in
two workers (2.7 s instead of 1.8 s) and, depending on the order of its first
allocations, in a single process too (4.8 s instead of 3.3 s).
:func:`keep_freed_memory` sets both thresholds where glibc's own adjustment would
end. It is not applied to programs that merely import imgsim.
"""

from __future__ import annotations

import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MAPPED_ON_ITS_OWN = 32 << 20
"""Blocks from this size on are mapped on their own (glibc's ``DEFAULT_MMAP_THRESHOLD_MAX``,
the highest value its adjustment reaches); freed heap is kept up to twice this."""


def keep_freed_memory() -> None:
    """Let this process reuse the memory it frees; does nothing where malloc is not glibc's."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no mallopt: not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, _MAPPED_ON_ITS_OWN)
    mallopt(_M_TRIM_THRESHOLD, 2 * _MAPPED_ON_ITS_OWN)

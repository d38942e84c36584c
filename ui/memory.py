"""The dashboard server's allocators (issue #14.4: its peak memory at national scale).

A Streamlit server lives long and builds its caches from large, short-lived intermediates (the
round's Arrow scans, numpy matrices, pandas' Arrow-backed strings). Two default allocators keep
what those freed, and the server's resident memory only grows:

* Arrow's default pool (mimalloc) keeps freed pages for reuse: about 15 MiB after the overview
  at 10,000 units. The system pool (glibc malloc) returns them.
* glibc raises its mmap threshold to the largest block freed so far (up to 32 MiB), so later large
  arrays come from the heap, where the blocks still in use between them pin the freed ones: about
  7 MiB more. A fixed threshold of 64 KiB keeps large blocks mapped on their own, unmapped when freed.

Measured with bench/run.py's page group (server VmHWM after the overview); see bench/RESULTS.md.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import pyarrow as pa

MMAP_THRESHOLD = 64 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
_configured = False


def configure() -> None:
    """Use the allocators above for the rest of the process (once; later calls do nothing)."""
    global _configured
    if _configured:
        return
    _configured = True
    pa.set_memory_pool(pa.system_memory_pool())
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):  # not glibc (musl has no mallopt): its defaults stay
            return
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, MMAP_THRESHOLD)

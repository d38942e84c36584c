"""ui.memory (issue #14.4): the dashboard server's allocators return what large intermediates
freed. Checked in a fresh interpreter each, so the allocators of the test process stay as they are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Frees an 8 MiB block (glibc then raises its mmap threshold to 8 MiB by default), then allocates
# forty 256 KiB arrays: mapped on their own (returned to the system when freed) only with a fixed
# threshold below their size. Prints Arrow's pool and the KiB newly mapped.
PROBE = """
import ctypes, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "configure":
    from ui import memory
    memory.configure()
    memory.configure()  # a second call changes nothing
import pyarrow as pa

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks "
                                              "fordblks keepcost".split()]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
big = np.ones(8 * 2**20, dtype=np.uint8)
del big
before = libc.mallinfo2().hblkhd
blocks = [np.ones(256 * 1024, dtype=np.uint8) for _ in range(40)]
print(pa.default_memory_pool().backend_name, (libc.mallinfo2().hblkhd - before) // 1024)
"""


def probe(mode: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(REPO), mode], capture_output=True, text=True,
                         check=True, timeout=120)
    pool, mapped = out.stdout.split()
    return pool, int(mapped)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_configure_uses_the_system_arrow_pool_and_a_fixed_mmap_threshold():
    _, default_mapped = probe("default")
    pool, mapped = probe("configure")
    assert default_mapped < 1024  # glibc's default: the freed 8 MiB block raised the threshold
    assert pool == "system" and mapped >= 40 * 256


def test_the_dashboard_configures_the_allocators_before_reading_data():
    source = (REPO / "dashboard.py").read_text()
    assert source.index("memory.configure()") < source.index("from ui import state")

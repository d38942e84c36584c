"""The command line as a whole process (issue #14.5): ``score-lke`` of one workbook against
LibreOffice recalculating the same file, and ``evaluate`` of the README's recap request.

Every figure is the wall-clock time of a fresh process from ``fork`` to exit (the interpreter's
start and every import included: what a user waits for), with the child's CPU time (user + system,
from ``wait4``) beside it. The two commands of a pair run alternately so that a change in the
machine's load affects both; the first pair warms the OS file cache and is not counted.

LibreOffice gets a user profile of its own in the work folder (another running ``soffice`` with the
default profile would make ``--convert-to`` hand the job over to it and return at once); where no
``soffice`` is installed the row says so instead of a figure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.scoring import Timing

REPO = Path(__file__).resolve().parents[1]
EVALUATE_REQUEST = REPO / "examples" / "recap-2024.json"


def run_process(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
                timeout: float = 300.0) -> tuple[float, float]:
    """Run ``cmd`` to its end: (wall seconds, CPU seconds of the child, user + system). A non-zero
    exit raises with the command's error output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            raise RuntimeError(f"{cmd[0]} still running after {timeout:.0f} s")
        time.sleep(0.002)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}: {err[-1500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def cli_benchmark(workbook: Path, work: Path, reps: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    """score-lke (a fresh ``python -m zi_metrics`` process) vs ``soffice --headless --convert-to
    xlsx`` of the same workbook, alternating; then ``evaluate`` alone."""
    python = [sys.executable, "-m", "zi_metrics"]
    env = dict(os.environ)
    out: dict[str, Any] = {"bytes": workbook.stat().st_size}
    soffice = soffice_path()
    t = {"score_lke": Timing(), "soffice": Timing(), "evaluate": Timing()}
    converted = work / "soffice-out"
    converted.mkdir(exist_ok=True)
    profile = (work / "soffice-profile").as_uri()
    for rep in range(reps + 1):
        score = run_process([*python, "score-lke", str(workbook)], REPO, env)
        office = None
        if soffice:
            office = run_process([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                                  "--convert-to", "xlsx", "--outdir", str(converted), str(workbook)], work, env)
            if not (converted / workbook.name).exists():
                raise RuntimeError(f"soffice wrote nothing to {converted}")
        evaluate = run_process([*python, "evaluate", str(EVALUATE_REQUEST)], REPO, env)
        if rep == 0:
            continue
        t["score_lke"].add(*score)
        t["evaluate"].add(*evaluate)
        if office:
            t["soffice"].add(*office)
    out["timings"] = t
    out["soffice"] = soffice
    log(f"  score-lke {t['score_lke'].median:.3f} s, "
        + (f"soffice {t['soffice'].median:.3f} s, " if soffice else "no soffice, ")
        + f"evaluate {t['evaluate'].median:.3f} s (medians of whole processes)")
    return out

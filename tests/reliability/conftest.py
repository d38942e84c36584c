"""Fixtures of the reliability suite (issue #7): concurrency, crashes, hostile input, export safety.

Helpers are handed out through the ``rel`` fixture (conftest modules are not imported by tests).
Every test works on its own copy of one demo database seeded once per session, so no test touches
another's file; subprocesses (the CLI, the reader loop, the crash helper) get ``PYTHONPATH`` set to
the repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
UNIT = "kemendesa-itjen"  # a demo unit with full LKEs (mandiri and tpi) in 2026
YEAR = 2026
F90 = "permenpanrb-90-2021"


# Page files by role: the pages moved (pages/<old>.py -> pages/<url>.py -> views/<url>.py); every
# location is tried, the first that exists wins.
PAGE_FILES = {
    role: (f"views/{url}.py", f"views/{old}.py", f"pages/{url}.py", f"pages/{old}.py")
    for role, url, old in (("overview", "ringkasan", "overview"), ("profile", "profil", "unit"),
                           ("gaps", "kesenjangan", "gaps"), ("present", "presentasi", "present"))
}


def page_file(role: str) -> str | None:
    """The page file (relative to the repository) of a role, or None when the page does not exist."""
    return next((p for p in PAGE_FILES[role] if (REPO / p).exists()), None)


def file_digest(path: Path) -> tuple[str, str | None]:
    """SHA-256 of the database file and of its WAL (None when there is no WAL)."""
    path = Path(path)
    wal = path.with_name(path.name + ".wal")
    main = hashlib.sha256(path.read_bytes()).hexdigest()
    return main, hashlib.sha256(wal.read_bytes()).hexdigest() if wal.exists() else None


def table_dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the schema, sorted (opens the file read-only)."""
    from zi_metrics.store import TABLES, Store

    store = Store(path)
    return {table: store.table_rows(table) for table in TABLES}


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m zi_metrics ARGS`` as a real subprocess."""
    return subprocess.run([sys.executable, "-m", "zi_metrics", *args], capture_output=True, text=True,
                          cwd=REPO, env=cli_env(), timeout=timeout, stdin=subprocess.DEVNULL)


def run_cli_inprocess(*args: str) -> tuple[int, str, str]:
    """The CLI's ``main`` in this process (same code path as the subprocess, much faster)."""
    from zi_metrics.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse refusing an argument
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def stored_round(path: Path, unit_id: str, year: int, stage: str) -> dict[int, dict[str, Any]]:
    """question id -> stored answer row of one round (empty when the round does not exist)."""
    from zi_metrics.store import Store

    store = Store(path)
    eid = store.evaluation_id(unit_id, year, stage)
    return {} if eid is None else store.answers_for(eid)


def variant_answers(base: Mapping[int, Any], shift: int) -> dict[int, Any]:
    """A copy of ``base`` with every option answer of the pengungkit moved ``shift`` options down
    (capped at the last option): a different, still valid LKE with a different score."""
    from zi_metrics.framework import load_framework

    fw = load_framework(F90)
    out = dict(base)
    for qid, value in base.items():
        q = fw.questions[qid]
        if q.kind != "option" or q.hasil_item is not None or not q.options:
            continue
        keys = list(q.options)
        if value in keys:
            out[qid] = keys[min(len(keys) - 1, keys.index(value) + shift)]
    return out


def payload_bytes(unit_answers: Mapping[int, Any], tpi_answers: Mapping[int, Any] | None = None,
                  notes: Mapping[int, str] | None = None, evidence: Mapping[int, str] | None = None) -> bytes:
    """A PortalRB payload (the ``import`` command's JSON layout) holding these answers."""
    from zi_metrics.framework import load_framework
    from zi_metrics.lke.payload import build_payload, dump_payload

    fw = load_framework(F90)
    return dump_payload(build_payload(fw, unit_answers, tpi_answers, notes=notes, evidence=evidence)
                        ).encode("utf-8")


class Rel:
    """The helpers above, as one object (``rel`` fixture)."""

    REPO = REPO
    HERE = HERE
    UNIT = UNIT
    YEAR = YEAR
    F90 = F90
    page_file = staticmethod(page_file)
    file_digest = staticmethod(file_digest)
    table_dump = staticmethod(table_dump)
    cli_env = staticmethod(cli_env)
    run_cli = staticmethod(run_cli)
    run_cli_inprocess = staticmethod(run_cli_inprocess)
    stored_round = staticmethod(stored_round)
    variant_answers = staticmethod(variant_answers)
    payload_bytes = staticmethod(payload_bytes)


@pytest.fixture(scope="session")
def rel() -> type[Rel]:
    return Rel


@pytest.fixture(scope="session")
def demo_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, seeded once per session (never written to: tests copy it)."""
    from zi_metrics.database import ensure_database

    path = tmp_path_factory.mktemp("reliability-seed") / "demo.duckdb"
    ensure_database(path)
    wal = path.with_name(path.name + ".wal")
    assert not wal.exists(), "the seeded demo database should be checkpointed"
    return path


def _clear_streamlit_caches() -> None:
    st = sys.modules.get("streamlit")
    if st is not None:
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.fixture
def demo_db(demo_seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the demo database, exported as ``ZI_DB_PATH``."""
    path = tmp_path / "zi.duckdb"
    shutil.copyfile(demo_seed, path)
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    _clear_streamlit_caches()
    yield path
    _clear_streamlit_caches()

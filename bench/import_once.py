"""One ``python -m zi_metrics import`` run, timed from inside (bench/import_load.py).

    python bench/import_once.py OUT_JSON -- <the import command's arguments>

Runs the CLI's own ``main`` with the store's two waits measured: the turnstile (the side file a
writer holds exclusively and readers pass through, see zi_metrics/store/duckdb_backend.py) and
opening the database file (which retries while another process has it open). Writes the command's
wall and CPU time, the waits and the exit code to OUT_JSON; the import itself is unchanged.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> int:
    out, rest = argv[0], argv[argv.index("--") + 1:]
    wall, cpu = time.perf_counter(), time.process_time()
    from zi_metrics.__main__ import main as cli
    from zi_metrics.store.duckdb_backend import DuckDBBackend

    waits = {"turnstile": 0.0, "open": 0.0, "opens": 0, "imports": 0.0}
    waits["imports"] = time.perf_counter() - wall
    turnstile, connect = DuckDBBackend._turnstile, DuckDBBackend._connect

    @contextmanager
    def timed_turnstile(self, exclusive, deadline):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        with turnstile(self, exclusive, deadline):
            waits["turnstile"] += time.perf_counter() - start
            yield

    def timed_connect(self, read_only, deadline):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        try:
            return connect(self, read_only, deadline)
        finally:
            waits["open"] += time.perf_counter() - start
            waits["opens"] += 1

    DuckDBBackend._turnstile = timed_turnstile  # type: ignore[method-assign]
    DuckDBBackend._connect = timed_connect  # type: ignore[method-assign]
    code = cli(rest)
    Path(out).write_text(json.dumps({"code": code, "wall": time.perf_counter() - wall,
                                     "cpu": time.process_time() - cpu, **waits}), encoding="utf-8")
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""One importer process of the import-throughput benchmark (bench/scaleout.py).

    python bench/import_worker.py DB YEAR UNITS_CSV READY_FILE GO_FILE OUT_FILE

Builds one 127-question round per unit (the answers of a stored national round), imports a first
one untimed (warming imports and connections), writes READY_FILE, waits for GO_FILE, then imports
the others one after another, each with :func:`zi_metrics.store.save_rounds` (validation, the
round's lock, the comparison with what is stored, one transaction with its audit row), and
writes the start and end times to OUT_FILE.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> int:
    db, year, units_csv, ready, go, out = argv
    from zi_metrics.store import Store, save_rounds

    store = Store(db, busy_timeout=600)
    units = units_csv.split(",")
    source = store.evaluations(unit_id=units[0])
    template = store.answer_values(int(source["id"].iloc[0]))
    framework = str(source["framework_id"].iloc[0])

    def one(unit: str) -> None:
        rounds = [{"unit_id": unit, "year": int(year), "stage": "mandiri", "framework_id": framework,
                   "answers": template}]
        statuses = save_rounds(store, rounds, actor=f"importer {os.getpid()}", file_name=f"lke-{unit}.xlsx")
        assert statuses[0].status == "new", statuses

    one(units[0])
    Path(ready).write_text("ready", encoding="utf-8")
    while not os.path.exists(go):
        time.sleep(0.001)
    started, cpu = time.time(), time.process_time()
    for unit in units[1:]:
        one(unit)
    ended = time.time()
    Path(out).write_text(json.dumps({"started": started, "ended": ended, "imports": len(units) - 1,
                                     "cpu": time.process_time() - cpu}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A deterministic national-scale database for the benchmarks: 10,000 units, one year, the three
assessor stages, all 127 answers each (about 3.8 million answer rows).

    python bench/national.py [--units 10000] [--db bench/national.duckdb]

The rows are generated with numpy from a fixed seed and written through the store's bulk loader
(one transaction, validated first), so the file is the same on every run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zi_metrics.framework import load_framework  # noqa: E402
from zi_metrics.store import Store, bulk_load  # noqa: E402

FRAMEWORK = "permenpanrb-90-2021"
YEAR = 2026
STAGES = ("mandiri", "tpi", "tpn")
SEED = 20180514  # the Hotel Harper meeting


def national_frames(n_units: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Units, evaluations, answers and hasil inputs for ``n_units`` units (pure, deterministic)."""
    rng = np.random.default_rng(seed)
    fw = load_framework(FRAMEWORK)
    per_instansi = 100
    n_instansi = max(1, n_units // per_instansi)
    ids, names, parents, levels, kinds = [], [], [], [], []
    for i in range(n_units):
        inst = i // per_instansi
        if i % per_instansi == 0 or inst >= n_instansi:
            ids.append(f"inst-{inst:04d}")
            parents.append(None)
            levels.append("instansi")
        else:
            ids.append(f"inst-{inst:04d}-unit-{i % per_instansi:02d}")
            parents.append(f"inst-{inst:04d}")
            levels.append("eselon2" if i % 3 else "satker")
        names.append(f"Unit sintetis {i:05d}")
        kinds.append("pemerintah_daerah" if inst % 2 else "kementerian_lembaga")
    units = pd.DataFrame({"id": ids, "name": names, "short_name": [n[-5:] for n in names], "parent_id": parents,
                          "level": levels, "instansi_kind": kinds, "afirmasi": False})

    n_eval = n_units * len(STAGES)
    evaluations = pd.DataFrame({
        "id": np.arange(1, n_eval + 1, dtype=np.int64),
        "unit_id": np.repeat(units["id"].to_numpy(), len(STAGES)),
        "year": YEAR,
        "stage": np.tile(np.array(STAGES, dtype=object), n_units),
        "framework_id": FRAMEWORK,
        "evaluated_on": pd.Timestamp(f"{YEAR}-06-30").date(),
        "source": "answers",
    })
    quality = np.clip(rng.normal(0.72, 0.12, n_eval), 0.05, 1.0)

    questions = list(fw.questions.values())
    qids = np.array([q.id for q in questions], dtype=np.int64)
    n_q = len(questions)
    texts = np.full((n_eval, n_q), None, dtype=object)
    numbers = np.full((n_eval, n_q), np.nan)
    u = rng.random((n_eval, n_q))
    for j, q in enumerate(questions):
        if q.kind == "option":
            keys = sorted(q.options, key=lambda k: -q.options[k])  # best first
            # Better units pick better options: index grows as u exceeds quality.
            idx = np.minimum((np.maximum(u[:, j] - quality + 0.35, 0) * len(keys)).astype(int), len(keys) - 1)
            texts[:, j] = np.array(keys, dtype=object)[idx]
        elif q.kind == "count":
            numbers[:, j] = rng.integers(0, 40, n_eval)
        else:
            numbers[:, j] = np.round(np.clip(2.6 + 1.4 * quality + rng.normal(0, 0.15, n_eval), 0, 4), 2)
    answers = pd.DataFrame({
        "evaluation_id": np.repeat(evaluations["id"].to_numpy(), n_q),
        "question_id": np.tile(qids, n_eval),
        "answer_text": texts.reshape(-1),
        "answer_number": numbers.reshape(-1),
    })
    answers.loc[answers["answer_text"].notna(), "answer_number"] = np.nan
    return {"units": units, "evaluations": evaluations, "answers": answers}


def build(db: Path, n_units: int) -> float:
    """(Re)create ``db`` with the national data; returns the seconds it took."""
    start = time.perf_counter()
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    store = Store(db)
    store.migrate(create=True)
    frames = national_frames(n_units)
    bulk_load(store, frames["units"], frames["evaluations"], frames["answers"], actor="bench",
              action="bench.national", dataset="demo")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path(__file__).parent / "national.duckdb")
    args = parser.parse_args()
    seconds = build(args.db, args.units)
    print(f"{args.db}: {args.units} units x {len(STAGES)} stages in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

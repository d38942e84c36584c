"""In-process benchmarks: re-scoring the national database (1) and scoring one LKE workbook (2).

Every figure is measured against its floor in the same run, alternating the two so that a change
in the machine's load affects both; wall-clock time is the figure, CPU time of the process (all
threads) is kept beside it because it varies far less on a shared machine.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def best(self) -> float:
        return min(self.wall)


def timed(fn: Callable[..., Any], into: Timing, *args: Any) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    into.add(time.perf_counter() - wall, time.process_time() - cpu)
    return out


# ---------------------------------------------------------------------------------------------
# 1. Re-scoring every unit and round


def rescore_benchmark(db: Path, reps: int, loop: bool = True, legacy: bool = True,
                      log: Callable[[str], None] = print) -> dict[str, Any]:
    """The bulk re-score of every evaluation (parts timed separately) against answers_floor, and
    once each the row-by-row Python loop and the previous path (SQL roll-up + Scorecard objects +
    rules.evaluate per evaluation)."""
    from zi_metrics import bulk
    from zi_metrics.store import Store, answers_floor, round_data

    store = Store(db)
    layouts = bulk.round_layouts()
    awards: dict[str, list[dict[str, Any]]] = {}
    for a in store.awards():
        awards.setdefault(a["unit_id"], []).append(a)

    t = {k: Timing() for k in ("floor", "duckdb", "scorecards", "rules", "total")}
    evaluations = 0
    for rep in range(reps + 1):  # the first pair warms the OS file cache and the imports; not counted
        floor = Timing()
        timed(lambda: answers_floor(store), floor)
        parts = {k: Timing() for k in ("duckdb", "scorecards", "rules")}
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        data = timed(round_data, parts["duckdb"], store, layouts)
        frames = timed(bulk.score_round_data, parts["scorecards"], data)
        rules = timed(_all_rules, parts["rules"], frames, awards)
        total = (time.perf_counter() - start_wall, time.process_time() - start_cpu)
        evaluations = sum(len(f) for f in frames.values())
        if rep == 0:
            continue
        t["floor"].add(floor.wall[0], floor.cpu[0])
        for k, v in parts.items():
            t[k].add(v.wall[0], v.cpu[0])
        t["total"].add(*total)
        log(f"  rep {rep}: floor {floor.wall[0]:.3f} s, bulk {total[0]:.3f} s "
            f"(duckdb {parts['duckdb'].wall[0]:.3f}, scorecards {parts['scorecards'].wall[0]:.3f}, "
            f"rules {parts['rules'].wall[0]:.3f})")
    predicates = {str(k): int(v) for r in rules for k, v in zip(*np.unique(r.predicate.astype(str),
                                                                           return_counts=True), strict=True)}
    out: dict[str, Any] = {"evaluations": evaluations, "timings": t, "predicates": predicates}
    if legacy:
        log("  previous path (SQL roll-up, a Scorecard and evaluate() per evaluation), once ...")
        out["legacy"] = _legacy(store, awards)
        log(f"  previous path: {out['legacy']['total']:.1f} s")
    if loop:
        log("  row-by-row Python loop with the reference scorer, once ...")
        out["loop"] = _python_loop(store, awards)
        log(f"  loop: {out['loop']['total']:.1f} s")
        if out["loop"]["predicates"] != predicates:
            raise AssertionError(f"the loop and the bulk path disagree: {out['loop']['predicates']} vs {predicates}")
    return out


def _all_rules(frames: dict[str, Any], awards: dict[str, list[dict[str, Any]]]) -> list[Any]:
    return [_rules_of(f, awards) for f in frames.values()]


def _rules_of(frame: Any, awards: dict[str, list[dict[str, Any]]]) -> Any:
    from zi_metrics import bulk
    from zi_metrics.rules import held_predicate

    held = np.zeros(len(frame), dtype=bool)
    if awards:
        for i in np.flatnonzero(np.isin(frame.unit_id, list(awards))).tolist():
            held[i] = held_predicate(awards[frame.unit_id[i]], int(frame.year[i])) is not None
    return bulk.evaluate_frame(frame, held)


def _legacy(store: Any, awards: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    from zi_metrics import bulk
    from zi_metrics.framework import list_frameworks, load_framework
    from zi_metrics.rules import evaluate, held_predicate
    from zi_metrics.store import score_rounds_bulk

    out = {"sql": 0.0, "scorecards": 0.0, "rules": 0.0}
    evaluations = store.evaluations()
    of = {int(r.id): (r.unit_id, int(r.year)) for r in evaluations.itertuples(index=False)}
    for fid in list_frameworks():
        fw = load_framework(fid)
        start = time.perf_counter()
        result = score_rounds_bulk(store, bulk.scoring_tables(fw))
        out["sql"] += time.perf_counter() - start
        start = time.perf_counter()
        cards = bulk.scorecards_from_bulk(result)
        out["scorecards"] += time.perf_counter() - start
        start = time.perf_counter()
        for eid, card in cards.items():
            unit_id, year = of[eid]
            evaluate(fw, card, holds_wbk=held_predicate(awards.get(unit_id, []), year) is not None)
        out["rules"] += time.perf_counter() - start
    out["total"] = sum(out.values())
    return out


def _python_loop(store: Any, awards: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What a notebook user writes: fetch the rows, loop, accumulate per evaluation, then score and
    evaluate each evaluation with the reference implementation."""
    from zi_metrics.framework import load_framework
    from zi_metrics.rules import evaluate, held_predicate
    from zi_metrics.scoring import score_answers
    from zi_metrics.store import answer_rows

    start = time.perf_counter()
    evaluations = store.evaluations()
    info = {int(r.id): (r.framework_id, r.unit_id, int(r.year), r.source)
            for r in evaluations.itertuples(index=False)}
    per_evaluation: dict[int, dict[int, Any]] = {}
    for eid, qid, text, number in answer_rows(store):
        if text is None and number is None:
            continue
        per_evaluation.setdefault(eid, {})[qid] = text if text is not None else number
    fetched = time.perf_counter() - start
    predicates: dict[str, int] = {}
    for eid, (fid, unit_id, year, source) in info.items():
        if source != "answers":
            continue
        fw = load_framework(fid)
        card = score_answers(fw, per_evaluation.get(eid, {}))
        held = held_predicate(awards.get(unit_id, []), year) is not None
        key = str(evaluate(fw, card, holds_wbk=held).predicate)
        predicates[key] = predicates.get(key, 0) + 1
    total = time.perf_counter() - start
    return {"total": total, "fetch_and_loop": fetched, "score_and_evaluate": total - fetched,
            "predicates": predicates}


# ---------------------------------------------------------------------------------------------
# 2. One 127-question workbook


def lke_workbook(path: Path, seed: int = 2021) -> int:
    """Write a filled 127-question Lampiran III workbook (the project's own writer) to ``path``."""
    from zi_metrics.framework import load_framework
    from zi_metrics.lke.lampiran3 import write_lampiran3

    fw = load_framework("permenpanrb-90-2021")
    rng = np.random.default_rng(seed)
    answers: dict[int, Any] = {}
    notes: dict[int, str] = {}
    for q in fw.questions.values():
        if q.kind == "option":
            answers[q.id] = str(rng.choice(sorted(q.options or {})))
        elif q.kind == "count":
            answers[q.id] = int(rng.integers(0, 40))
        else:
            answers[q.id] = round(float(rng.uniform(2.5, 4.0)), 2)
        if q.id % 5 == 0:
            notes[q.id] = f"Catatan evaluator untuk soal {q.id}: bukti dukung lengkap."
    path.write_bytes(write_lampiran3(fw, answers, notes, unit_name="Unit benchmark", year=2026, stage="tpi"))
    return len(answers)


def workbook_benchmark(path: Path, reps: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    """score-lke's path (read + map + recompute + the JSON document) against openpyxl's bare
    load_workbook of the same file."""
    from openpyxl import load_workbook

    from zi_metrics.lke.reader import dumps, read_file, score_document

    def score() -> dict[str, Any]:
        parsed = read_file(path)
        if parsed.fatal:
            raise RuntimeError(f"the benchmark workbook does not read: {parsed.problems}")
        doc = score_document(parsed)
        dumps(doc)
        return doc

    t = {"floor": Timing(), "score_lke": Timing()}
    doc: dict[str, Any] = {}
    for rep in range(reps + 1):
        bare, scored = Timing(), Timing()
        timed(lambda: load_workbook(path), bare)
        doc = timed(score, scored)
        if rep == 0:
            continue
        t["floor"].add(bare.wall[0], bare.cpu[0])
        t["score_lke"].add(scored.wall[0], scored.cpu[0])
    log(f"  load_workbook {t['floor'].median:.3f} s, score-lke {t['score_lke'].median:.3f} s (medians)")
    return {"timings": t, "total": doc.get("total"), "predicate": doc.get("predicate"),
            "bytes": path.stat().st_size}

"""Scored rounds as tables: what the pages show, computed from stored inputs.

The store hands over raw inputs (answers, area recaps, hasil inputs, award history); this
module scores them with ``scoring`` + ``rules`` and shapes the results for the pages, the CLI
exports and the benchmarks. It is the one place where a stored round becomes a scored round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zi_metrics.framework import Framework, load_framework
from zi_metrics.rules import Evaluation, evaluate, held_predicate
from zi_metrics.scoring import Scorecard, score_answers, score_areas

STAGES = ("mandiri", "tpi", "tpn")


@dataclass(frozen=True)
class RoundInput:
    """One unit's stored inputs for one year and assessor stage."""

    evaluation_id: int
    unit_id: str
    year: int
    stage: str
    framework_id: str
    source: str  # "answers" | "recap"
    answers: Mapping[int, Any] | None = None
    area_points: Mapping[str, float] | None = None
    hasil: Mapping[str, Any] | None = None
    evaluated_on: Any = None


@dataclass(frozen=True)
class ScoredRound:
    input: RoundInput
    framework: Framework
    scorecard: Scorecard
    evaluation: Evaluation
    held_before: str | None  # predicate held going into this year's evaluation

    @property
    def unit_id(self) -> str:
        return self.input.unit_id

    @property
    def year(self) -> int:
        return self.input.year

    @property
    def stage(self) -> str:
        return self.input.stage


def score_input(rnd: RoundInput, awards: Iterable[Mapping[str, Any]] = ()) -> ScoredRound:
    """Score one stored round; ``awards`` is the unit's predicate history (for holds_wbk)."""
    fw = load_framework(rnd.framework_id)
    if rnd.source == "answers":
        card = score_answers(fw, rnd.answers or {}, rnd.hasil or {})
    else:
        card = score_areas(fw, rnd.area_points or {}, rnd.hasil or {})
    held = held_predicate(list(awards), rnd.year)
    return ScoredRound(rnd, fw, card, evaluate(fw, card, holds_wbk=held is not None), held)


def score_inputs(rounds: Iterable[RoundInput],
                 awards_by_unit: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> list[ScoredRound]:
    awards_by_unit = awards_by_unit or {}
    return [score_input(r, awards_by_unit.get(r.unit_id, ())) for r in rounds]


def failing_rules(ev: Evaluation, predicate: str) -> list[str]:
    return [r.rule for r in ev.failing(predicate)]


def overview_frame(scored: Sequence[ScoredRound], units: Mapping[str, Mapping[str, Any]],
                   previous_totals: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per unit: the figures the overview table shows, ranked by total (highest first)."""
    previous_totals = previous_totals or {}
    rows = []
    for s in scored:
        unit = units.get(s.unit_id, {})
        card, ev = s.scorecard, s.evaluation
        prev = previous_totals.get(s.unit_id)
        target = "WBBM" if s.held_before else "WBK"
        row = {
            "unit_id": s.unit_id,
            "unit": unit.get("name", s.unit_id),
            "short_name": unit.get("short_name") or unit.get("name", s.unit_id),
            "parent_id": unit.get("parent_id"),
            "level": unit.get("level"),
            "framework_id": s.framework.id,
            "total": card.total,
            "pengungkit": card.pengungkit,
            "hasil": card.hasil,
            "predicate": ev.predicate,
            "held_before": s.held_before,
            "failing_wbk": failing_rules(ev, "WBK"),
            "failing_wbbm": failing_rules(ev, "WBBM"),
            "failing_next": failing_rules(ev, target) if ev.predicate != "WBBM" else [],
            "answered": card.completeness.answered,
            "questions": card.completeness.total,
            "completeness": card.completeness.ratio,
            "provisional": card.provisional,
            "change": (card.total - prev) if prev is not None else None,
        }
        for area in s.framework.areas:
            row[f"pct_{area.code}"] = card.areas[area.code].percent
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.sort_values(["total", "unit"], ascending=[False, True], kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def headline(frame: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of a round: units evaluated, meeting WBK / WBBM, average total, incomplete."""
    if frame.empty:
        return {"units": 0, "wbk": 0, "wbbm": 0, "average_total": None, "incomplete": 0}
    return {
        "units": int(len(frame)),
        "wbk": int((frame["predicate"] == "WBK").sum()),
        "wbbm": int((frame["predicate"] == "WBBM").sum()),
        "average_total": float(frame["total"].mean()),
        "incomplete": int(frame["provisional"].sum()),
    }


# ---------------------------------------------------------------------------------------------
# From the store (the store runs the SQL; this module only scores what it returns)


def _awards_by_unit(store: Any, unit_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for a in store.awards(unit_id):
        out.setdefault(a["unit_id"], []).append(a)
    return out


def units_by_id(store: Any) -> dict[str, dict[str, Any]]:
    return {u.id: u.to_dict() for u in store.list_units()}


def round_inputs_from_store(store: Any, year: int, stage: str) -> list[RoundInput]:
    """Every unit's inputs for one year and stage, loaded in bulk."""
    bulk = store.round_inputs(year, stage)
    out = []
    for row in bulk.evaluations.itertuples(index=False):
        eid = int(row.id)
        out.append(RoundInput(eid, row.unit_id, int(row.year), row.stage, row.framework_id, row.source,
                              bulk.answers.get(eid), bulk.area_points.get(eid), bulk.hasil.get(eid),
                              row.evaluated_on))
    return out


def score_round(store: Any, year: int, stage: str) -> list[ScoredRound]:
    """Score every unit evaluated in ``year`` at ``stage``."""
    return score_inputs(round_inputs_from_store(store, year, stage), _awards_by_unit(store))


def round_overview(store: Any, year: int, stage: str) -> pd.DataFrame:
    """The overview table of a round, with the change since the same stage of the previous year."""
    scored = score_round(store, year, stage)
    earlier = [y for y in store.years() if y < year]
    previous: dict[str, float] = {}
    if earlier:
        prev_year = earlier[-1]
        previous = {s.unit_id: s.scorecard.total for s in score_round(store, prev_year, stage)}
    return overview_frame(scored, units_by_id(store), previous)


def unit_rounds(store: Any, unit_id: str) -> list[ScoredRound]:
    """Every stored round of one unit, scored, ordered by year then stage."""
    store.get_unit(unit_id)  # raises UnknownUnitError with a clear message
    frame = store.evaluations(unit_id=unit_id)
    awards = store.awards(unit_id)
    out = []
    for row in frame.itertuples(index=False):
        eid = int(row.id)
        if row.source == "answers":
            rnd = RoundInput(eid, unit_id, int(row.year), row.stage, row.framework_id, row.source,
                             store.answer_values(eid), None, store.hasil_for(eid), row.evaluated_on)
        else:
            rnd = RoundInput(eid, unit_id, int(row.year), row.stage, row.framework_id, row.source,
                             None, store.area_points_for(eid), store.hasil_for(eid), row.evaluated_on)
        out.append(score_input(rnd, awards))
    order = {s: i for i, s in enumerate(STAGES)}
    return sorted(out, key=lambda s: (s.year, order.get(s.stage, 9)))


def latest_round(rounds: Sequence[ScoredRound], year: int | None = None) -> ScoredRound | None:
    """The most advanced stage of the latest year (or of ``year``)."""
    pool = [r for r in rounds if year is None or r.year == year]
    return pool[-1] if pool else None

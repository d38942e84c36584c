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
from zi_metrics.rules import (
    Evaluation,
    GateResult,
    check_nomination,
    check_prerequisites,
    evaluate,
    held_predicate,
)
from zi_metrics.scoring import Scorecard, score_answers, score_areas
from zi_metrics.stages import STAGES as _STAGES

STAGES = _STAGES  # zi_metrics.stages: mandiri, tpi_eselon1, tpi, tpn


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


# ---------------------------------------------------------------------------------------------
# From the store (the store runs the SQL; this module only scores what it returns)


def _awards_by_unit(store: Any, unit_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for a in store.awards(unit_id):
        out.setdefault(a["unit_id"], []).append(a)
    return out


def units_by_id(store: Any) -> dict[str, dict[str, Any]]:
    """unit id -> the unit's fields (as Unit.to_dict()), read as columns (10,000 units in ~20 ms)."""
    from zi_metrics.store import unit_columns

    return _units_from_columns(unit_columns(store))


def _units_from_columns(cols: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    names = list(cols)
    values = [cols[n].tolist() for n in names]
    values[names.index("afirmasi")] = [bool(v) for v in values[names.index("afirmasi")]]
    # One str object per distinct value of the repeated columns (level, kind, parent: a few hundred
    # values in 10,000 units; each read returns a copy per row), kept by the dashboard's caches.
    for name in ("level", "instansi_kind", "parent_id"):
        if name in names:
            same: dict[Any, Any] = {}
            values[names.index(name)] = [same.setdefault(v, v) for v in values[names.index(name)]]
    return {row[0]: dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)}


def _round_inputs(bulk: Any) -> list[RoundInput]:
    """RoundInputs of the store's bulk loaders (one row per evaluation) as RoundInput records."""
    out = []
    for row in bulk.evaluations.itertuples(index=False):
        eid = int(row.id)
        out.append(RoundInput(eid, row.unit_id, int(row.year), row.stage, row.framework_id, row.source,
                              bulk.answers.get(eid), bulk.area_points.get(eid), bulk.hasil.get(eid),
                              row.evaluated_on))
    return out


def round_inputs_from_store(store: Any, year: int, stage: str) -> list[RoundInput]:
    """Every unit's inputs for one year and stage, loaded in bulk."""
    return _round_inputs(store.round_inputs(year, stage))


def score_round(store: Any, year: int, stage: str) -> list[ScoredRound]:
    """Score every unit evaluated in ``year`` at ``stage``."""
    return score_inputs(round_inputs_from_store(store, year, stage), _awards_by_unit(store))


def unit_rounds(store: Any, unit_id: str) -> list[ScoredRound]:
    """Every stored round of one unit, scored, ordered by year then stage (one bulk read)."""
    rounds = _round_inputs(store.unit_inputs(unit_id))  # raises UnknownUnitError with a clear message
    scored = score_inputs(rounds, {unit_id: store.awards(unit_id)})
    order = {s: i for i, s in enumerate(STAGES)}
    return sorted(scored, key=lambda s: (s.year, order.get(s.stage, 9)))


def latest_round(rounds: Sequence[ScoredRound], year: int | None = None) -> ScoredRound | None:
    """The most advanced stage of the latest year (or of ``year``)."""
    pool = [r for r in rounds if year is None or r.year == year]
    return pool[-1] if pool else None


# ---------------------------------------------------------------------------------------------
# Page helpers (Analisis kesenjangan, Simulasi, Profil): pure shaping of scored results so
# the pages only read, call and draw.


def round_for(rounds: Sequence[ScoredRound], year: int | None, stage: str | None) -> ScoredRound | None:
    """The round of ``year`` and ``stage`` among a unit's rounds, or None."""
    for r in rounds:
        if r.year == year and r.stage == stage:
            return r
    return None


def area_minimum_percents(fw: Framework) -> dict[str, float]:
    """Predicate -> per-area minimum as % of the area's max; empty for versions without one (52/2014)."""
    return {p.code: float(rd.min_percent) for p in fw.predicates for rd in p.rules
            if rd.rule == "area" and rd.min_percent is not None}


def rule_label(fw: Framework, rule: str, lang: str = "id") -> str:
    """Display name of a rule, from the framework's one name per measure (zi_metrics.names)."""
    from zi_metrics.names import rule_name

    return rule_name(fw, rule, lang)


def rule_rows(fw: Framework, ev: Evaluation, predicate: str, lang: str = "id") -> list[dict[str, Any]]:
    """Every rule of ``predicate`` as a row: label, value, threshold (both in the rule's unit), gap."""
    rows = []
    for r in ev.rules_for(predicate):
        rows.append({
            "rule": r.rule,
            "label": rule_label(fw, r.rule, lang),
            "unit": r.unit,
            "value": r.value,
            "threshold": r.threshold,
            "passed": r.passed,
            # area rules: the gap in points; hasil item rules also say the input that meets them
            "gap": r.gap,
            "input_value": r.input_value,
            "input_threshold": r.input_threshold,
        })
    return rows


def _answer_text(answer: Mapping[str, Any] | None) -> str | float | None:
    if not answer:
        return None
    if answer.get("answer_text") is not None:
        return answer["answer_text"]
    return answer.get("answer_number")


def item_gap_rows(fw: Framework, items: Sequence[Any], answers: Mapping[int, Mapping[str, Any]],
                  limit: int | None = None, only_gains: bool = True) -> list[dict[str, Any]]:
    """``gaps.item_gaps`` rows joined with the question text, the answer given and the note and
    evidence reference stored for it (``store.answers_for``), in item_gaps' order.

    An item reading several questions (a computed ratio) lists each question on its own line.
    """
    rows = []
    for g in items:
        if only_gains and g.gain <= 0:
            continue
        texts, given, notes, evidence = [], [], [], []
        for qid in g.questions:
            q = fw.questions.get(qid)
            texts.append(f"[{qid}] {q.text}" if q else f"[{qid}]")
            a = answers.get(qid)
            value = _answer_text(a)
            given.append("–" if value is None else (f"{value:g}" if isinstance(value, float) else str(value)))
            if a and a.get("note"):
                notes.append(str(a["note"]))
            if a and a.get("evidence_ref"):
                evidence.append(str(a["evidence_ref"]))
        if g.kind != "answer":  # a computed item: its name, then the questions it reads
            texts.insert(0, g.name)
        rows.append({
            "rank": len(rows) + 1,
            "item_code": g.item_code,
            "item": g.name,
            "kind": g.kind,
            "area": g.area,
            "sub_area": g.sub_area_name,
            "questions": list(g.questions),
            "question": "\n".join(texts),
            "answer": "; ".join(given) if len(given) > 1 else (given[0] if given else "–"),
            "value": g.value,
            "gain": g.gain,
            "note": "\n".join(notes),
            "evidence_ref": "\n".join(evidence),
        })
        if limit is not None and len(rows) >= limit:
            break
    return rows

def rule_display_rows(fw: Framework, ev: Evaluation, predicate: str, lang: str = "id") -> pd.DataFrame:
    """The rules of ``predicate`` as display text: rule, value, threshold, status (symbol and
    words, never colour alone) and the gap, numbers with two decimals in ``lang``'s format."""
    return pd.DataFrame(rule_display_records(fw, ev, predicate, lang),
                        columns=["rule", "label", "value", "threshold", "status", "gap", "passed"])


def rule_display_records(fw: Framework, ev: Evaluation, predicate: str, lang: str = "id") -> list[dict[str, Any]]:
    """:func:`rule_display_rows` as plain dicts (no DataFrame: the what-if page builds them on
    every slider move)."""
    from zi_metrics.formatting import format_number, format_percent
    from zi_metrics.i18n import t
    from zi_metrics.palette import FAIL_SYMBOL, PASS_SYMBOL

    def shown(value: Any, unit: str) -> str:
        if unit == "flag":
            return t("value.yes" if value else "value.no", lang)
        return format_percent(value, lang) if unit == "percent" else format_number(value, lang)

    rows = []
    for r in rule_rows(fw, ev, predicate, lang):
        status = (f"{PASS_SYMBOL} {t('result.pass', lang)}" if r["passed"]
                  else f"{FAIL_SYMBOL} {t('result.fail', lang)}")
        if r["passed"]:
            gap = "–"
        elif r["gap"] is None:
            gap = t("rule.flag_gap", lang)
        else:
            gap = t("gap.points", lang, gap=format_number(r["gap"], lang))
        if r["input_threshold"] is not None and not r["passed"]:
            needed = r["input_threshold"]
            needed = needed if isinstance(needed, str) else format_number(needed, lang)
            gap += " · " + t("rule.input_needed", lang, value=needed)
        rows.append({"rule": r["rule"], "label": r["label"], "value": shown(r["value"], r["unit"]),
                     "threshold": shown(r["threshold"], r["unit"]), "status": status, "gap": gap,
                     "passed": r["passed"]})
    return rows


# ---------------------------------------------------------------------------------------------
# Unit profile and progress (views/profil.py, views/progres.py): pure shaping of scored rounds.
# No scoring here beyond what score_input already did; these only pick and reshape results.

PREDICATE_RANK: dict[str | None, int] = {None: 0, "WBK": 1, "WBBM": 2}
RULE_COLUMNS = ("predicate", "rule", "area", "value", "threshold", "unit", "passed", "gap",
                "value_points", "threshold_points", "input_value", "input_threshold")
PROGRESS_COLUMNS = ("unit_id", "year", "stage", "framework_id", "source", "total", "predicate",
                    "provisional")
DRIFT_COLUMNS = ("unit_id", "year", "tpi", "tpn", "drift")


def stage_order(stage: str) -> int:
    """Position of a stage in the assessment order (mandiri, tpi_eselon1, tpi, tpn); unknown stages last."""
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def comparison_round(rounds: Sequence[ScoredRound], year: int, stage: str) -> ScoredRound | None:
    """A peer's round to set beside a unit's: the same year and stage, else the most advanced stage
    of that year (the caller says which stage it shows), else None."""
    return round_for(rounds, year, stage) or latest_round(rounds, year)


def stages_of_year(rounds: Sequence[ScoredRound], year: int) -> list[str]:
    """The stages one unit reached in ``year``, in assessment order."""
    return sorted({r.stage for r in rounds if r.year == year}, key=stage_order)


def area_percents(scored: ScoredRound) -> dict[str, float]:
    """Area code -> % of the area's max, in the framework's area order (the radar's values)."""
    return {a.code: scored.scorecard.areas[a.code].percent for a in scored.framework.areas}


def rule_table(ev: Evaluation) -> pd.DataFrame:
    """Every rule of both predicates as rows (WBK first, in the framework's order).

    ``area`` is the area code of an ``area:XX`` rule (None otherwise); ``gap`` is the points still
    needed (0 when passed, None for a flag that points cannot fix)."""
    rows = []
    for r in ev.rules:
        rows.append({
            "predicate": r.predicate,
            "rule": r.rule,
            "area": r.rule.split(":", 1)[1] if r.rule.startswith("area:") else None,
            "value": r.value,
            "threshold": r.threshold,
            "unit": r.unit,
            "passed": bool(r.passed),
            "gap": r.gap,
            "value_points": r.value_points,
            "threshold_points": r.threshold_points,
            "input_value": r.input_value,
            "input_threshold": r.input_threshold,
        })
    return pd.DataFrame(rows, columns=list(RULE_COLUMNS))


def hasil_rows(scored: ScoredRound) -> list[dict[str, Any]]:
    """The hasil items of a round with their inputs (survey value on its 0-4 scale, capaian kinerja
    option, or TLHP %) and points, in the framework's order."""
    out = []
    for comp in scored.framework.hasil_components:
        for item in comp.items:
            got = scored.scorecard.hasil_items.get(item.code)
            out.append({
                "code": item.code,
                "rule": item.rule,
                "name": item.name,
                "component": comp.code,
                "component_name": comp.name,
                "kind": item.kind,
                "input": got.input if got is not None else None,
                "scale_max": item.scale_max,
                "points": got.points if got is not None else 0.0,
                "max": item.points,
            })
    return out


def has_facts(facts: Mapping[str, Any] | None, inputs: Iterable[str]) -> bool:
    """True when at least one of ``inputs`` is recorded (not None) in ``facts``."""
    return facts is not None and any(facts.get(k) is not None for k in inputs)


def proposal_readiness(fw: Framework, facts: Mapping[str, Any] | None, *, instansi_kind: str | None,
                       afirmasi: bool, year: int) -> tuple[list[GateResult], list[GateResult]]:
    """(Tabel 5 prerequisites of both predicates, 52/2014 nomination criteria).

    Unrecorded facts give ``passed=None``; instansi-level gates are waived for afirmasi units. The
    nomination criteria are returned only where the framework has them and some are recorded."""
    facts = facts or {}
    gates = check_prerequisites(fw, facts, instansi_kind=instansi_kind, afirmasi=afirmasi, year=year)
    inputs = [spec["input"] for spec in fw.nomination_criteria]
    nomination = check_nomination(fw, facts) if inputs and has_facts(facts, inputs) else []
    return gates, nomination


def progress_frame(rounds: Iterable[ScoredRound]) -> pd.DataFrame:
    """One row per (unit, year, stage): the total and predicate, sorted by unit, year, stage."""
    rows = [{
        "unit_id": r.unit_id,
        "year": int(r.year),
        "stage": r.stage,
        "framework_id": r.framework.id,
        "source": r.input.source,
        "total": float(r.scorecard.total),
        "predicate": r.evaluation.predicate,
        "provisional": bool(r.scorecard.provisional),
    } for r in rounds]
    frame = pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))
    if frame.empty:
        return frame
    frame["_order"] = frame["stage"].map(stage_order)
    frame = frame.sort_values(["unit_id", "year", "_order"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def progress_series(frame: pd.DataFrame, unit_ids: Sequence[str], stages: Sequence[str] = STAGES
                    ) -> list[tuple[str, str, list[tuple[int, float | None]]]]:
    """``(unit_id, stage, [(year, total), ...])`` per unit (in ``unit_ids`` order) and stage (in
    assessment order) that has at least one round. Years missing between a series' first and last
    year are given as None, so the line breaks there instead of joining, e.g., 2018 to 2022."""
    out: list[tuple[str, str, list[tuple[int, float | None]]]] = []
    for uid in unit_ids:
        mine = frame[frame["unit_id"] == uid]
        for stage in sorted(stages, key=stage_order):
            rows = mine[mine["stage"] == stage]
            if rows.empty:
                continue
            totals = {int(y): float(t) for y, t in zip(rows["year"], rows["total"], strict=True)}
            years = range(min(totals), max(totals) + 1)
            out.append((uid, stage, [(y, totals.get(y)) for y in years]))
    return out


def drift_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """TPN total minus TPI total per unit and year where both rounds are stored, sorted by unit, year."""
    if frame.empty:
        return pd.DataFrame(columns=list(DRIFT_COLUMNS))
    wide = frame[frame["stage"].isin(["tpi", "tpn"])].pivot_table(
        index=["unit_id", "year"], columns="stage", values="total", aggfunc="first")
    if "tpi" not in wide.columns or "tpn" not in wide.columns:
        return pd.DataFrame(columns=list(DRIFT_COLUMNS))
    wide = wide.dropna(subset=["tpi", "tpn"]).reset_index()
    wide["drift"] = wide["tpn"] - wide["tpi"]
    out = wide[list(DRIFT_COLUMNS)].sort_values(["unit_id", "year"], kind="stable")
    out.columns.name = None
    return out.reset_index(drop=True)


def timeline_events(awards: Iterable[Mapping[str, Any]], frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Predicate history as timeline events ``{unit_id, year, predicate, status, decree_ref}``.

    * ``earned``: the year of each award (from the awards table);
    * ``revoked``: the year the revocation took effect (``revoked_on``; the award year when the date
      is not recorded);
    * ``kept``: a later year in which the unit still held the predicate and its TPN round (from
      ``frame``, a :func:`progress_frame`) met that predicate again, with no new award that year.

    Sorted by unit, year, then earned < kept < revoked."""
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for a in awards:
        by_unit.setdefault(a["unit_id"], []).append(dict(a))
    status_rank = {"earned": 0, "kept": 1, "revoked": 2}
    events: list[dict[str, Any]] = []
    for uid, unit_awards in by_unit.items():
        award_years = {int(a["year"]) for a in unit_awards}
        for a in unit_awards:
            events.append({"unit_id": uid, "year": int(a["year"]), "predicate": a["predicate"],
                           "status": "earned", "decree_ref": a.get("decree_ref")})
            if a.get("revoked"):
                revoked_on = a.get("revoked_on")
                year = getattr(revoked_on, "year", None) or int(a["year"])
                events.append({"unit_id": uid, "year": int(year), "predicate": a["predicate"],
                               "status": "revoked", "decree_ref": a.get("decree_ref")})
        tpn = frame[(frame["unit_id"] == uid) & (frame["stage"] == "tpn")] if not frame.empty else frame
        for year, predicate in zip(tpn.get("year", []), tpn.get("predicate", []), strict=True):
            year = int(year)
            if year in award_years:
                continue
            held = held_predicate(unit_awards, year)
            reached = predicate if isinstance(predicate, str) else None
            if held is not None and PREDICATE_RANK[reached] >= PREDICATE_RANK[held]:
                events.append({"unit_id": uid, "year": year, "predicate": held, "status": "kept",
                               "decree_ref": None})
    events.sort(key=lambda e: (e["unit_id"], e["year"], status_rank[e["status"]]))
    return events



# The round overview (Ringkasan) moved to zi_metrics.overview; these names stay importable from here
# for existing callers (resolved on first use: zi_metrics.overview imports this module).
_MOVED_TO_OVERVIEW = frozenset({"overview_frame", "headline", "round_overview", "unit_descendants", "parent_options",
                                "filter_overview", "HeatmapData", "heatmap_data"})


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_OVERVIEW:
        from zi_metrics import overview

        return getattr(overview, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

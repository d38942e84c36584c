"""The round overview (Ringkasan): every unit of a year and stage, ranked, with the predicate it
holds (and since when), the predicate this round meets and, for the *next* predicate, every rule
it fails with value, threshold and gap; the filters the page offers and the heatmap's data.

Pure shaping of scored results: the store runs the SQL, ``bulk`` and ``rules`` score, and this
module arranges the figures. ``round_overview`` is the fast path (whole columns, national scale);
``overview_frame`` builds the same table from per-unit ScoredRounds and is the reference the
tests hold it to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from zi_metrics.analytics import ScoredRound, area_minimum_percents, failing_rules
from zi_metrics.framework import Framework, load_framework
from zi_metrics.rules import Evaluation, RuleResult, _hasil_input_threshold, held_predicate

PAGE_SIZE = 25  # rows of the overview table sent to the browser at a time

# Status filters of the overview ("who fails"): units whose round does not meet the predicate.
STATUS_FILTERS = {"belum-wbk": "WBK", "belum-wbbm": "WBBM"}


# ---------------------------------------------------------------------------------------------
# Predicate held, predicate met, next predicate


def held_since(awards: Iterable[Mapping[str, Any]], year: int) -> tuple[str | None, int | None]:
    """(the predicate a unit holds going into ``year``, the year it was awarded): the earliest
    award of that predicate that still counts (earlier than ``year``, not revoked by then)."""
    awards = list(awards)
    held = held_predicate(awards, year)
    if held is None:
        return None, None
    years = [int(a["year"]) for a in awards if a["predicate"] == held and held_predicate([a], year) == held]
    return held, min(years)


def next_predicate(fw: Framework, met: str | None) -> str | None:
    """The predicate above ``met`` (the one a round meets; None: WBK), None when there is none."""
    codes = [p.code for p in fw.predicates]
    if met is None:
        return codes[0] if codes else None
    position = codes.index(met) + 1 if met in codes else len(codes)
    return codes[position] if position < len(codes) else None


def _failing_next(ev: Evaluation, nxt: str | None) -> tuple[RuleGap, ...]:
    return tuple(RuleGap.of(r) for r in ev.failing(nxt)) if nxt else ()


# ---------------------------------------------------------------------------------------------
# The overview table


def overview_frame(scored: Sequence[ScoredRound], units: Mapping[str, Mapping[str, Any]],
                   previous_totals: Mapping[str, float] | None = None,
                   awards: Mapping[str, Sequence[Mapping[str, Any]]] | None = None) -> pd.DataFrame:
    """One row per unit: the figures the overview table shows, ranked by total (highest first).

    ``next`` is the predicate above the one this round meets; ``failing_next`` names the rules of
    ``next`` the round fails and ``next_rules`` holds them (RuleGap: value, threshold, gap).
    ``held_before``/``held_since``: the predicate held going into the year and the year it was
    awarded (from ``awards``, unit id -> its award history)."""
    previous_totals = previous_totals or {}
    awards = awards or {}
    rows = []
    for s in scored:
        unit = units.get(s.unit_id, {})
        card, ev = s.scorecard, s.evaluation
        prev = previous_totals.get(s.unit_id)
        nxt = next_predicate(s.framework, ev.predicate)
        failing = _failing_next(ev, nxt)
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
            "held_since": held_since(awards.get(s.unit_id, ()), s.year)[1] if s.held_before else None,
            "next": nxt,
            "failing_wbk": failing_rules(ev, "WBK"),
            "failing_wbbm": failing_rules(ev, "WBBM"),
            "failing_next": [r.rule for r in failing],
            "next_rules": failing,
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
    # years or None, as the bulk path keeps them (pandas would make floats with NaN of a mixed list)
    frame["held_since"] = pd.Series([r["held_since"] for r in rows], dtype=object)
    frame = frame.sort_values(["total", "unit"], ascending=[False, True], kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def headline(frame: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of a round: units evaluated; meeting Menuju WBK (``wbk``, the units meeting
    Menuju WBBM included: they meet every WBK rule too); meeting Menuju WBBM; not meeting Menuju
    WBK; the average total; how many LKE are incomplete."""
    if frame.empty:
        return {"units": 0, "wbk": 0, "wbbm": 0, "below_wbk": 0, "average_total": None, "incomplete": 0}
    predicate = frame["predicate"]
    wbbm = int((predicate == "WBBM").sum())
    wbk = int((predicate == "WBK").sum()) + wbbm
    return {
        "units": int(len(frame)),
        "wbk": wbk,
        "wbbm": wbbm,
        "below_wbk": int(len(frame)) - wbk,
        "average_total": float(frame["total"].mean()),
        "incomplete": int(frame["provisional"].sum()),
    }


def round_overview(store: Any, year: int, stage: str) -> pd.DataFrame:
    """The overview table of a round, with the change since the same stage of the previous year.

    Scored in bulk (store.overview_data: one connection; bulk.score_round_data; bulk.evaluate_frame):
    the same figures as ``overview_frame(score_round(...))``, which tests/test_bulk.py checks, at a
    fraction of the cost for a national round."""
    from zi_metrics import bulk
    from zi_metrics.store import overview_data

    data = overview_data(store, bulk.round_layouts(), year, stage)
    awards: dict[str, list[dict[str, Any]]] = {}
    for a in data.awards:
        awards.setdefault(a["unit_id"], []).append(a)
    units, current, earlier = data.units, data.current, data.previous
    del data  # the earlier round's scan is freed once its totals are taken (the server's peak memory)
    previous: dict[str, float] = {}
    if earlier is not None:
        for scores in bulk.score_round_data(earlier).values():  # its totals only: no rules, no awards
            previous.update(zip(scores.unit_id.tolist(), scores.total.tolist(), strict=True))
        del earlier
    parts = [_overview_part(frame, scored, units, previous) for frame, scored in _bulk_scored(current, awards)]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame = frame.sort_values(["total", "unit"], ascending=[False, True], kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def _bulk_scored(data: Any, awards: Mapping[str, Sequence[Mapping[str, Any]]]
                 ) -> list[tuple[Any, tuple[Any, np.ndarray, np.ndarray]]]:
    """(ScoreFrame, (RuleFrame, predicate held before, year it was awarded)) per framework of a
    store.RoundData."""
    from zi_metrics import bulk

    out = []
    for frame in bulk.score_round_data(data).values():
        held = np.full(len(frame), None, dtype=object)
        since = np.full(len(frame), None, dtype=object)
        if awards:
            for i in np.flatnonzero(np.isin(frame.unit_id, list(awards))).tolist():
                held[i], since[i] = held_since(awards[frame.unit_id[i]], int(frame.year[i]))
        out.append((frame, (bulk.evaluate_frame(frame, held != None), held, since)))  # noqa: E711
    return out


class RuleGap(NamedTuple):
    """A failing rule of the next predicate: rules.RuleResult's fields as a plain tuple (a national
    round has tens of thousands of them; a frozen dataclass each cost a third of a second)."""

    predicate: str
    rule: str
    value: float | bool
    threshold: float | bool
    passed: bool
    gap: float | None
    unit: str
    value_points: float | None = None
    threshold_points: float | None = None
    input_value: float | str | None = None
    input_threshold: float | str | None = None

    @classmethod
    def of(cls, r: RuleResult) -> RuleGap:
        return cls(r.predicate, r.rule, r.value, r.threshold, r.passed, r.gap, r.unit, r.value_points,
                   r.threshold_points, r.input_value, r.input_threshold)


def _next_rules(frame: Any, rules: Any, nxt: np.ndarray) -> np.ndarray:
    """Per row, the RuleGaps of the rules of its ``nxt`` predicate that fail (rules.evaluate's
    order), built from the RuleFrame's columns a rule at a time."""
    fw = frame.framework
    found: list[list[RuleGap]] = [[] for _ in range(len(frame))]
    item_code = {item.rule: code for code, item in fw.hasil_items.items()}
    for pred in fw.predicates:
        rows = np.flatnonzero(nxt == pred.code)
        if not len(rows):
            continue
        minimum = {rd.rule: rd.min for rd in pred.rules if rd.min is not None}
        for j in rules.rows(pred.code):
            _, rule, unit = rules.rules[j]
            failing = rows[~rules.passed[j, rows]]
            if not len(failing):
                continue
            index = failing.tolist()
            values, gaps = rules.value[j, failing].tolist(), rules.gap[j, failing].tolist()
            threshold = float(rules.threshold[j])
            if unit == "flag":
                made = [RuleGap(pred.code, rule, bool(v), True, False, None, "flag") for v in values]
            elif unit == "percent":
                need = float(rules.threshold_points[j])
                made = [RuleGap(pred.code, rule, v, threshold, False, g, "percent", p, need)
                        for v, g, p in zip(values, gaps, rules.value_points[j, failing].tolist(), strict=True)]
            else:
                needed = _hasil_input_threshold(fw, rule, minimum[rule]) if rule in item_code else None
                inputs = frame.hasil_inputs.get(item_code.get(rule, ""))
                given = [None] * len(index) if inputs is None else [
                    None if isinstance(x, float) and x != x else x for x in inputs[failing].tolist()]
                made = [RuleGap(pred.code, rule, v, threshold, False, g, "points", None, None, x, needed)
                        for v, g, x in zip(values, gaps, given, strict=True)]
            for i, gap in zip(index, made, strict=True):
                found[i].append(gap)
    out = np.empty(len(frame), dtype=object)
    out[:] = [tuple(f) for f in found]
    return out


def _unit_columns_of(units: Mapping[str, np.ndarray], unit_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Name, short name (the name when there is none), parent and level of each of ``unit_ids``,
    looked up in the store's unit columns (a unit missing there: its id as name, None otherwise)."""
    at = pd.Index(units["id"]).get_indexer(unit_ids)
    known = at >= 0

    def column(name: str, missing: Any) -> np.ndarray:
        values = np.asarray(units[name], dtype=object)[np.where(known, at, 0)] if len(units["id"]) else \
            np.full(len(at), None, dtype=object)
        return np.where(known, values, missing)

    names = column("name", np.asarray(unit_ids, dtype=object))
    short = column("short_name", None)
    short = np.where(pd.isna(short) | (short == ""), names, short)
    return {"name": names, "short_name": short, "parent_id": column("parent_id", None),
            "level": column("level", None)}


def _overview_part(frame: Any, scored: tuple[Any, np.ndarray, np.ndarray], units: Mapping[str, np.ndarray],
                   previous: Mapping[str, float]) -> pd.DataFrame:
    """overview_frame's rows (unsorted) for one framework's ScoreFrame and (RuleFrame, held, since);
    ``units``: the store's unit columns (store.unit_columns)."""
    rules, held, since = scored
    fw = frame.framework
    uid = pd.Series(frame.unit_id, dtype=object)
    info = _unit_columns_of(units, uid.to_numpy())
    names, short = info["name"], info["short_name"]
    codes = [p.code for p in fw.predicates]
    nothing = np.empty(len(frame), dtype=object)
    nothing[:] = [[] for _ in range(len(frame))]
    wbk = rules.failing("WBK") if "WBK" in codes else nothing
    wbbm = rules.failing("WBBM") if "WBBM" in codes else nothing
    predicate = rules.predicate
    nxt = np.asarray([next_predicate(fw, p) for p in codes + [None]], dtype=object)
    nxt = nxt[[codes.index(p) if p in codes else len(codes) for p in predicate.tolist()]]
    next_rules = _next_rules(frame, rules, nxt)
    total = frame.total
    prev = pd.Series(previous, dtype=np.float64).reindex(uid).to_numpy() if previous else np.full(len(uid), np.nan)
    # as overview_frame: a float column (NaN without a previous round), all None when none has one
    change = total - prev if not np.isnan(prev).all() else np.full(len(uid), None, dtype=object)
    answered, questions = frame.answered, frame.questions
    out = pd.DataFrame({
        "unit_id": uid.to_numpy(),
        "unit": names,
        "short_name": short,
        "parent_id": info["parent_id"].tolist(),
        "level": info["level"].tolist(),
        "framework_id": fw.id,
        "total": total,
        "pengungkit": frame.pengungkit,
        "hasil": frame.hasil,
        "predicate": predicate,
        "held_before": held,
        "held_since": since,
        "next": nxt,
        "failing_wbk": wbk,
        "failing_wbbm": wbbm,
        "failing_next": [[r.rule for r in rs] for rs in next_rules.tolist()],
        "next_rules": next_rules,
        "answered": answered,
        "questions": questions,
        "completeness": np.divide(answered, questions, out=np.ones(len(frame)), where=questions > 0),
        "provisional": answered != questions,
        "change": change,
    })
    percent = frame.area_percent
    for a, area in enumerate(fw.areas):
        out[f"pct_{area.code}"] = percent[:, a]
    return out


# ---------------------------------------------------------------------------------------------
# Filters


def unit_descendants(units: Mapping[str, Mapping[str, Any]], root: str) -> set[str]:
    """``root`` and every unit below it in the parent hierarchy."""
    children: dict[str, list[str]] = {}
    for uid, u in units.items():
        if u.get("parent_id"):
            children.setdefault(u["parent_id"], []).append(uid)
    out, todo = set(), [root]
    while todo:
        uid = todo.pop()
        if uid in out:
            continue
        out.add(uid)
        todo.extend(children.get(uid, []))
    return out


def _depth(units: Mapping[str, Mapping[str, Any]], uid: str) -> int:
    depth, parent, seen = 0, units.get(uid, {}).get("parent_id"), {uid}
    while parent and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = units.get(parent, {}).get("parent_id")
    return depth


def parent_options(units: Mapping[str, Mapping[str, Any]], unit_ids: Iterable[str]) -> list[str]:
    """Units above (at any level) at least one of ``unit_ids``, top of the tree first."""
    found: set[str] = set()
    for uid in unit_ids:
        parent, seen = units.get(uid, {}).get("parent_id"), {uid}
        while parent and parent not in seen:
            seen.add(parent)
            found.add(parent)
            parent = units.get(parent, {}).get("parent_id")
    return sorted(found, key=lambda u: (_depth(units, u), units.get(u, {}).get("name", u)))


def filter_overview(frame: pd.DataFrame, units: Mapping[str, Mapping[str, Any]],
                    parents: Sequence[str] = (), levels: Sequence[str] = (), status: str | None = None,
                    search: str = "") -> pd.DataFrame:
    """Rows of the overview table under any of ``parents`` (the parent itself included), at any of
    ``levels``, not meeting a predicate (``status``: a key of STATUS_FILTERS, e.g. "belum-wbk")
    and whose name, short name or id contains ``search`` (any case); an empty selection does not
    filter. Ranks stay those of the whole round."""
    if frame.empty:
        return frame
    keep = pd.Series(True, index=frame.index)
    if parents:
        allowed: set[str] = set()
        for p in parents:
            allowed |= unit_descendants(units, p)
        keep &= frame["unit_id"].isin(allowed)
    if levels:
        keep &= frame["level"].isin(list(levels))
    if status:
        target = STATUS_FILTERS[status]
        met = frame["predicate"].isin(["WBBM"] if target == "WBBM" else ["WBK", "WBBM"])
        keep &= ~met
    text = search.strip().casefold()
    if text:
        hit = pd.Series(False, index=frame.index)
        for column in ("unit", "short_name", "unit_id"):
            hit |= frame[column].astype(str).str.casefold().str.contains(text, regex=False)
        keep &= hit
    if keep.all():
        return frame
    return frame[keep].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Heatmap


@dataclass(frozen=True)
class HeatmapData:
    units: list[str]  # row labels
    unit_ids: list[str]
    area_order: list[str]
    percents: list[list[float | None]]  # % of each area's max, rows follow ``units``
    thresholds: tuple[float, float]  # WBK and WBBM per-area minimum (%)
    framework_has_minimum: bool  # False for 52/2014: the bands then show 90/2021's minimums


def heatmap_data(frame: pd.DataFrame, fw: Framework, label_column: str = "short_name") -> HeatmapData:
    """Units x areas (% of max) from the overview table, in the table's order."""
    order = list(fw.area_codes)
    minimums = area_minimum_percents(fw)
    thresholds = (minimums.get("WBK", 60.0), minimums.get("WBBM", 75.0))
    if frame.empty:
        return HeatmapData([], [], order, [], thresholds, bool(minimums))
    columns = frame[[f"pct_{c}" for c in order]]
    percents = [[None if pd.isna(v) else float(v) for v in row] for row in columns.itertuples(index=False)]
    return HeatmapData(list(frame[label_column]), list(frame["unit_id"]), order, percents,
                       thresholds, bool(minimums))


def framework_of(frame: pd.DataFrame) -> Framework:
    """The framework of the overview's first row (a round uses one framework per year)."""
    return load_framework(frame["framework_id"].iloc[0])


# ---------------------------------------------------------------------------------------------
# Text: the table's cells and the exported list, in the interface's language and number format


def rule_short_label(fw: Framework, rule: str, lang: str = "id") -> str:
    """A rule's name in a table cell: the framework's one name for it (zi_metrics.names), areas by
    their code ("AK"), a survey by the index its name gives in brackets ("IPAK" for "Survei
    Persepsi Anti Korupsi (IPAK/SPAK)")."""
    from zi_metrics.names import rule_short_name

    name = rule_short_name(fw, rule, lang)
    if not any(item.rule == rule and item.kind == "survey" for item in fw.hasil_items.values()):
        return name
    index = re.search(r"\(([A-Z]{3,5})(?:/[A-Z]{3,5})*\)$", name)
    return index.group(1) if index else name


def _input_text(fw: Framework, rule: str, value: Any, lang: str) -> str:
    from zi_metrics.formatting import MISSING, format_number, format_percent

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return MISSING
    if isinstance(value, str):
        return value
    kind = next((item.kind for item in fw.hasil_items.values() if item.rule == rule), None)
    return format_percent(value, lang) if kind == "percent" else format_number(value, lang)


def rule_gap_text(fw: Framework, r: RuleResult | RuleGap, lang: str = "id") -> str:
    """One failing rule with its value, threshold and gap ("IPAK 15,62 < 15,75: kurang 0,13 poin
    (masukan 3,57; perlu ≥ 3,60)"; "AK 58,72% < 60,00%: kurang 0,13 poin")."""
    from zi_metrics.formatting import format_number, format_percent
    from zi_metrics.i18n import t

    label = rule_short_label(fw, r.rule, lang)
    if r.unit == "flag":
        required = r.rule.removeprefix("holds_").upper()
        return t("overview.rule_requires", lang, predicate=t(f"predicate.{required.lower()}", lang))
    shown = format_percent if r.unit == "percent" else format_number
    text = t("overview.rule_gap", lang, rule=label, value=shown(r.value, lang), threshold=shown(r.threshold, lang),
             gap=format_number(r.gap, lang))
    if r.input_threshold is not None:
        text += " " + t("overview.rule_input", lang, value=_input_text(fw, r.rule, r.input_value, lang),
                        needed=_input_text(fw, r.rule, r.input_threshold, lang))
    return text


def failing_text(fw: Framework, rules: Sequence[RuleResult | RuleGap], lang: str = "id") -> str:
    """Every failing rule of the next predicate, ``; ``-separated (numbers carry decimal commas)."""
    return "; ".join(rule_gap_text(fw, r, lang) for r in rules)


def _predicate_text(code: Any, lang: str, none_key: str) -> str:
    from zi_metrics.i18n import t

    return t(f"predicate.{code.lower()}", lang) if isinstance(code, str) and code else t(none_key, lang)


DISPLAY_COLUMNS = ("rank", "unit", "total", "held", "met", "next", "failing", "why", "completeness", "change",
                   "pengungkit", "hasil")


def display_rows(frame: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """The overview rows as the table shows them: every figure as text in ``lang``'s number format,
    the predicate held (and since when), the predicate this round meets, the next predicate and
    its failing rules with value, threshold and gap, and ``why`` = both in one cell ("Menuju WBK:
    AK 58,72% < 60,00%: kurang 0,13 poin"); "–" where there is nothing (never "None"). The scores
    (total, pengungkit, hasil, change) stay numbers, for a grid that sorts them and shows them in
    the language's format (ui.display.number_formats); ``completeness`` is 0-100 for a progress bar."""
    from zi_metrics.formatting import MISSING
    from zi_metrics.i18n import t

    frameworks: dict[str, Framework] = {}
    held, met, nxt, failing = [], [], [], []
    for row in frame[["framework_id", "held_before", "held_since", "predicate", "provisional", "next",
                      "next_rules"]].itertuples(index=False):
        fw = frameworks.get(row.framework_id) or frameworks.setdefault(row.framework_id,
                                                                        load_framework(row.framework_id))
        if isinstance(row.held_before, str):
            held.append(t("overview.held_since", lang, predicate=_predicate_text(row.held_before, lang, ""),
                          year=int(row.held_since)) if row.held_since is not None and not pd.isna(row.held_since)
                        else _predicate_text(row.held_before, lang, ""))
        else:
            held.append(t("predicate.none", lang))
        met_text = _predicate_text(row.predicate, lang, "overview.meets_none")
        met.append(f"{met_text} ({t('overview.provisional_short', lang)})" if row.provisional else met_text)
        nxt.append(_predicate_text(row.next, lang, "") if isinstance(row.next, str) else MISSING)
        failing.append(failing_text(fw, row.next_rules, lang) if isinstance(row.next, str) else MISSING)
    return pd.DataFrame({
        "rank": frame["rank"].to_numpy(),
        "unit": frame["unit"].to_numpy(),
        "total": frame["total"].to_numpy(dtype=float),
        "held": held,
        "met": met,
        "next": nxt,
        "failing": failing,
        "why": [f"{n}: {f}" if f != MISSING else MISSING for n, f in zip(nxt, failing, strict=True)],
        "completeness": frame["completeness"].to_numpy() * 100,
        "change": pd.to_numeric(frame["change"], errors="coerce").to_numpy(dtype=float),
        "pengungkit": frame["pengungkit"].to_numpy(dtype=float),
        "hasil": frame["hasil"].to_numpy(dtype=float),
    }, columns=list(DISPLAY_COLUMNS))


def scores_as_text(rows: pd.DataFrame, lang: str = "id") -> pd.DataFrame:
    """display_rows with the scores as text in ``lang``'s format ("80,40", change "+1,40", "–"):
    for a grid drawn on every run, where a Styler's display values would be rebuilt each time."""
    from zi_metrics.formatting import MISSING, format_number

    def signed(x: Any) -> str:
        text = format_number(x, lang)
        return f"+{text}" if text != MISSING and float(x) > 0 and text != format_number(0, lang) else text

    return rows.assign(**{c: [format_number(x, lang) for x in rows[c].tolist()] for c in ("total", "pengungkit",
                                                                                            "hasil")},
                       change=[signed(x) for x in rows["change"].tolist()])


def page_of(frame: pd.DataFrame, page: int, size: int) -> pd.DataFrame:
    """Rows ``(page - 1) * size`` to ``page * size`` (pages count from 1; clamped to the last)."""
    pages = page_count(len(frame), size)
    page = min(max(1, page), pages)
    return frame.iloc[(page - 1) * size:page * size]


def page_count(rows: int, size: int) -> int:
    return max(1, -(-rows // size))

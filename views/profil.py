"""Profil unit: one unit at the sidebar's year and stage: the area radar (with stage and peer
overlays), the WBK/WBBM rules, hasil, proposal readiness, completeness and predicate history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from ui import followup_item, state, urlstate
from ui.display import area_names, fmt, md_escape, measure, predicate_label, tr_md
from ui.rollup import parent_summary
from zi_metrics import analytics, charts, palette
from zi_metrics.formatting import format_percent
from zi_metrics.report import unit_report_pdf
from zi_metrics.rules import GateResult
from zi_metrics.store import Unit

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]

_shown = state.units_of(store).get(selection.unit_id) if selection.unit_id else None
state.page_heading(tr("page.unit"), unit_name=_shown.name if _shown else None, year=selection.year,
                   stage=selection.stage)
state.demo_banner(store, unit_id=selection.unit_id)  # the unit's rounds of every year are shown

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()
if selection.unit_id is None:
    st.info(tr("empty.no_selection"))
    st.stop()

units: dict[str, Unit] = state.units_of(store)  # cached per data version: never mutate it
unit = units[selection.unit_id]
year, stage = selection.year, selection.stage


def short(u: Unit) -> str:
    return u.short_name or u.name


def stage_word(code: str) -> str:
    return tr(f"stage_short.{code}")


def mark(passed: bool) -> str:
    """Pass/fail as symbol + word, never colour alone."""
    symbol = palette.PASS_SYMBOL if passed else palette.FAIL_SYMBOL
    return f"{symbol} {tr('result.pass' if passed else 'result.fail')}"


def show_history(unit_id: str) -> None:
    st.subheader(tr("unit.section.history"))
    history = store.predicate_history(unit_id)
    if history.empty:
        st.caption(tr("unit.history_none"))
        return
    rows = []
    for h in history.itertuples(index=False):
        revoked_on = h.revoked_on if h.revoked and not pd.isna(h.revoked_on) else None
        status = tr("status.earned")
        if h.revoked:
            status = (tr("unit.revoked_on", date=pd.Timestamp(revoked_on).date().isoformat())
                      if revoked_on is not None else tr("status.revoked"))
        rows.append({
            "year": int(h.year),
            "predicate": predicate_label(h.predicate),
            "decree": h.decree_ref or "–",
            "status": status,
            "note": h.revoked_reason if isinstance(h.revoked_reason, str) else "",
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "year": st.column_config.NumberColumn(tr("col.year"), format="%d", width="small"),
        "predicate": st.column_config.TextColumn(tr("col.predicate")),
        "decree": st.column_config.TextColumn(tr("col.decree")),
        "status": st.column_config.TextColumn(tr("col.status")),
        "note": st.column_config.TextColumn(tr("col.note")),
    })


rounds = state.unit_rounds(store, unit.id)
current = analytics.round_for(rounds, year, stage)

if current is None:
    # Say what to do instead of showing an empty page.
    if not rounds:
        st.info(tr("unit.empty.never"))
    else:
        st.info(tr("unit.empty.no_round", stage=tr(f"stage.{stage}"), year=year))
        stages_here = analytics.stages_of_year(rounds, year)
        if stages_here:
            st.caption(tr("unit.empty.stages_available", year=year,
                          stages=", ".join(tr(f"stage.{s}") for s in stages_here)))
        else:
            years = sorted({r.year for r in rounds})
            st.caption(tr("unit.empty.no_year", year=year, years=", ".join(str(y) for y in years)))
    parent_summary(store, selection, unit.id, unit.name)  # a ministry, a Ditjen: the units under it
    show_history(unit.id)
    st.stop()

fw, card, ev = current.framework, current.scorecard, current.evaluation
st.caption(tr("unit.framework", name=fw.name))
# The A4 report is built only when asked for, by a callable Streamlit runs in its event-loop thread,
# outside any script run: it reads the store only, never Streamlit's state or caches (what needs them
# is taken here), and the click starts no rerun to run beside it (as Ringkasan's report).
synthetic = state.shows_demo(store, unit_id=unit.id)
st.download_button(
    tr("unit.report_pdf"), icon=":material/picture_as_pdf:", key="unit_report", on_click="ignore",
    data=lambda: unit_report_pdf(current, rounds, unit.name, awards=store.awards(unit.id), lang=lang,
                                 synthetic=synthetic,
                                 follow_ups=followup_item.unit_follow_ups(store, unit.id, year)),
    file_name=f"laporan-zi-{unit.id}-{year}-{stage}.pdf", mime="application/pdf")

# --------------------------------------------------------------------------- headline
cols = st.columns(2)
cols[0].metric(tr("unit.total_official"), fmt(card.total))
cols[1].metric(tr("unit.completeness"), tr(
    "unit.completeness_value", answered=card.completeness.answered, total=card.completeness.total,
    percent=format_percent(card.completeness.ratio * 100, lang)))
predicate_text = predicate_label(ev.predicate)
if card.provisional:
    predicate_text += f" · {tr('predicate.provisional')}"
st.markdown(f"**{tr('unit.predicate')}:** {predicate_text}  \n"
            f"**{tr('unit.held_before', year=year)}:** {predicate_label(current.held_before)}")
if card.provisional:
    with st.container(border=True):
        st.warning(tr("unit.provisional"))
        left, right = st.columns(2)
        left.metric(tr("unit.total_official"), fmt(card.total))
        if card.conservative is not None:
            right.metric(tr("unit.total_conservative"), fmt(card.conservative.total))

# --------------------------------------------------------------------------- radar
other_stages = [s for s in analytics.stages_of_year(rounds, year) if s != stage]
peer_ids = sorted((u for u in units if u != unit.id), key=lambda u: short(units[u]).lower())
left, right = st.columns(2)
# The overlaid stages (?tahapan=tpn) and the peer (?peer=<unit id>) are kept in the URL: seeded from a
# new URL value before their widgets, written back after them; they survive a visit to another page.
notices: list[str] = []
urlstate.seed_list("profil", "tahapan", "profil_stages", other_stages, [], notices)
overlay = left.multiselect(tr("unit.compare_stages"), other_stages, key="profil_stages", persist_state="session",
                           format_func=lambda s: tr(f"stage.{s}"), disabled=not other_stages,
                           placeholder=tr("unit.compare_stages_placeholder" if other_stages
                                          else "unit.compare_stages_none"))
urlstate.write_list("profil", "tahapan", overlay, omit_empty=True)
state.seed_from_url("peer", set(peer_ids), notices)
if st.session_state.get("peer") not in (None, *peer_ids):  # e.g. the sidebar now shows the peer itself
    st.session_state["peer"] = None
peer_id = right.selectbox(tr("unit.peer"), [None, *peer_ids], key="peer", persist_state="session",
                          format_func=lambda u: tr("unit.peer_none") if u is None else short(units[u]))
state.write_url("peer", peer_id)
for notice in notices:
    st.warning(notice)

# Stages differ by colour, line dash and marker; the peer is grey, with its stage's dash and marker.
series: list[tuple[str, Mapping[str, float | None]]] = [
    (f"{short(unit)} · {stage_word(stage)}", analytics.area_percents(current))]
colors = [palette.stage_color(stage)]
symbols = [palette.STAGE_SYMBOLS.get(stage)]
dashes = [palette.STAGE_DASHES.get(stage)]
for s in sorted(overlay, key=analytics.stage_order):
    other = analytics.round_for(rounds, year, s)
    if other is not None:
        series.append((f"{short(unit)} · {stage_word(s)}", analytics.area_percents(other)))
        colors.append(palette.stage_color(s))
        symbols.append(palette.STAGE_SYMBOLS.get(s))
        dashes.append(palette.STAGE_DASHES.get(s))
if peer_id is not None:
    peer = units[peer_id]
    peer_round = analytics.comparison_round(state.unit_rounds(store, peer_id), year, stage)
    if peer_round is None or peer_round.framework.id != fw.id:
        st.caption(tr_md("unit.peer_no_round", unit=short(peer), year=year))
    else:
        if peer_round.stage != stage:
            st.caption(tr_md("unit.peer_other_stage", unit=short(peer), shown=stage_word(peer_round.stage),
                          wanted=stage_word(stage), year=year))
        peer_name = f"{short(peer)} · {stage_word(peer_round.stage)}"
        series.append((peer_name, analytics.area_percents(peer_round)))
        colors.append(palette.PEER_COLOR)
        symbols.append(palette.STAGE_SYMBOLS.get(peer_round.stage))
        dashes.append(palette.STAGE_DASHES.get(peer_round.stage))

area_order = list(fw.area_codes)
radar = charts.radar_figure(series, area_names(fw), area_order,
                            series_colors=colors, series_symbols=symbols, series_dashes=dashes, lang=lang)
st.plotly_chart(radar, width="stretch", theme=None, key="unit_radar")
if not any(r.unit == "percent" for r in ev.rules):
    st.caption(tr("unit.rings_reference"))

# --------------------------------------------------------------------------- rules


def quantity(value: Any, unit_kind: str) -> str:
    if unit_kind == "flag":
        return tr("value.yes") if value else tr("value.no")
    if unit_kind == "percent":
        return format_percent(value, lang)
    return fmt(value)


ITEM_KIND = {item.rule: item.kind for item in fw.hasil_items.values()}


def input_text(rule: str, value: Any, minimum: Any) -> str:
    """The hasil input behind an item rule (survey value, option, TLHP %) and the input that meets it."""
    if rule not in ITEM_KIND:
        return ""

    def one(x: Any) -> str:
        if x is None or (not isinstance(x, str) and pd.isna(x)):
            return "–"
        if isinstance(x, str):
            return x
        return format_percent(x, lang) if ITEM_KIND[rule] == "percent" else fmt(x)

    return f"{one(value)} (≥ {one(minimum)})"


def gap_text(row: Any) -> str:
    if row.passed:
        return ""
    if row.unit == "flag" or pd.isna(row.gap):
        return tr("gap.requires_wbk")
    return tr("gap.points", gap=fmt(row.gap))


st.subheader(tr("unit.section.rules"))
table = analytics.rule_table(ev)
shown = pd.DataFrame({
    "predicate_code": table["predicate"],
    "rule_code": table["rule"],
    "predicate": [predicate_label(p) for p in table["predicate"]],
    "rule": [analytics.rule_label(fw, r, lang) for r in table["rule"]],
    "value": [quantity(v, u) for v, u in zip(table["value"], table["unit"], strict=True)],
    "threshold": [("" if u == "flag" else "≥ ") + quantity(t, u)
                  for t, u in zip(table["threshold"], table["unit"], strict=True)],
    "input": [input_text(r, v, t) for r, v, t in
              zip(table["rule"], table["input_value"], table["input_threshold"], strict=True)],
    "status": [mark(bool(p)) for p in table["passed"]],
    "gap": [gap_text(r) for r in table.itertuples(index=False)],
    "passed": table["passed"].astype(bool),
})


def _status_style(value: str) -> str:
    passed = value.startswith(palette.PASS_SYMBOL)
    return f"color: {palette.PASS_COLOR if passed else palette.FAIL_COLOR}; font-weight: 600"


RULE_COLUMNS = {
    "rule": st.column_config.TextColumn(tr("col.rule")),
    "value": st.column_config.TextColumn(tr("col.value")),
    "threshold": st.column_config.TextColumn(tr("col.threshold")),
    "input": st.column_config.TextColumn(tr("col.input")),
    "status": st.column_config.TextColumn(tr("col.status")),
    "gap": st.column_config.TextColumn(tr("col.gap")),
}
# One table per predicate (WBK, then WBBM), each with every rule of that predicate.
for code in dict.fromkeys(shown["predicate_code"]):
    part = shown[shown["predicate_code"] == code].reset_index(drop=True)
    st.markdown(f"**{predicate_label(code)}**")
    st.dataframe(part.style.map(_status_style, subset=["status"]), hide_index=True, width="stretch",
                 height="content", column_order=list(RULE_COLUMNS), column_config=RULE_COLUMNS,
                 key=f"unit_rules_{code}")

# --------------------------------------------------------------------------- hasil
st.subheader(tr("unit.section.hasil"))
hasil = analytics.hasil_rows(current)
for col, item in zip(st.columns(len(hasil)), hasil, strict=True):
    value = item["input"]
    if value is None:
        text = tr("unit.hasil_missing")
    elif item["kind"] == "survey":
        text = f"{fmt(value)} / {fmt(item['scale_max'], 0)}"
    elif item["kind"] == "percent":
        text = format_percent(value, lang)
    else:
        text = md_escape(value)  # a stored answer (the capaian letter): a metric renders Markdown
    # the measure's name above the value, wrapped (a metric's own label is cut at the column's width)
    col.markdown(f"**{md_escape(measure(fw, item['code']))}**")
    col.metric(measure(fw, item["code"]), text, label_visibility="collapsed")
    col.caption(tr("unit.hasil_points", points=fmt(item["points"]), max=fmt(item["max"])))

followup_item.show_unit_progress(store, unit.id, year)  # Tindak lanjut of the assessors' notes

# --------------------------------------------------------------------------- readiness


SPECS: dict[str, Mapping[str, Any]] = {
    spec["code"]: spec for spec in (*fw.prerequisites, *fw.nomination_criteria)}


def _is_percent(gate: GateResult) -> bool:
    return str(SPECS.get(gate.code, {}).get("input", "")).endswith("_percent")


def fact_text(value: Any, gate: GateResult | None = None) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return tr("value.yes") if value else tr("value.no")
    kind = SPECS.get(gate.code, {}).get("kind") if gate is not None else None
    if kind == "years_since":
        return tr("unit.years_since", start=value, years=year - int(value))
    if gate is not None and _is_percent(gate):
        return format_percent(value, lang)
    if isinstance(value, float):
        return fmt(value)
    return str(value)


def required_text(gate: GateResult) -> str:
    kind, required = SPECS.get(gate.code, {}).get("kind"), gate.required
    if kind == "true":
        return tr("value.yes")
    if kind == "one_of":
        return " / ".join(str(r) for r in required)
    if kind == "years_since":
        return tr("unit.years_min", years=required)
    if kind == "number_max":
        return f"≤ {required}"
    if _is_percent(gate):
        return f"≥ {format_percent(required, lang, 0)}"
    return f"≥ {required}"


def gate_status(gate: GateResult) -> str:
    if gate.passed is None:
        return f"? {tr('result.unknown')}"
    if gate.passed is False and gate.waived:
        return f"{palette.FAIL_SYMBOL} {tr('result.fail')} · {tr('result.waived')}"
    return mark(gate.passed)


def gate_frame(gates: Sequence[GateResult], with_predicate: bool) -> pd.DataFrame:
    rows = []
    for g in gates:
        row = {"predicate": predicate_label(g.predicate)} if with_predicate else {}
        row.update({
            "level": tr(f"level.{g.level}"),
            "criterion": g.name,
            "value": fact_text(g.value, g),
            "required": required_text(g),
            "status": gate_status(g),
        })
        rows.append(row)
    return pd.DataFrame(rows)


GATE_COLUMNS = {
    "predicate": st.column_config.TextColumn(tr("col.predicate")),
    "level": st.column_config.TextColumn(tr("col.level")),
    "criterion": st.column_config.TextColumn(tr("col.criterion")),
    "value": st.column_config.TextColumn(tr("col.value")),
    "required": st.column_config.TextColumn(tr("col.required")),
    "status": st.column_config.TextColumn(tr("col.status")),
}

st.subheader(tr("unit.section.readiness", year=year))
facts = store.prerequisites_for(unit.id, year)
gates, nomination = analytics.proposal_readiness(fw, facts, instansi_kind=unit.instansi_kind,
                                                 afirmasi=unit.afirmasi, year=year)
if facts is None:
    st.info(tr("unit.readiness_none", year=year))
if unit.afirmasi:
    st.caption(tr("unit.readiness_afirmasi"))
if gates:
    st.dataframe(gate_frame(gates, with_predicate=True), hide_index=True, width="stretch", height="content",
                 column_config=GATE_COLUMNS)
if nomination:
    st.markdown(f"**{tr('unit.section.nomination')}**")
    st.dataframe(gate_frame(nomination, with_predicate=False), hide_index=True, width="stretch",
                 column_config=GATE_COLUMNS)

# --------------------------------------------------------------------------- history
parent_summary(store, selection, unit.id, unit.name)  # a ministry, a Ditjen: the units under it
show_history(unit.id)

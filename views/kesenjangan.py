"""Analisis kesenjangan: for the sidebar unit and round, the points each area still misses to
Menuju WBK and Menuju WBBM, the rules that fail, the sub-areas and questions that lose the most
points (with the answer, note and evidence stored for them); across the round's units, the
areas and rules that hold the most units back."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from ui.display import fmt, measure, predicate_label
from zi_metrics import analytics, charts, gaps
from zi_metrics.formatting import format_percent

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]

units = state.units_of(store)  # cached per data version: never mutate it
state.page_heading(tr("page.gaps"), unit_name=units[selection.unit_id].name if selection.unit_id in units else None,
                   year=selection.year, stage=selection.stage)
state.demo_banner(store)

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()


def unit_name(unit_id: str) -> str:
    u = units.get(unit_id)
    return (u.short_name or u.name) if u else unit_id


def area_label(code: str, framework: Any) -> str:
    return measure(framework, code)


stage_text = tr(f"stage.{selection.stage}")

# --------------------------------------------------------------------------- the selected unit

if selection.unit_id is None:
    st.info(tr("empty.no_selection"))
    rnd = None
else:
    rnd = analytics.round_for(state.unit_rounds(store, selection.unit_id), selection.year, selection.stage)
    if rnd is None:
        st.info(tr("gaps.no_round", unit=unit_name(selection.unit_id), year=selection.year, stage=stage_text))

if rnd is not None:
    fw, card, ev = rnd.framework, rnd.scorecard, rnd.evaluation
    st.caption(tr("gaps.round_caption", framework=fw.name, total=fmt(card.total),
                  predicate=predicate_label(ev.predicate),
                  completeness=format_percent(card.completeness.ratio * 100, lang)))
    if card.provisional:
        st.warning(tr("gaps.provisional", conservative=fmt(card.conservative.total if card.conservative else None)))

    # Points missing per area, to each predicate's per-area minimum.
    st.subheader(tr("gaps.area_section"))
    area_gaps = gaps.area_gaps(fw, card)
    minimums = analytics.area_minimum_percents(fw)
    if minimums:
        for pred, pct in minimums.items():
            missing = [(area_label(g.code, fw), g.need[pred]) for g in area_gaps]
            if any(v > 0 for _, v in missing):
                fig = charts.gap_bar_figure(
                    missing, lang=lang,
                    text={"chart.gap.title": tr("gaps.area_chart_title", predicate=predicate_label(pred),
                                                percent=fmt(pct, 0))})
                st.plotly_chart(fig, width="stretch", theme=None, key=f"gap_areas_{pred}")
            else:
                st.success(tr("gaps.all_areas_met", predicate=predicate_label(pred), percent=fmt(pct, 0)))
    else:
        st.info(tr("gaps.no_area_minimum", framework=fw.name))
    area_table = pd.DataFrame({
        "code": [g.code for g in area_gaps],
        "area": [area_label(g.code, fw) for g in area_gaps],
        "score": [fmt(g.score) for g in area_gaps],
        "max": [fmt(g.max) for g in area_gaps],
        "percent": [format_percent(g.percent, lang) for g in area_gaps],
        **{f"need_{pred}": [fmt(g.need[pred]) for g in area_gaps] for pred in minimums},
    })
    st.dataframe(
        area_table, hide_index=True, width="stretch", key="gap_area_table",
        column_config={
            "code": st.column_config.TextColumn(tr("col.code"), width="small"),
            "area": st.column_config.TextColumn(tr("col.area")),
            "score": st.column_config.TextColumn(tr("col.points")),
            "max": st.column_config.TextColumn(tr("col.max")),
            "percent": st.column_config.TextColumn(tr("col.percent_of_max")),
            **{f"need_{pred}": st.column_config.TextColumn(tr("gaps.need_col", predicate=predicate_label(pred)))
               for pred in minimums},
        },
    )

    # Every rule of both predicates: which fail and by how much.
    st.subheader(tr("gaps.rules_section"))
    for tab, pred in zip(st.tabs([predicate_label(p.code) for p in fw.predicates]),
                         [p.code for p in fw.predicates], strict=True):
        with tab:
            rules = analytics.rule_display_rows(fw, ev, pred, lang)
            st.dataframe(
                rules[["label", "value", "threshold", "status", "gap"]], hide_index=True, width="stretch",
                key=f"gap_rules_{pred}",
                column_config={
                    "label": st.column_config.TextColumn(tr("col.rule")),
                    "value": st.column_config.TextColumn(tr("col.value")),
                    "threshold": st.column_config.TextColumn(tr("col.threshold")),
                    "status": st.column_config.TextColumn(tr("col.status")),
                    "gap": st.column_config.TextColumn(tr("col.gap")),
                },
            )

    # Where answers exist: the sub-areas and questions that lose the most points.
    st.subheader(tr("gaps.detail_section"))
    if card.source != "answers":
        st.info(tr("gaps.no_answers"))
    else:
        sub_gaps = [g for g in gaps.sub_area_gaps(card) if g.lost > 0]
        st.markdown(f"**{tr('gaps.sub_area_heading')}**")
        st.dataframe(
            pd.DataFrame({
                "area": [g.area for g in sub_gaps],
                "sub_area": [g.name for g in sub_gaps],
                "weight": [fmt(g.weight) for g in sub_gaps],
                "score": [fmt(g.score) for g in sub_gaps],
                "lost": [fmt(g.lost) for g in sub_gaps],
                "answered": [f"{g.answered_items}/{g.total_items}" for g in sub_gaps],
            }),
            hide_index=True, width="stretch", key="gap_sub_areas", height=320,
            column_config={
                "area": st.column_config.TextColumn(tr("col.area"), width="small"),
                "sub_area": st.column_config.TextColumn(tr("col.sub_area")),
                "weight": st.column_config.TextColumn(tr("col.weight")),
                "score": st.column_config.TextColumn(tr("col.points")),
                "lost": st.column_config.TextColumn(tr("col.lost")),
                "answered": st.column_config.TextColumn(tr("col.answered_items")),
            },
        )
        st.markdown(f"**{tr('gaps.item_heading')}**")
        top = st.slider(tr("gaps.item_count"), 5, 50, 15, step=5, key="gap_top")
        rows = analytics.item_gap_rows(fw, gaps.item_gaps(card), store.answers_for(rnd.input.evaluation_id),
                                       limit=top)
        if not rows:
            st.success(tr("gaps.no_item_gain"))
        else:
            st.dataframe(
                pd.DataFrame({
                    "rank": [r["rank"] for r in rows],
                    "area": [r["area"] for r in rows],
                    "question": [r["question"] for r in rows],
                    "answer": [r["answer"] for r in rows],
                    "gain": [fmt(r["gain"]) for r in rows],
                    "note": [r["note"] for r in rows],
                    "evidence_ref": [r["evidence_ref"] for r in rows],
                    "sub_area": [r["sub_area"] for r in rows],
                    "item_code": [r["item_code"] for r in rows],
                }),
                hide_index=True, width="stretch", key="gap_items",
                column_config={
                    "rank": st.column_config.NumberColumn("#", width="small"),
                    "area": st.column_config.TextColumn(tr("col.area"), width="small"),
                    "sub_area": st.column_config.TextColumn(tr("col.sub_area")),
                    "question": st.column_config.TextColumn(tr("col.question"), width="medium"),
                    "answer": st.column_config.TextColumn(tr("col.answer"), width="small"),
                    "gain": st.column_config.TextColumn(tr("col.gain")),
                    "note": st.column_config.TextColumn(tr("col.note")),
                    "evidence_ref": st.column_config.TextColumn(tr("col.evidence")),
                    "item_code": None,
                },
            )
            st.caption(tr("gaps.item_caption"))

# --------------------------------------------------------------------------- across the round

st.header(tr("gaps.across_heading", year=selection.year, stage=stage_text))
scored = state.scored_round(store, selection.year, selection.stage)
if not scored:
    st.info(tr("empty.no_round", year=selection.year, stage=stage_text))
    st.stop()

round_fw = scored[0].framework
target = st.segmented_control(tr("gaps.target"), [p.code for p in round_fw.predicates], key="gap_target",
                              default=round_fw.predicates[0].code, format_func=predicate_label, required=True)
evaluations = [s.evaluation for s in scored]
area_counts = gaps.areas_holding_back(evaluations, target)
left, right = st.columns(2)
with left:
    if area_counts:
        fig = charts.areas_holding_back_figure(
            area_counts, area_labels={c: area_label(c, round_fw) for c in round_fw.area_codes},
            area_order=list(round_fw.area_codes), total_units=len(scored), lang=lang,
            text={"chart.holding_back.title": tr("gaps.holding_back_title", predicate=predicate_label(target))})
        st.plotly_chart(fig, width="stretch", theme=None, key="gap_holding_back")
    else:
        st.info(tr("gaps.no_area_minimum", framework=round_fw.name))
with right:
    rule_counts = gaps.rules_holding_back(evaluations, target)
    ranked = sorted(rule_counts.items(), key=lambda kv: -kv[1])
    st.markdown(f"**{tr('gaps.rules_holding_back', predicate=predicate_label(target))}**")
    st.dataframe(
        pd.DataFrame({
            "rule": [analytics.rule_label(round_fw, r, lang) for r, _ in ranked],
            "units": [f"{n} / {len(scored)}" for _, n in ranked],
            "failing": [n for _, n in ranked],
        }),
        hide_index=True, width="stretch", key="gap_rules_holding_back",
        column_config={
            "rule": st.column_config.TextColumn(tr("col.rule")),
            "units": st.column_config.TextColumn(tr("col.units_failing")),
            "failing": None,
        },
    )

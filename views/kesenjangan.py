"""Analisis kesenjangan: for the sidebar unit and round, what to fix first toward the next predicate
(Prioritas perbaikan: the minimum plan down to LKE answers, then every other question that helps
a failing rule, each answer in words), the points each area still misses to Menuju WBK and Menuju
WBBM, the rules that fail and the sub-areas that lose the most points; across the round's units,
the areas and rules that hold the most units back.

URL parameter ``soal=<question id>`` (the LKE question's PortalRB ``soal_id``, 1-127 in
PermenPANRB 90/2021) opens the page focused on that question of the sidebar's unit and round:
its answer now and every option in words with the points each would add, the note and evidence
stored for it, the failing rules it helps and whether the minimum plan changes it. Links from
other pages carry the round too: ``/kesenjangan?unit=<id>&tahun=<year>&tahap=<stage>&soal=<id>``.
An unknown question id is ignored with a notice. Picking a row of the priority list focuses it
the same way (and puts it in the URL).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import followup_item, state
from ui.display import fmt, md_escape, number_formats, predicate_label
from zi_metrics import analytics, charts, gaps, names, palette
from zi_metrics.answer_plan import next_target
from zi_metrics.formatting import format_percent
from zi_metrics.priorities import answer_words, blocker_text, count_words, hasil_words, option_words, priorities

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]

st.title(tr("page.gaps"))
state.demo_banner(store, unit_id=selection.unit_id, year=selection.year, stage=selection.stage)

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()

units = state.units_of(store)


def unit_name(unit_id: str) -> str:
    u = units.get(unit_id)
    return (u.short_name or u.name) if u else unit_id


stage_text = tr(f"stage.{selection.stage}")

# --------------------------------------------------------------------------- the selected unit

if selection.unit_id is None:
    st.info(tr("empty.no_selection"))
    rnd = None
else:
    st.header(tr("gaps.unit_heading", unit=md_escape(unit_name(selection.unit_id)), year=selection.year,
                 stage=stage_text))
    rnd = analytics.round_for(state.unit_rounds(store, selection.unit_id), selection.year, selection.stage)
    if rnd is None:
        st.info(tr("gaps.no_round", unit=md_escape(unit_name(selection.unit_id)), year=selection.year,
                   stage=stage_text))

# The focused question (?soal=): validated against the round's framework, kept in the URL.
notices: list[str] = []
if rnd is not None:
    state.seed_from_url("soal", [str(q) for q in rnd.framework.questions], notices, state_key="_gap_soal_url",
                        widget_key="gap_soal")
    if "_gap_soal_url" in st.session_state:
        st.session_state["gap_soal"] = int(st.session_state.pop("_gap_soal_url"))
    if st.session_state.get("gap_soal") not in rnd.framework.questions:
        st.session_state["gap_soal"] = None
for notice in notices:
    st.warning(notice)


def close_focus() -> None:
    st.session_state["gap_soal"] = None  # the picker below shows its placeholder again


def cell(text: Any) -> str:
    """Text for a st.table cell, which renders Markdown: the characters that would format it are
    escaped, so an option's wording shows as written."""
    return md_escape(text)


def option_mark(option: str, current: Any, item: Any) -> str:
    """What an option of the focused question is: the answer now, the plan's answer, or neither."""
    marks = [tr("gaps.focus.mark_now")] if option == current else []
    if item is not None and item.in_plan and option == item.suggested:
        marks.append(tr("gaps.focus.mark_plan"))
    return ", ".join(marks) or "–"


def area_name(fw: Any, code: str) -> str:
    return names.measure_name(fw, code, lang)


def rules_short(fw: Any, rules: Any) -> str:
    return names.rules_list(fw, rules, lang) or "–"


if rnd is not None:
    fw, card, ev = rnd.framework, rnd.scorecard, rnd.evaluation
    holds = rnd.held_before is not None
    st.caption(tr("gaps.round_caption", framework=fw.name, total=fmt(card.total),
                  predicate=predicate_label(ev.predicate),
                  completeness=format_percent(card.completeness.ratio * 100, lang)))
    if card.provisional:
        st.warning(tr("gaps.provisional", conservative=fmt(card.conservative.total if card.conservative else None)))

    answers_round = card.source == "answers"
    # Another unit or round opens on its next predicate; a target picked here stays while it is shown.
    if (st.session_state.get("_gap_context") != rnd.input.evaluation_id
            or st.session_state.get("gap_plan_target") not in [p.code for p in fw.predicates]):
        st.session_state["gap_plan_target"] = next_target(fw, ev, rnd.held_before)
    st.session_state["_gap_context"] = rnd.input.evaluation_id
    target = st.session_state["gap_plan_target"]
    # The page reads top-down as focus, priorities, then the area and rule detail; it is drawn in
    # another order: the detail first (cheap), then the plan (an integer program, the slow part),
    # into the boxes kept for it above, so the charts do not wait for the solver.
    focus_box, prio_box = st.container(), st.container()

    # ------------------------------------------------------------------ points missing per area
    st.subheader(tr("gaps.area_section"))
    area_gaps = gaps.area_gaps(fw, card)
    minimums = analytics.area_minimum_percents(fw)
    if minimums:
        for pred, pct in minimums.items():
            missing = [(area_name(fw, g.code), g.need[pred]) for g in area_gaps]
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
    # numbers stay numbers (the grid sorts them); number_formats shows them in the language's format
    st.dataframe(
        number_formats(pd.DataFrame({
            "code": [g.code for g in area_gaps],
            "area": [area_name(fw, g.code) for g in area_gaps],
            "score": [g.score for g in area_gaps],
            "max": [g.max for g in area_gaps],
            "percent": [g.percent for g in area_gaps],
            **{f"need_{pred}": [g.need[pred] for g in area_gaps] for pred in minimums},
        }), {"score": 2, "max": 2, "percent": "%2", **{f"need_{pred}": 2 for pred in minimums}}),
        hide_index=True, width="stretch", key="gap_area_table",
        column_config={
            "code": st.column_config.TextColumn(tr("col.code"), width="small"),
            "area": st.column_config.TextColumn(tr("col.area")),
            "score": st.column_config.NumberColumn(tr("col.points")),
            "max": st.column_config.NumberColumn(tr("col.max")),
            "percent": st.column_config.NumberColumn(tr("col.percent_of_max")),
            **{f"need_{pred}": st.column_config.NumberColumn(tr("gaps.need_col", predicate=predicate_label(pred)))
               for pred in minimums},
        },
    )

    # ------------------------------------------------------------------ every rule of both predicates
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

    # ------------------------------------------------------------------ sub-areas losing points
    if answers_round:
        sub_gaps = [g for g in gaps.sub_area_gaps(card) if g.lost > 0]
        st.subheader(tr("gaps.sub_area_heading"))
        st.dataframe(
            number_formats(pd.DataFrame({
                "area": [g.area for g in sub_gaps],
                "sub_area": [g.name for g in sub_gaps],
                "weight": [g.weight for g in sub_gaps],
                "score": [g.score for g in sub_gaps],
                "lost": [g.lost for g in sub_gaps],
                "answered": [f"{g.answered_items}/{g.total_items}" for g in sub_gaps],
            }), {"weight": 2, "score": 2, "lost": 2}),
            hide_index=True, width="stretch", key="gap_sub_areas", height=320,
            column_config={
                "area": st.column_config.TextColumn(tr("col.area"), width="small"),
                "sub_area": st.column_config.TextColumn(tr("col.sub_area")),
                "weight": st.column_config.NumberColumn(tr("col.weight")),
                "score": st.column_config.NumberColumn(tr("col.points")),
                "lost": st.column_config.NumberColumn(tr("col.lost")),
                "answered": st.column_config.TextColumn(tr("col.answered_items")),
            },
        )


    prio = None
    if answers_round:
        prio = state.memo(store, ("gap_priorities", rnd.input.evaluation_id, target, holds),
                          lambda: priorities(fw, card, target, holds))
    stored = store.answers_for(rnd.input.evaluation_id) if answers_round else {}


    with focus_box:
        # ------------------------------------------------------------------ one question in focus
        focus = st.session_state.get("gap_soal")
        if focus is not None:
            q = fw.questions[focus]
            with st.container(border=True, key="gap_focus"):
                head, close = st.columns([5, 1], vertical_alignment="center")
                head.subheader(tr("gaps.focus.heading", id=q.id, text=md_escape(q.text)))
                close.button(tr("gaps.focus.close"), key="gap_focus_close", on_click=close_focus,
                             icon=":material/close:", help=tr("gaps.focus.close_help"))
                if q.area:
                    where = tr("gaps.focus.where", area=area_name(fw, q.area),
                               sub_area=fw.sub_area(q.sub_area).name)
                else:
                    where = tr("gaps.focus.where_hasil", measure=names.measure_name(fw, q.hasil_item, lang))
                st.caption(f"{where} · {tr('gaps.focus.type', type=fw.answer_types[q.type].label)}")
                if not answers_round:
                    st.info(tr("gaps.no_answers"))
                else:
                    value = card.answers.get(q.id)
                    row = stored.get(q.id) or {}
                    if q.hasil_item:
                        now = hasil_words(fw, q.hasil_item, card.hasil_items[q.hasil_item].input, lang)
                    else:
                        now = answer_words(fw, q.id, value, lang, card.answers)
                    st.markdown(f"**{tr('gaps.focus.now')}:** {md_escape(now)}")
                    if row.get("note"):
                        st.markdown(f"**{tr('col.note')}:** {md_escape(row['note'], multiline=True)}")
                    if row.get("evidence_ref"):
                        st.markdown(f"**{tr('col.evidence')}:** {md_escape(row['evidence_ref'], multiline=True)}")
                    followup_item.show_follow_up(store, rnd.input.evaluation_id, q.id, rnd.input.year,
                                                 rnd.input.stage)  # its Tindak lanjut, if any
                    item = next((i for i in prio.items if i.question == q.id), None) if prio else None
                    if item is not None and item.in_plan:
                        st.success(tr("gaps.focus.in_plan", predicate=predicate_label(target),
                                      to=md_escape(answer_words(fw, q.id, item.suggested, lang, card.answers))))
                    if item is not None and item.rules:
                        st.markdown(tr("gaps.focus.helps", rules=", ".join(names.rule_name(fw, r, lang)
                                                                            for r in item.rules)))
                    if q.kind == "option" and q.area:
                        gains = gaps.option_gains(fw, card, q.id)
                        st.table(
                            pd.DataFrame({
                                tr("col.answer_option"): [cell(option_words(q, k, lang)) for k in gains],
                                tr("col.points_change"): [("+" if v > 0 else "") + fmt(v) for v in gains.values()],
                                tr("col.status"): [option_mark(k, value, item) for k in gains],
                            }),
                            hide_index=True,
                        )
                        st.caption(tr("gaps.focus.points_caption"))
                    elif item is not None and item.kind == "ratio":
                        st.markdown(tr("gaps.focus.ratio", item=md_escape(item.item_name),
                                       best=count_words(item.denominator, item.denominator, lang),
                                       points=fmt(gaps.ratio_full_gain(card, q.id))))

    with prio_box:
        # ------------------------------------------------------------------ Prioritas perbaikan
        st.subheader(tr("gaps.priority.section"))
        st.segmented_control(tr("gaps.target"), [p.code for p in fw.predicates], key="gap_plan_target",
                             format_func=predicate_label, required=True)
        if not answers_round:
            st.info(tr("gaps.priority.no_answers"))
        else:
            plan, name = prio.plan, predicate_label(target)
            st.caption(tr("gaps.priority.ranking", predicate=name))
            if prio.assumes_held:
                st.info(tr("gaps.priority.assumes_held", predicate=name,
                           required=predicate_label(fw.predicate(target).requires)))
            if plan.already:
                st.success(f"{palette.PASS_SYMBOL} {tr('gaps.priority.already', predicate=name)}")
            elif not plan.feasible:
                reasons = "; ".join(blocker_text(fw, b, lang) for b in plan.blockers)
                st.warning(f"{palette.FAIL_SYMBOL} {tr('gaps.priority.unreachable', predicate=name, reasons=reasons)}")
            elif plan.lke_changes:
                st.success(f"{palette.PASS_SYMBOL} " + tr(
                    "gaps.priority.plan", predicate=name, changes=len(plan.lke_changes), steps=plan.lke_steps,
                    points=fmt(plan.points)))
            else:
                st.success(f"{palette.PASS_SYMBOL} {tr('gaps.priority.plan_hasil_only', predicate=name)}")
            if plan.feasible and plan.binding:
                st.markdown(tr("gaps.priority.binding", rules=", ".join(names.rule_name(fw, r, lang)
                                                                        for r in plan.binding)))
            if prio.items:
                planned = [r for r in prio.items if r.in_plan]
                show_all = st.toggle(tr("gaps.priority.show_all", count=len(prio.items)), key="gap_show_all")
                rows = prio.items if show_all else prio.items[: max(len(planned) + 10, 15)]
                st.table(
                    pd.DataFrame({
                        "#": [str(r.rank) for r in rows],
                        tr("col.question"): [
                            cell(("✓ " if r.in_plan else "") + f"{r.area} · [{r.question}] "
                                 + (r.item_name if r.kind == "option"
                                    else f"{r.item_name}: {fw.questions[r.question].text}")) for r in rows],
                        tr("col.answer_now"): [cell(answer_words(fw, r.question, r.current, lang, card.answers))
                                               for r in rows],
                        tr("col.answer_suggested"): [cell(answer_words(fw, r.question, r.suggested, lang, card.answers))
                                                     for r in rows],
                        tr("col.increase"): [fmt(r.points) for r in rows],
                        tr("col.steps"): [str(r.steps) for r in rows],
                        tr("col.rules_helped"): [cell(rules_short(fw, r.rules)) for r in rows],
                    }),
                    hide_index=True,
                )
                if planned:
                    st.caption(tr("gaps.priority.in_plan_help"))
                if len(rows) < len(prio.items):
                    st.caption(tr("gaps.priority.shown", shown=len(rows), total=len(prio.items)))
            elif not plan.already:
                st.info(tr("gaps.priority.no_items", predicate=name))
            # Any question in focus: the priority list's first, then the rest by id.
            ranked = [r.question for r in prio.items]
            choices = ranked + [qid for qid in fw.questions if qid not in set(ranked)]
            first = {} if st.session_state.get("gap_soal") is not None else {"index": None}
            st.selectbox(tr("gaps.focus.pick"), choices, key="gap_soal", placeholder=tr("gaps.focus.pick_placeholder"),
                         format_func=lambda qid: f"[{qid}] {fw.questions[qid].text}", **first)
            if prio.measures:
                st.markdown(f"**{tr('gaps.priority.measures_heading')}**")
                st.table(
                    pd.DataFrame({
                        tr("col.measure"): [cell(names.measure_name(fw, m.code, lang) if m.kind == "hasil" else m.name)
                                            for m in prio.measures],
                        tr("col.current"): [cell(hasil_words(fw, m.code, m.current, lang)) if m.kind == "hasil"
                                            else (tr("gaps.priority.record_reduction", now=fmt(m.current, 0),
                                                     before=fmt(m.before, 0))
                                                  if m.before is not None else format_percent(m.current * 100, lang))
                                            for m in prio.measures],
                        tr("col.needed", predicate=name): [
                            cell(hasil_words(fw, m.code, m.needed, lang)) if m.kind == "hasil" and m.needed is not None
                            else "–" for m in prio.measures],
                        tr("col.points"): [f"{fmt(m.points)} / {fmt(m.max_points)}" for m in prio.measures],
                        tr("col.rules_helped"): [cell(rules_short(fw, m.rules)) for m in prio.measures],
                        tr("col.why_separate"): [
                            tr("gaps.priority.why_record" if m.kind == "record" else
                               "gaps.priority.why_survey" if fw.hasil_items[m.code].kind != "option"
                               else "gaps.priority.why_capaian") for m in prio.measures],
                    }),
                    hide_index=True,
                )
            if plan.feasible and not plan.already:
                st.page_link("views/simulasi.py", label=tr("gaps.priority.to_simulation"), icon=":material/tune:",
                             query_params=state.link_params(selection, rencana=target))

    state.write_url("soal", str(st.session_state["gap_soal"]) if st.session_state.get("gap_soal") else None)

# --------------------------------------------------------------------------- across the round

st.header(tr("gaps.across_heading", year=selection.year, stage=stage_text))
scored = state.scored_round(store, selection.year, selection.stage)
if not scored:
    st.info(tr("empty.no_round", year=selection.year, stage=stage_text))
    st.stop()

round_fw = scored[0].framework
across_target = st.segmented_control(tr("gaps.target"), [p.code for p in round_fw.predicates], key="gap_target",
                                     default=round_fw.predicates[0].code, format_func=predicate_label,
                                     required=True)
evaluations = [s.evaluation for s in scored]
area_counts = gaps.areas_holding_back(evaluations, across_target)
left, right = st.columns(2)
with left:
    if area_counts:
        fig = charts.areas_holding_back_figure(
            area_counts, area_labels=names.area_names(round_fw, lang),
            area_order=list(round_fw.area_codes), total_units=len(scored), lang=lang,
            text={"chart.holding_back.title": tr("gaps.holding_back_title", predicate=predicate_label(across_target))})
        st.plotly_chart(fig, width="stretch", theme=None, key="gap_holding_back")
    else:
        st.info(tr("gaps.no_area_minimum", framework=round_fw.name))
with right:
    rule_counts = gaps.rules_holding_back(evaluations, across_target)
    ranked = sorted(rule_counts.items(), key=lambda kv: -kv[1])
    st.markdown(f"**{tr('gaps.rules_holding_back', predicate=predicate_label(across_target))}**")
    st.dataframe(
        pd.DataFrame({
            "rule": [names.rule_name(round_fw, r, lang) for r, _ in ranked],
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

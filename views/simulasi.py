"""Simulasi: move each area's points and the hasil inputs and see the total, every rule, the
predicate and the radar change live; or fill the sliders with the minimum plan toward Menuju WBK
or Menuju WBBM. The simulation starts from the unit's round of the sidebar's year and stage, or
from its latest round; the whole simulator is one fragment, so moving a slider reruns only it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from ui.display import area_names, fmt, measure, predicate_label
from zi_metrics import analytics, charts, palette, whatif
from zi_metrics.formatting import format_percent

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]

if selection.unit_id is None:
    state.page_heading(tr("page.whatif"))
    state.demo_banner(store)
    st.info(tr("empty.no_selection") if selection.year is not None else tr("empty.no_data"))
    st.stop()

unit = state.units_of(store).get(selection.unit_id)
unit_name = (unit.short_name or unit.name) if unit else selection.unit_id
rounds = state.unit_rounds(store, selection.unit_id)
base = (analytics.round_for(rounds, selection.year, selection.stage) or analytics.latest_round(rounds)
        if rounds else None)
# the heading names the round the simulation starts from (the latest one when the sidebar's is missing)
state.page_heading(tr("page.whatif"), unit_name=unit.name if unit else unit_name,
                   year=base.year if base else selection.year, stage=base.stage if base else selection.stage)
state.demo_banner(store)
if base is None:
    st.info(tr("whatif.no_rounds", unit=unit_name))
    st.stop()

fw, card = base.framework, base.scorecard
holds_wbk = base.held_before is not None
base_areas, base_hasil = whatif.simulation_inputs(fw, card)
base_values: dict[str, Any] = {**base_areas, **base_hasil}


def key_of(code: str) -> str:
    """The slider's session-state key, also its URL query parameter."""
    return f"wi_{code}"


def set_sliders(values: dict[str, Any]) -> None:
    for code, value in values.items():
        if code in base_values:
            st.session_state[key_of(code)] = value if isinstance(value, str) else float(value)


# Another unit or round: start again from its values (a first visit keeps values given in the URL).
context = base.input.evaluation_id
if st.session_state.get("_wi_context") not in (None, context):
    set_sliders(base_values)
    st.session_state.pop("_wi_plan", None)
st.session_state["_wi_context"] = context

st.caption(tr("whatif.base_caption", unit=unit_name, year=base.year, stage=tr(f"stage.{base.stage}"),
              framework=fw.name, held=predicate_label(base.held_before)))
if (base.year, base.stage) != (selection.year, selection.stage):
    st.info(tr("whatif.latest_round_used", year=selection.year, stage=tr(f"stage.{selection.stage}"),
               base_year=base.year, base_stage=tr(f"stage.{base.stage}")))


def reset() -> None:
    set_sliders(base_values)
    st.session_state.pop("_wi_plan", None)


def apply_plan(target: str) -> None:
    st.session_state["_wi_plan"] = target
    plan = whatif.minimum_plan(fw, card, target, holds_wbk=holds_wbk)
    if plan.feasible:
        set_sliders({**base_values, **plan.area_targets, **plan.hasil_targets})


def show_plan(target: str) -> None:
    plan = whatif.minimum_plan(fw, card, target, holds_wbk=holds_wbk)
    name = predicate_label(target)
    if not plan.feasible:
        kind, details = whatif.infeasibility(fw, card, target, holds_wbk)
        if kind == "requires":
            text = tr("whatif.plan.requires", predicate=name, required=predicate_label(details["required"]))
        elif kind == "total":
            text = tr("whatif.plan.total", predicate=name, best=fmt(details["best_total"]),
                      needed=fmt(details["needed"]))
        elif kind == "hasil":
            text = tr("whatif.plan.hasil", predicate=name)
        else:
            text = tr("whatif.plan.impossible", predicate=name)
        st.warning(f"{palette.FAIL_SYMBOL} {text}")
        return
    if not plan.changes:
        st.success(f"{palette.PASS_SYMBOL} {tr('whatif.plan.already', predicate=name)}")
        return
    st.success(f"{palette.PASS_SYMBOL} " + tr("whatif.plan.summary", predicate=name,
                                               pengungkit=fmt(plan.pengungkit_increase),
                                               hasil=fmt(plan.hasil_increase)))
    if plan.binding:
        st.markdown(tr("whatif.plan.binding", rules=", ".join(analytics.rule_label(fw, r, lang)
                                                             for r in plan.binding)))

    def shown(value: Any) -> str:
        return value if isinstance(value, str) else fmt(value)

    st.dataframe(
        pd.DataFrame({
            "what": [measure(fw, c.code)
                     for c in plan.changes],
            "current": [shown(c.current) for c in plan.changes],
            "target": [shown(c.target) for c in plan.changes],
            "increase": [fmt(c.increase) for c in plan.changes],
        }),
        hide_index=True, width="stretch", key="wi_plan_table",
        column_config={
            "what": st.column_config.TextColumn(tr("col.component")),
            "current": st.column_config.TextColumn(tr("col.current")),
            "target": st.column_config.TextColumn(tr("col.target")),
            "increase": st.column_config.TextColumn(tr("col.increase")),
        },
    )


@st.fragment
def simulator() -> None:
    with st.container(horizontal=True):
        st.button(tr("whatif.reset"), key="wi_reset", on_click=reset, icon=":material/undo:")
        for pred in fw.predicates:
            st.button(tr("whatif.plan_button", predicate=predicate_label(pred.code)), key=f"wi_plan_{pred.code}",
                      on_click=apply_plan, args=(pred.code,), help=tr("whatif.plan_help"))
    controls, results = st.columns([2, 3], gap="large")
    with controls:
        st.markdown(f"**{tr('component.pengungkit')}**")
        areas = {}
        for area in fw.areas:
            areas[area.code] = st.slider(
                tr("whatif.area_slider", code=area.code, area=measure(fw, area.code), max=fmt(area.max)),
                min_value=0.0, max_value=float(area.max), value=base_areas[area.code], step=0.01, format="%.2f",
                key=key_of(area.code), bind="query-params")
        st.markdown(f"**{tr('component.hasil')}**")
        hasil: dict[str, Any] = {}
        for code, item in fw.hasil_items.items():
            if item.kind == "option":
                options = sorted(item.options or {}, key=lambda k: item.options[k])
                hasil[code] = st.select_slider(measure(fw, code), options=options, value=base_hasil[code],
                                               key=key_of(code), bind="query-params",
                                               help=tr("whatif.option_help"))
            else:
                hasil[code] = st.slider(
                    measure(fw, code), min_value=0.0, max_value=float(item.scale_max or 100.0), value=base_hasil[code],
                    step=0.01, format="%.2f", key=key_of(code), bind="query-params",
                    help=tr("whatif.survey_help" if item.kind == "survey" else "whatif.percent_help"))

    ev = whatif.simulate(fw, card, areas=areas, hasil=hasil, holds_wbk=holds_wbk)
    sim = ev.scorecard
    with results:
        m = st.columns(3)
        change = sim.total - card.total
        m[0].metric(tr("whatif.total"), fmt(sim.total),
                    delta=(("+" if change > 0 else "") + fmt(change)) if abs(change) > 1e-9 else None)
        m[1].metric(tr("col.pengungkit"), fmt(sim.pengungkit))
        m[2].metric(tr("col.hasil"), fmt(sim.hasil))
        st.metric(tr("whatif.predicate_simulated"), predicate_label(ev.predicate))
        st.caption(f"{tr('whatif.predicate_current')}: {predicate_label(base.evaluation.predicate)}")
        if ev.meets_scores.get("WBBM") and not holds_wbk:
            st.caption(tr("whatif.wbbm_needs_wbk"))
        plan_target = st.session_state.get("_wi_plan")
        if plan_target:
            st.markdown(f"**{tr('whatif.plan.heading', predicate=predicate_label(plan_target))}**")
            show_plan(plan_target)
        fig = charts.radar_figure(
            [(tr("whatif.series_current"), {c: a.percent for c, a in card.areas.items()}),
             (tr("whatif.series_simulated"), {c: a.percent for c, a in sim.areas.items()})],
            area_labels=area_names(fw), area_order=list(fw.area_codes),
            rings=analytics.area_minimum_percents(fw), series_colors=[palette.PEER_COLOR, palette.UNIT_COLOR],
            lang=lang)
        st.plotly_chart(fig, width="stretch", theme=None, key="wi_radar")
        st.caption(tr("whatif.area_percent_caption", values=", ".join(
            f"{c} {format_percent(a.percent, lang)}" for c, a in sim.areas.items())))

    # Every rule of both predicates at the simulated values, below the sliders and the radar.
    tabs = st.tabs([predicate_label(p.code) for p in fw.predicates])
    for tab, pred in zip(tabs, fw.predicates, strict=True):
        with tab:
            rules = analytics.rule_display_rows(fw, ev, pred.code, lang)
            st.dataframe(
                rules[["label", "value", "threshold", "status", "gap"]], hide_index=True, width="stretch",
                key=f"wi_rules_{pred.code}",
                column_config={
                    "label": st.column_config.TextColumn(tr("col.rule"), width="large"),
                    "value": st.column_config.TextColumn(tr("col.value")),
                    "threshold": st.column_config.TextColumn(tr("col.threshold")),
                    "status": st.column_config.TextColumn(tr("col.status")),
                    "gap": st.column_config.TextColumn(tr("col.gap")),
                },
            )

simulator()

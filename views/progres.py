"""Progres: units' totals over the years by assessor stage (with the 75 and 85 lines), the
predicate timeline (earned, kept, revoked) and the TPN − TPI drift, from the stored rounds.

Opens on the sidebar's unit at every stage it reached. The units and stages compared are kept in
the URL (``?units=<id>,<id>&tahapan=tpi,tpn``), so a copied address shows the same comparison."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import state, urlstate
from ui.display import number_formats, predicate_label
from zi_metrics import analytics, charts, palette
from zi_metrics.store import Unit

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]
PAGE = "progres"

st.title(tr("page.progress"))
demo_slot = st.empty()  # the synthetic-data banner, once the units compared are known

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()

units: dict[str, Unit] = state.units_of(store)


def short(uid: str) -> str:
    u = units.get(uid)
    return (u.short_name or u.name) if u is not None else uid


unit_ids = sorted(units, key=lambda u: short(u).lower())
notices: list[str] = []
# The sidebar's unit is where the page opens. A unit newly chosen in the sidebar replaces it when
# it was compared alone, and joins the comparison otherwise.
previous = st.session_state.get("_progres_sidebar_unit")
urlstate.seed_list(PAGE, "units", "progres_units", unit_ids, [selection.unit_id], notices)
if previous is not None and previous != selection.unit_id and selection.unit_id in units:
    kept = st.session_state["progres_units"]
    if kept == [previous]:
        st.session_state["progres_units"] = [selection.unit_id]
    elif selection.unit_id not in kept:
        st.session_state["progres_units"] = [selection.unit_id, *kept]
st.session_state["_progres_sidebar_unit"] = selection.unit_id
urlstate.seed_list(PAGE, "tahapan", "progres_stages", list(analytics.STAGES), list(analytics.STAGES), notices)

left, right = st.columns([3, 2])
chosen = left.multiselect(tr("progress.units"), unit_ids, key="progres_units", format_func=short,
                          persist_state="session")
# three stages: toggles that always show every choice (a multiselect hid the last one at 1280 px)
stages = right.pills(tr("progress.stages"), list(analytics.STAGES), selection_mode="multi", key="progres_stages",
                     format_func=lambda s: tr(f"stage_short.{s}"), persist_state="session") or []
urlstate.write_list(PAGE, "units", chosen)
urlstate.write_list(PAGE, "tahapan", stages)
for notice in notices:
    st.warning(notice)
if any(state.shows_demo(store, unit_id=uid) for uid in chosen):
    with demo_slot:
        st.caption(tr("app.demo_banner"))
if not chosen:
    st.info(tr("progress.no_units"))
    st.stop()

# Every round of the chosen units, scored once and cached per unit until the data change.
frame = analytics.progress_frame(r for uid in chosen for r in state.unit_rounds(store, uid))

# --------------------------------------------------------------------------- totals over the years
st.subheader(tr("chart.progress.title"))
series = analytics.progress_series(frame, chosen, stages)
if not series:
    st.info(tr("progress.no_rounds"))
else:
    # One unit: a colour per stage. Several: a colour per unit. Either way each stage also has its own
    # line dash and marker symbol, so stages and units differ by more than colour.
    if len(chosen) == 1:
        colors = [palette.stage_color(s) for _, s, _ in series]
    else:
        color_of = {uid: palette.series_color(i) for i, uid in enumerate(chosen)}
        colors = [color_of[uid] for uid, _, _ in series]
    fig = charts.progress_figure(
        [(f"{short(uid)} · {tr(f'stage_short.{s}')}", points) for uid, s, points in series],
        series_colors=colors,
        series_symbols=[palette.STAGE_SYMBOLS.get(s) for _, s, _ in series],
        series_dashes=[palette.STAGE_DASHES.get(s) for _, s, _ in series],
        height=460, lang=lang, text={"chart.progress.title": ""},
    )
    st.plotly_chart(fig, width="stretch", theme=None, key="progress_totals")
    if (frame["framework_id"] == "permenpanrb-52-2014").any():
        st.caption(tr("progress.recap_note"))
    with st.expander(tr("progress.table")):
        rows = frame[frame["stage"].isin(stages)]
        st.dataframe(number_formats(pd.DataFrame({
            "unit": [short(u) for u in rows["unit_id"]],
            "year": rows["year"],
            "stage": [tr(f"stage_short.{s}") for s in rows["stage"]],
            "total": rows["total"].tolist(),
            "predicate": [predicate_label(p) for p in rows["predicate"]],
        }), {"total": 2}), hide_index=True, width="stretch", column_config={
            "unit": st.column_config.TextColumn(tr("col.unit")),
            "year": st.column_config.NumberColumn(tr("col.year"), format="%d"),
            "stage": st.column_config.TextColumn(tr("col.stage")),
            "total": st.column_config.NumberColumn(tr("col.total")),
            "predicate": st.column_config.TextColumn(tr("col.predicate")),
        })

# --------------------------------------------------------------------------- predicate timeline
st.subheader(tr("chart.timeline.title"))
awards = [a for a in store.awards() if a["unit_id"] in set(chosen)]
events = analytics.timeline_events(awards, frame)
if not events:
    st.info(tr("progress.no_timeline"))
else:
    order = {uid: i for i, uid in enumerate(chosen)}
    events.sort(key=lambda e: (order[e["unit_id"]], e["year"]))
    timeline = charts.timeline_figure(
        [{"unit": short(e["unit_id"]), "year": e["year"], "predicate": predicate_label(e["predicate"]),
          "status": e["status"]} for e in events],
        lang=lang, text={"chart.timeline.title": ""},
    )
    st.plotly_chart(timeline, width="stretch", theme=None, key="progress_timeline")

# --------------------------------------------------------------------------- TPI vs TPN drift
st.subheader(tr("chart.drift.title"))
drift = analytics.drift_frame(frame)
if drift.empty:
    st.info(tr("progress.no_drift"))
else:
    order = {uid: i for i, uid in enumerate(chosen)}
    drift = drift.assign(_order=drift["unit_id"].map(order)).sort_values(["_order", "year"], kind="stable")
    rows = [(short(r.unit_id), int(r.year), float(r.tpi), float(r.tpn)) for r in drift.itertuples(index=False)]
    st.plotly_chart(charts.drift_figure(rows, lang=lang, text={"chart.drift.title": ""}),
                    width="stretch", theme=None, key="progress_drift")
    st.caption(tr("progress.drift_note"))

"""Progres: units' totals over the years by assessor stage (with the 75 and 85 lines), the
predicate timeline (earned, kept, revoked) and the TPN − TPI drift, from the stored rounds."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import state
from ui.display import number_formats, predicate_label
from zi_metrics import analytics, charts, palette
from zi_metrics.demo import KKP_PEER, PILOTS
from zi_metrics.store import Unit

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]

# Line style per stage (colour tells units apart; marker symbol and dash tell stages apart).
STAGE_DASHES = {"mandiri": "dot", "tpi_eselon1": "dash", "tpi": "dashdot", "tpn": "solid"}
# The demo's story: the two ZI pilots of Kepmen Desa PDTT No. 8/2018 and KKP's best-practice unit,
# suggested beside the sidebar unit only when such units exist in the database.
SUGGESTED = (*PILOTS, KKP_PEER)

st.title(tr("page.progress"))
demo_slot = st.empty()  # the synthetic-data banner, once the units compared are known

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()

units: dict[str, Unit] = {u.id: u for u in store.list_units()}


def short(uid: str) -> str:
    u = units.get(uid)
    return (u.short_name or u.name) if u is not None else uid


unit_ids = sorted(units, key=lambda u: short(u).lower())
# The sidebar unit, the suggested units, and a peer chosen on the profile page (?peer=<id>).
default = [u for u in (selection.unit_id, *SUGGESTED, st.query_params.get("peer")) if u in units]
default = list(dict.fromkeys(default))
# The widget is seeded through its session key (no default=), so that a unit newly chosen in the
# sidebar can join the comparison while the others stay as the user left them.
if "progres_units" not in st.session_state:
    st.session_state["progres_units"] = default
elif st.session_state.get("_progres_sidebar_unit") != selection.unit_id:
    kept = [u for u in st.session_state["progres_units"] if u in units]
    if selection.unit_id in units and selection.unit_id not in kept:
        st.session_state["progres_units"] = [selection.unit_id, *kept]
st.session_state["_progres_sidebar_unit"] = selection.unit_id
left, right = st.columns([3, 2])
chosen = left.multiselect(tr("progress.units"), unit_ids, key="progres_units", format_func=short,
                          persist_state="session")
stages = right.multiselect(tr("progress.stages"), list(analytics.STAGES), default=list(analytics.STAGES),
                           key="progres_stages", format_func=lambda s: tr(f"stage.{s}"), persist_state="session")
if any(state.shows_demo(store, unit_id=uid) for uid in chosen):
    with demo_slot:
        st.caption(tr("app.demo_banner"))
if not chosen:
    st.info(tr("progress.no_units"))
    st.stop()

# Every round of the chosen units, scored once and cached per unit until the data change.
frame = analytics.progress_frame(r for uid in chosen for r in state.unit_rounds(store, uid))

# --------------------------------------------------------------------------- totals over the years
series = analytics.progress_series(frame, chosen, stages)
if not series:
    st.info(tr("progress.no_rounds"))
else:
    color_of = {uid: palette.series_color(i) for i, uid in enumerate(chosen)}
    fig = charts.progress_figure(
        [(f"{short(uid)} · {tr(f'stage_short.{s}')}", points) for uid, s, points in series],
        series_colors=[color_of[uid] for uid, _, _ in series],
        series_symbols=[palette.STAGE_SYMBOLS.get(s) for _, s, _ in series],
        series_dashes=[STAGE_DASHES.get(s) for _, s, _ in series],
        lang=lang,
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

"""Ringkasan: every unit of the selected year and stage, ranked, with the headline figures."""

import streamlit as st

from ui import state
from ui.display import fmt, predicate_label
from zi_metrics.analytics import headline

tr = state.tr
store = state.get_store()
selection = st.session_state["selection"]

st.title(tr("page.overview"))
state.demo_banner(store)

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()

frame = state.round_overview(store, selection.year, selection.stage)
if frame.empty:
    st.info(tr("empty.no_round", year=selection.year, stage=tr(f"stage.{selection.stage}")))
    st.stop()

head = headline(frame)
cols = st.columns(5)
cols[0].metric(tr("overview.units"), head["units"])
cols[1].metric(tr("overview.meet_wbk"), head["wbk"])
cols[2].metric(tr("overview.meet_wbbm"), head["wbbm"])
cols[3].metric(tr("overview.average_total"), fmt(head["average_total"]))
cols[4].metric(tr("overview.incomplete"), head["incomplete"])

table = frame.assign(
    predicate=frame["predicate"].map(predicate_label),
    completeness=frame["completeness"] * 100,
    failing=frame["failing_next"].map(lambda rules: ", ".join(rules)),
)[["rank", "unit", "total", "pengungkit", "hasil", "predicate", "failing", "completeness", "change"]]
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "rank": st.column_config.NumberColumn("#", width="small"),
        "unit": st.column_config.TextColumn(tr("col.unit")),
        "total": st.column_config.NumberColumn(tr("col.total"), format="%.2f"),
        "pengungkit": st.column_config.NumberColumn(tr("col.pengungkit"), format="%.2f"),
        "hasil": st.column_config.NumberColumn(tr("col.hasil"), format="%.2f"),
        "predicate": st.column_config.TextColumn(tr("col.predicate")),
        "failing": st.column_config.TextColumn(tr("col.failed_rules")),
        "completeness": st.column_config.ProgressColumn(tr("col.completeness"), format="%.0f%%",
                                                        min_value=0, max_value=100),
        "change": st.column_config.NumberColumn(tr("col.change"), format="%+.2f"),
    },
)

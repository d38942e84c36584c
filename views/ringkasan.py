"""Ringkasan: every unit of the selected year and stage, ranked, with the headline figures, a
heatmap of units x areas (% of max, WBK/WBBM bands), filters by parent unit and level; selecting
a row opens that unit's profile."""

from pathlib import Path

import pandas as pd
import streamlit as st

from ui import state
from ui.display import area_names, fmt, number_formats, predicate_label, rules_text
from zi_metrics import analytics, charts
from zi_metrics.analytics import headline
from zi_metrics.framework import load_framework
from zi_metrics.report import leadership_report_pdf, round_reports

tr = state.tr
store = state.get_store()
selection = st.session_state["selection"]

# A row picked in the table opens the unit's profile page (views/profil.py; the gap analysis while
# that page does not exist). The row's callback (open_profile) has already pointed the sidebar's unit
# picker at it; the query parameters make the new page's URL name the unit, year and stage.
PROFILE_PAGE = next((p for p in ("views/profil.py", "views/kesenjangan.py")
                     if (Path(__file__).resolve().parents[1] / p).exists()), None)
opening = st.session_state.pop("_ov_open", None)
if opening and PROFILE_PAGE and selection.year is not None:
    state.open_page(PROFILE_PAGE, selection, unit=opening)

state.page_heading(tr("page.overview"), year=selection.year, stage=selection.stage)
state.demo_banner(store, year=selection.year, stage=selection.stage)

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()

full = state.round_overview(store, selection.year, selection.stage)
if full.empty:
    st.info(tr("empty.no_round", year=selection.year, stage=tr(f"stage.{selection.stage}")))
    st.stop()

units = state.unit_fields(store)
unit_label = {uid: u.get("short_name") or u.get("name", uid) for uid, u in units.items()}
filters = st.columns(2)
parent_choices = state.memo(store, ("ov_parents", selection.year, selection.stage),
                            lambda: analytics.parent_options(units, full["unit_id"]))
parents = filters[0].multiselect(tr("overview.filter_parent"), parent_choices,
                                 key="ov_parent", format_func=lambda u: unit_label.get(u, u),
                                 placeholder=tr("overview.filter_all"))
levels = filters[1].multiselect(tr("overview.filter_level"), sorted(full["level"].dropna().unique()),
                                key="ov_level", format_func=lambda lv: tr(f"level.{lv}"),
                                placeholder=tr("overview.filter_all"))
frame = analytics.filter_overview(full, units, parents, levels)
if frame.empty:
    st.info(tr("overview.filter_empty"))
    st.stop()
if len(frame) < len(full):
    st.caption(tr("overview.filtered", shown=len(frame), total=len(full)))

head = headline(frame)
cols = st.columns(5)
cols[0].metric(tr("overview.units"), head["units"])
cols[1].metric(tr("overview.meet_wbk"), head["wbk"])
cols[2].metric(tr("overview.meet_wbbm"), head["wbbm"])
cols[3].metric(tr("overview.average_total"), fmt(head["average_total"]))
cols[4].metric(tr("overview.incomplete"), head["incomplete"])

# The leadership's PDF (summary, ranking, one section per unit) of the units shown, drawn on demand.
st.download_button(
    tr("overview.leadership_pdf", count=len(frame)), key="ov_leadership_pdf", on_click="ignore",
    icon=":material/picture_as_pdf:", mime="application/pdf",
    file_name=f"laporan-pimpinan-zi-{selection.year}-{selection.stage}.pdf",
    data=lambda: leadership_report_pdf(
        round_reports(store, selection.year, selection.stage, list(frame["unit_id"]),
                      rounds_of=lambda u: state.unit_rounds(store, u)),
        year=selection.year, stage=selection.stage, lang=state.lang()))  # demo banner per unit section


def display_table() -> pd.DataFrame:
    # Labels are worked out once per distinct value (a round of 10,000 units has a few hundred
    # distinct lists of failing rules): per row, the label lookups took most of a second.
    predicate_text = {p: predicate_label(p) for p in frame["predicate"].drop_duplicates().tolist()}
    failing_keys = [(fid, tuple(rules)) for fid, rules in zip(frame["framework_id"], frame["failing_next"],
                                                               strict=True)]
    failing_text = {key: rules_text(key[0], list(key[1])) for key in set(failing_keys)}
    return frame.assign(
        predicate=[predicate_text[p] for p in frame["predicate"].tolist()],
        completeness=frame["completeness"] * 100,
        failing=[failing_text[key] for key in failing_keys],
    )[["rank", "unit", "total", "pengungkit", "hasil", "predicate", "failing", "completeness", "change"]]


# Built once per round, filter and language (state.memo), like the heatmap below.
view_key = (selection.year, selection.stage, tuple(parents), tuple(levels), state.lang())
table = state.memo(store, ("ov_table", *view_key), display_table)


def open_profile() -> None:
    """Row picked: remember the unit (and point the sidebar at it) before the next run draws it."""
    rows = st.session_state.get("ov_table", {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(frame):
        unit_id = frame["unit_id"].iloc[rows[0]]
        st.session_state["_ov_open"] = unit_id
        st.session_state["unit"] = unit_id


if PROFILE_PAGE:
    st.caption(tr("overview.select_hint"))
st.dataframe(
    number_formats(table, {"total": 2, "pengungkit": 2, "hasil": 2, "change": "+2"}),
    hide_index=True,
    width="stretch",
    key="ov_table",
    on_select=open_profile if PROFILE_PAGE else "ignore",
    selection_mode="single-row",
    column_config={
        "rank": st.column_config.NumberColumn("#", width="small"),
        "unit": st.column_config.TextColumn(tr("col.unit")),
        "total": st.column_config.NumberColumn(tr("col.total")),
        "pengungkit": st.column_config.NumberColumn(tr("col.pengungkit")),
        "hasil": st.column_config.NumberColumn(tr("col.hasil")),
        "predicate": st.column_config.TextColumn(tr("col.predicate")),
        "failing": st.column_config.TextColumn(tr("col.failed_rules")),
        "completeness": st.column_config.ProgressColumn(tr("col.completeness"), format="%.0f%%",
                                                        min_value=0, max_value=100),
        "change": st.column_config.NumberColumn(tr("col.change")),
    },
)

# Units x areas, coloured by % of each area's max, with the WBK / WBBM per-area minimums as bands.
# At most HEATMAP_UNITS rows (the first of the table's order, after the filters): 10,000 rows took
# seconds to build and minutes for the browser to draw, and could not be read anyway.
HEATMAP_UNITS = 50
fw = load_framework(frame["framework_id"].iloc[0])
heat = analytics.heatmap_data(frame.head(HEATMAP_UNITS), fw)
if len(frame) > HEATMAP_UNITS:
    st.caption(tr("overview.heatmap_capped", shown=HEATMAP_UNITS, total=len(frame)))
# The figure (about 0.1 s of plotly objects) is built once per round, filter and language.
fig = state.memo(
    store, ("ov_heatmap", *view_key),
    lambda: charts.heatmap_figure(heat.units, heat.area_order, heat.percents,
                                  area_names(fw), thresholds=heat.thresholds,
                                  lang=state.lang()))
st.plotly_chart(fig, width="stretch", theme=None, key="ov_heatmap")
if not heat.framework_has_minimum:
    st.caption(tr("overview.heatmap_no_minimum", framework=fw.name))

"""The roll-up of parent units (issue #11.5), drawn on Ringkasan (every parent in view, a row opens
its units) and on a parent's profile (the aggregate of the units under it). Figures come from
zi_metrics.rollup over the cached round overview and follow-ups (ui/state.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from ui.display import fmt
from zi_metrics import followups, overview, rollup
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.framework import Framework

OVERVIEW_PAGE = "views/ringkasan.py"


def round_followups(store: Any, year: int, stage: str) -> pd.DataFrame:
    """The follow-ups of the assessors' notes of one round, enriched (late, area, ...); the year's
    frame is shared with the Tindak lanjut page (state.memo under the same key)."""
    today = dt.date.today()
    frame = state.memo(store, ("followups", year, today), lambda: followups.enrich(store.follow_ups(year=year), today))
    return frame[frame["stage"] == stage] if not frame.empty else frame


def round_rollup(store: Any, year: int, stage: str, frame: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Every parent's roll-up of the round (cached until the data or the day changes)."""
    units = state.unit_fields(store)
    today = dt.date.today()
    return state.memo(store, ("rollup", year, stage, today),
                      lambda: rollup.rollup(frame, units, fw, round_followups(store, year, stage)))


def _followups_text(row: Any, lang: str) -> str:
    if not row.followups:
        return state.tr("rollup.followups_none")
    text = state.tr("rollup.followups_value", done=format_number(row.followups_done, lang, 0),
                    total=format_number(row.followups, lang, 0), percent=format_percent(row.percent_done, lang, 0))
    if row.followups_late:
        text += " · " + state.tr("rollup.followups_late", late=format_number(row.followups_late, lang, 0))
    return text


def rollup_table(store: Any, selection: Any, full: pd.DataFrame, chosen: Sequence[str], on_pick: Any) -> None:
    """Ringkasan's section: one row per parent in view (see rollup.scope); picking a row calls
    ``on_pick(parent_id)`` (the page filters itself to that parent)."""
    tr, lang = state.tr, state.lang()
    fw = overview.framework_of(full)
    st.subheader(tr("rollup.title"), anchor=False)
    rolled = round_rollup(store, selection.year, selection.stage, full, fw)
    units = state.unit_fields(store)
    rows, total = rollup.scope(rolled, units, chosen)
    if rows.empty:
        st.caption(tr("rollup.none"))
        return
    st.caption(tr("rollup.caption"))
    # text and plain integers, built once per view (a Styler's display values: on every run)
    shown = state.memo(store, ("rollup_table", selection.year, selection.stage, tuple(chosen), lang, dt.date.today()),
                       lambda: pd.DataFrame({
                           "parent": [units.get(p, {}).get("name", p) for p in rows["parent_id"]],
                           "wbk": rows["wbk"].astype(int),
                           "wbbm": rows["wbbm"].astype(int),
                           "below_wbk": rows["below_wbk"].astype(int),
                           "weakest": [rollup.weakest_text(w, fw, lang) for w in rows["weakest"]],
                           "done": pd.to_numeric(rows["percent_done"], errors="coerce").astype(float),
                           "late": rows["followups_late"].astype(int),
                           "units": rows["units"].astype(int),
                           "average_total": [format_number(x, lang) for x in rows["average_total"]],
                       }))

    def picked() -> None:
        selected = st.session_state.get("ov_rollup", {}).get("selection", {}).get("rows", [])
        if selected and selected[0] < len(rows):
            on_pick(rows["parent_id"].iloc[selected[0]])

    st.dataframe(
        shown,
        hide_index=True, width="stretch", key="ov_rollup", on_select=picked, selection_mode="single-row",
        row_height=72, height=38 + 72 * len(shown) + 2, placeholder="–",  # every row, names wrapped
        column_config={
            "parent": st.column_config.TextColumn(tr("rollup.col.parent"), width=200),
            "wbk": st.column_config.NumberColumn(tr("rollup.col.wbk"), width=105, help=tr("overview.meet_wbk_help"),
                                                 format="%d"),
            "wbbm": st.column_config.NumberColumn(tr("rollup.col.wbbm"), width=110, help=tr("overview.meet_wbbm"),
                                                  format="%d"),
            "below_wbk": st.column_config.NumberColumn(tr("rollup.col.below_wbk"), width=85,
                                                       help=tr("overview.below_wbk"), format="%d"),
            "weakest": st.column_config.TextColumn(tr("rollup.col.weakest"), width=180,
                                                   help=tr("rollup.col.weakest_help")),
            "done": st.column_config.ProgressColumn(tr("rollup.col.followups"), format="%.0f%%", min_value=0,
                                                    max_value=100, width=120, help=tr("rollup.col.followups_help")),
            "late": st.column_config.NumberColumn(tr("rollup.col.late"), width=80, format="%d"),
            "units": st.column_config.NumberColumn(tr("rollup.col.units"), width=70, format="%d"),
            "average_total": st.column_config.TextColumn(tr("rollup.col.average"), width=80),
        })
    if total > len(rows):
        st.caption(tr("rollup.more", shown=format_number(len(rows), lang, 0), total=format_number(total, lang, 0)))


def parent_summary(store: Any, selection: Any, unit_id: str, unit_name: str) -> None:
    """A parent's profile: the aggregate of the units under it in the sidebar's round (nothing for a
    unit without units under it)."""
    tr, lang = state.tr, state.lang()
    if selection.year is None or not any(u.get("parent_id") == unit_id for u in state.unit_fields(store).values()):
        return
    stage_text = tr(f"stage.{selection.stage}")
    st.subheader(tr("rollup.unit_title", unit=state._escaped(unit_name)), anchor=False)
    full = state.round_overview(store, selection.year, selection.stage)
    rolled = (round_rollup(store, selection.year, selection.stage, full, overview.framework_of(full))
              if not full.empty else pd.DataFrame(columns=list(rollup.COLUMNS)))
    mine = rolled[rolled["parent_id"] == unit_id]
    if mine.empty:
        st.caption(tr("rollup.unit_none", stage=stage_text, year=selection.year))
        return
    row = next(mine.itertuples())
    count = lambda n: format_number(n, lang, 0)  # noqa: E731
    st.caption(tr("rollup.unit_caption", units=count(row.units), stage=stage_text, year=selection.year))
    cols = st.columns(3)
    cols[0].metric(tr("overview.meet_wbk_short"), count(row.wbk),
                   delta=tr("overview.including_wbbm", count=count(row.wbbm)), delta_color="off", delta_arrow="off",
                   help=tr("overview.meet_wbk_help"))
    cols[1].metric(tr("overview.meet_wbbm"), count(row.wbbm))
    cols[2].metric(tr("overview.below_wbk"), count(row.below_wbk))
    fw = overview.framework_of(full)
    st.markdown(f"**{tr('overview.average_total')}:** {fmt(row.average_total)}  \n"
                f"**{tr('rollup.weakest')}:** {rollup.weakest_text(row.weakest, fw, lang)}  \n"
                f"**{tr('rollup.col.followups_count')}:** {_followups_text(row, lang)}")
    st.page_link(OVERVIEW_PAGE, label=tr("rollup.open_overview"), icon=":material/table_view:",
                 query_params=state.link_params(selection, unit=unit_id, induk=unit_id))

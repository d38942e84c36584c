"""Ringkasan: who fails, and why, in the selected year and stage. Every unit ranked, with the
predicate it holds (and since when), the predicate this round meets and, for the next predicate,
each failing rule with its value, threshold and gap; filters by parent unit, level, status and
name (all in the URL); the filtered list as an XLSX download; a heatmap of the units shown, on
demand; the roll-up of every parent unit (ministry, Ditjen: how many meet each predicate, the
weakest areas, the follow-ups' progress). Selecting a row opens that unit's profile on the same year
and stage.

At national scale the page sends only what is shown: one page of the table, the heatmap of those
rows once its section is opened; everything that depends only on the data is cached per data
version (ui/state.py)."""

from __future__ import annotations

import re

import streamlit as st

from ui import rollup as rollup_ui
from ui import state
from ui.display import area_names, fmt
from zi_metrics import charts, overview
from zi_metrics.formatting import format_number
from zi_metrics.i18n import t
from zi_metrics.overview_xlsx import overview_workbook

tr = state.tr
lang = state.lang()  # widget labels use it directly: AppTest formats options after the run
store = state.get_store()
selection = st.session_state["selection"]

PROFILE_PAGE = "views/profil.py"
PAGE_SIZE = overview.PAGE_SIZE
HEATMAP_OPEN = "ov_heatmap_open"  # the state key of the heatmap's section (open: ?peta=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A row picked in the table: its callback (open_profile) remembered the unit; open its profile on
# this page's year and stage (the link carries the language, year, stage and unit in its URL).
opening = st.session_state.pop("_ov_open", None)
if opening and selection.year is not None:
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

# --------------------------------------------------------------------------- filters (in the URL)
units = state.unit_fields(store)
unit_label = {uid: u.get("short_name") or u.get("name", uid) for uid, u in units.items()}
parent_choices = state.memo(store, ("ov_parents", selection.year, selection.stage),
                            lambda: overview.parent_options(units, full["unit_id"]))
level_choices = state.memo(store, ("ov_levels", selection.year, selection.stage),
                           lambda: sorted(full["level"].dropna().unique().tolist()))
status_choices = ["", *overview.STATUS_FILTERS]
notices: list[str] = []
state.seed_list_from_url("induk", set(parent_choices), notices, widget_key="ov_parent")
state.seed_list_from_url("tingkat", set(level_choices), notices, widget_key="ov_level")
state.seed_from_url("status", overview.STATUS_FILTERS, notices, state_key="ov_status")
search_url = state.url_values_to_apply("cari", "ov_search")
if search_url is not None:
    st.session_state["ov_search"] = search_url[0][:100]
page_url = state.url_values_to_apply("hal", "ov_page")
heatmap_url = state.url_values_to_apply("peta", HEATMAP_OPEN)
if heatmap_url is not None:  # ?peta=1: the heatmap's section opens with the page
    if heatmap_url == ["1"]:
        st.session_state[HEATMAP_OPEN] = True
    else:
        notices.append(tr("notice.invalid_url_value", param="peta", value=state.md_text(heatmap_url[0][:60])))

cols = st.columns([3, 2, 3, 3])
parents = cols[0].multiselect(tr("overview.filter_parent"), parent_choices, key="ov_parent",
                              format_func=lambda u: unit_label.get(u, u), placeholder=tr("overview.filter_all"),
                              persist_state="session")
levels = cols[1].multiselect(tr("overview.filter_level"), level_choices, key="ov_level",
                             format_func=lambda lv: t(f"level.{lv}", lang), placeholder=tr("overview.filter_all"),
                             persist_state="session")
status = cols[2].selectbox(tr("overview.filter_status"), status_choices, key="ov_status",
                           format_func=lambda s: t(f"overview.status.{s or 'all'}", lang), persist_state="session")
search = cols[3].text_input(tr("overview.search"), key="ov_search", max_chars=100,
                            placeholder=tr("overview.search_placeholder"), persist_state="session")
state.write_url_list("induk", parents)
state.write_url_list("tingkat", levels)
state.write_url("status", status or None)
state.write_url("cari", search.strip() or None)
for notice in notices:
    st.warning(notice)

filter_key = (selection.year, selection.stage, tuple(parents), tuple(levels), status, search.strip().casefold())
frame = state.memo(store, ("ov_frame", *filter_key),
                   lambda: overview.filter_overview(full, units, parents, levels, status or None, search))
if frame.empty:
    st.info(tr("overview.filter_empty"))
    st.stop()
if len(frame) < len(full):
    st.caption(tr("overview.filtered", shown=format_number(len(frame), lang, 0),
                  total=format_number(len(full), lang, 0)))

# --------------------------------------------------------------------------- headline figures
head = state.memo(store, ("ov_head", *filter_key), lambda: overview.headline(frame))
count = lambda n: format_number(n, lang, 0)  # noqa: E731
row1, row2 = st.columns(3), st.columns(3)
row1[0].metric(tr("overview.units"), count(head["units"]))
# Units meeting WBBM meet every WBK rule too: the count says they are in it.
row1[1].metric(tr("overview.meet_wbk_short"), count(head["wbk"]), help=tr("overview.meet_wbk_help"),
               delta=tr("overview.including_wbbm", count=count(head["wbbm"])), delta_color="off",
               delta_arrow="off")
row1[2].metric(tr("overview.meet_wbbm"), count(head["wbbm"]))
row2[0].metric(tr("overview.below_wbk"), count(head["below_wbk"]))
row2[1].metric(tr("overview.average_total"), fmt(head["average_total"]))
row2[2].metric(tr("overview.incomplete"), count(head["incomplete"]))

# --------------------------------------------------------------------------- the table (one page)
pages = overview.page_count(len(frame), PAGE_SIZE)
if st.session_state.get("_ov_filter_key") != filter_key:  # new filters: back to the first page
    st.session_state["_ov_filter_key"] = filter_key
    if page_url is None:
        st.session_state["ov_page"] = 1
if page_url is not None:
    if re.fullmatch(r"[1-9][0-9]{0,6}", page_url[0]) and int(page_url[0]) <= pages:
        st.session_state["ov_page"] = int(page_url[0])
    else:
        st.warning(tr("notice.invalid_url_value", param="hal", value=state.md_text(page_url[0][:60])))
st.session_state["ov_page"] = min(max(1, int(st.session_state.get("ov_page", 1))), pages)
page = st.session_state["ov_page"]
shown = overview.page_of(frame, page, PAGE_SIZE)
view_key = (*filter_key, page, lang)
# text built once per view: a Styler's display values would be rebuilt on every run
table = state.memo(store, ("ov_table", *view_key), lambda: overview.scores_as_text(overview.display_rows(shown, lang),
                                                                                  lang))


def open_profile() -> None:
    """Row picked: remember the unit (and point the sidebar at it) before the next run draws it."""
    rows = st.session_state.get("ov_table", {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(shown):
        unit_id = shown["unit_id"].iloc[rows[0]]
        st.session_state["_ov_open"] = unit_id
        st.session_state["unit"] = unit_id


def overview_filters_text() -> str:
    parts = []
    if parents:
        parts.append(f"{tr('overview.filter_parent')}: {', '.join(unit_label.get(p, p) for p in parents)}")
    if levels:
        parts.append(f"{tr('overview.filter_level')}: {', '.join(tr(f'level.{lv}') for lv in levels)}")
    if status:
        parts.append(tr(f"overview.status.{status}"))
    if search.strip():
        parts.append(f"{tr('overview.search')}: {search.strip()}")
    return "; ".join(parts)


def leadership_pdf() -> bytes:
    from zi_metrics.report import leadership_report_pdf, round_reports  # ReportLab: only when asked for

    return leadership_report_pdf(
        round_reports(store, selection.year, selection.stage, list(frame["unit_id"]),
                      rounds_of=lambda u: state.unit_rounds(store, u)),
        year=selection.year, stage=selection.stage, lang=lang)  # the demo banner per unit section


# Rows tall enough for the longest list of failing rules on this page (the cell wraps its text).
longest = max((len(text) for text in table["why"].tolist()), default=0)
lines = min(5, max(1, -(-longest // 64), -(-max(len(u) for u in table["unit"].tolist()) // 26)))
# the grid wraps a cell's text only in rows well over two default rows tall
row_height = 35 if lines == 1 else max(72, 16 + 20 * lines)
hint, xlsx, pdf = st.columns([2, 3, 5], vertical_alignment="bottom")
hint.caption(tr("overview.select_hint"))
xlsx.download_button(
    tr("overview.download"), icon=":material/download:", key="ov_download", on_click="ignore", mime=XLSX,
    data=lambda: overview_workbook(frame, lang, year=selection.year, stage=selection.stage, units=units,
                                   filters=overview_filters_text(),
                                   synthetic=state.shows_demo(store, year=selection.year, stage=selection.stage)),
    file_name=f"ringkasan-zi-{selection.year}-{selection.stage}{'-' + status if status else ''}.xlsx")
# The leadership's PDF (summary, ranking, one section per unit) of the units the filters show, on demand.
pdf.download_button(
    tr("overview.leadership_pdf", count=len(frame)), key="ov_leadership_pdf", on_click="ignore",
    icon=":material/picture_as_pdf:", mime="application/pdf",
    file_name=f"laporan-pimpinan-zi-{selection.year}-{selection.stage}.pdf",
    data=leadership_pdf)



st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="ov_table",
    on_select=open_profile,
    selection_mode="single-row",
    row_height=row_height,
    height=38 + len(table) * row_height + 2,  # the whole page of rows, no scrolling inside
    placeholder="–",
    column_order=("rank", "unit", "total", "met", "why", "held", "completeness", "change", "pengungkit", "hasil"),
    column_config={
        "rank": st.column_config.NumberColumn("#", width=40, format="%d"),
        "unit": st.column_config.TextColumn(tr("col.unit"), width=170),
        "total": st.column_config.TextColumn(tr("col.total"), width=62),
        "met": st.column_config.TextColumn(tr("col.meets_now"), width=110, help=tr("col.meets_now_help")),
        "why": st.column_config.TextColumn(tr("col.failing_next"), width="large", help=tr("col.failing_next_help")),
        "held": st.column_config.TextColumn(tr("col.held"), width=170),
        "completeness": st.column_config.ProgressColumn(tr("col.completeness"), format="%.0f%%",
                                                        min_value=0, max_value=100, width=110),
        "change": st.column_config.TextColumn(tr("col.change"), width=90),
        "pengungkit": st.column_config.TextColumn(tr("col.pengungkit"), width=90),
        "hasil": st.column_config.TextColumn(tr("col.hasil"), width=70),
    },
)
if pages > 1:
    left, right = st.columns([1, 4], vertical_alignment="center")
    left.number_input(tr("overview.page"), min_value=1, max_value=pages, step=1, key="ov_page")
    right.caption(tr("overview.page_rows", first=format_number((page - 1) * PAGE_SIZE + 1, lang, 0),
                     last=format_number(min(page * PAGE_SIZE, len(frame)), lang, 0),
                     total=format_number(len(frame), lang, 0), pages=format_number(pages, lang, 0)))
state.write_url("hal", str(page) if page > 1 else None)

# --------------------------------------------------------------------------- heatmap of the rows shown
# Units x areas, coloured by % of each area's max, with the WBK / WBBM per-area minimums as bands:
# the units of the table's page, in the table's order. Drawn when its section is opened (kept in the
# URL as peta=1): plotly.js is the heaviest script a page loads, and evaluating it on every visit
# held back the first view of the page (table, figures, filters) by about a third (bench row 3).
fw = overview.framework_of(shown)


def heatmap_figure():  # noqa: ANN201 - a plotly Figure, built once per view (state.memo)
    heat = overview.heatmap_data(shown, fw)
    return charts.heatmap_figure(heat.units, heat.area_order, heat.percents, area_names(fw),
                                 thresholds=heat.thresholds, lang=lang)


# a fixed label: Streamlit keys an expander's state on its label too (a count in it closed the
# section whenever a filter changed the count)
heatmap_section = st.expander(tr("overview.heatmap_section"), key=HEATMAP_OPEN, on_change="rerun",
                              icon=":material/grid_on:")
state.write_url("peta", "1" if heatmap_section.open else None)
if heatmap_section.open:
    with heatmap_section:
        if pages > 1:
            st.caption(tr("overview.heatmap_page"))
        st.plotly_chart(state.memo(store, ("ov_heatmap", *view_key), heatmap_figure), width="stretch", theme=None,
                        key="ov_heatmap")
        if not overview.heatmap_data(shown.head(0), fw).framework_has_minimum:
            st.caption(tr("overview.heatmap_no_minimum", framework=fw.name))


# --------------------------------------------------------------------------- roll-up per parent unit


def focus_parent(parent_id: str) -> None:
    """A roll-up row picked: the page shows that parent's units (its filter, kept in the URL)."""
    st.session_state["ov_parent"] = [parent_id]


rollup_ui.rollup_table(store, selection, full, parents, focus_parent)

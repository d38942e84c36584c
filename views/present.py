"""Presentasi: a slide deck for a coordination meeting, on a 1280x720 projector.

Slide 1 is the programme summary of the chosen units (how many meet Menuju WBK / WBBM, the area
heatmap); then one slide per unit: its radar, the rule table of both predicates and its progress
over the years. Next/previous buttons and the arrow keys step through it; the sidebar and
Streamlit's chrome are hidden. The whole deck lives in the URL (see ui/present.py), e.g.
/presentasi?tahun=2024&tahap=tpi&units=kemendesa-itjen,kkp&slide=2&tema=gelap
"""

import streamlit as st

from ui import present, state
from ui.display import area_names, fmt, predicate_label
from zi_metrics import analytics, charts, palette

tr = state.tr
lang = state.lang()
store = state.get_store()
selection = st.session_state["selection"]
notices = list(selection.notices)

if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()

year, stage = selection.year, selection.stage
stage_label = tr(f"stage.{stage}")
frame = state.round_overview(store, year, stage)
options = list(frame["unit_id"]) if not frame.empty else []
short = dict(zip(frame["unit_id"], frame["short_name"], strict=True)) if options else {}
names = dict(zip(frame["unit_id"], frame["unit"], strict=True)) if options else {}

# ---- the control bar: previous · counter · next · settings (filled out of order: the counter
# needs the units chosen in the settings popover)
bar = st.columns([1.5, 2.2, 1.5, 3.8, 1.7], vertical_alignment="center")
with bar[4].popover(tr("present.settings"), width="stretch"):
    present.seed_units(options, short, notices, year=year, stage_label=stage_label)
    unit_ids = st.multiselect(tr("present.units"), options, key=present.UNITS_KEY, persist_state="session",
                              format_func=lambda u: short.get(u, u), placeholder=tr("present.units_placeholder"))
    present.seed_theme(notices)
    theme_labels = {v: tr(f"present.theme.{v}") for v in present.THEMES}
    theme = st.segmented_control(tr("present.theme"), present.THEMES, key=present.THEME_KEY, required=True,
                                 persist_state="session", format_func=theme_labels.__getitem__)
    st.caption(tr("present.keys_hint"))
    state.copy_link_button()
    st.page_link("views/ringkasan.py", label=tr("present.exit"), icon="↩",
                 query_params=state.link_params(selection))  # back on the deck's year and stage

total = 1 + len(unit_ids)
slide = present.current_slide(total, notices)
bar[0].button(tr("present.prev"), key=present.PREV_KEY, on_click=present.step, args=(-1, total),
              disabled=slide <= 1, width="stretch")
bar[2].button(tr("present.next"), key=present.NEXT_KEY, on_click=present.step, args=(1, total),
              disabled=slide >= total, width="stretch")
with bar[1]:
    st.html(present.counter_html(slide, total, lang) + present.KEYBOARD_JS, unsafe_allow_javascript=True)
present.write_deck_url(unit_ids, slide, theme)

lk = present.look(theme)
st.html(present.deck_css(lk))
for notice in notices:
    st.warning(notice)

# every screen with demo data says the scores are synthetic: the round, or a unit's slides
if state.shows_demo(store, year=year, stage=stage) or any(state.shows_demo(store, unit_id=u) for u in unit_ids):
    bar[3].html(present.note_html(tr("app.demo_banner")))
chart_options = {"dark": lk.dark, "large": True, "lang": lang}
plot_config = {"displayModeBar": False, "responsive": True}

if slide == 1:
    # ---- programme summary
    st.html(present.head_html(tr("present.summary.title", year=year, stage=stage_label),
                              tr("present.summary.subtitle", count=len(unit_ids))))
    if not unit_ids:
        st.info(tr("present.no_units"))
        st.stop()
    chosen = frame.set_index("unit_id").loc[unit_ids].reset_index()
    head = analytics.headline(chosen)
    st.html(present.tiles_html([
        (tr("overview.units"), str(head["units"])),
        (tr("overview.meet_wbk"), str(head["wbk"])),
        (tr("overview.meet_wbbm"), str(head["wbbm"])),
        (tr("overview.average_total"), fmt(head["average_total"])),
    ]))
    fw = analytics.round_for(state.unit_rounds(store, unit_ids[0]), year, stage).framework
    data = analytics.heatmap_data(chosen, fw)
    heat = charts.heatmap_figure(data.units, data.area_order, data.percents, {c: c for c in data.area_order},
                                 thresholds=data.thresholds, text={"chart.heatmap.title": ""}, **chart_options)
    # the band legend under the chart says what the colours mean: no colour bar beside it
    heat.update_traces(showscale=False)
    heat.update_annotations(selector={"name": "band_legend"}, font_size=17)  # one line across the slide
    heat.update_layout(height=min(460, max(260, 110 + 40 * len(unit_ids))), margin={"t": 50, "b": 50})
    with st.container(key="zi_heatmap"):
        st.html(present.heading_html(tr("chart.heatmap.title")))
        st.plotly_chart(heat, width="stretch", theme=None, config=plot_config, key="zi_heatmap_chart")
    names = area_names(fw)
    notes = [tr("present.summary.areas", areas=" · ".join(f"{c} {names[c]}" for c in data.area_order))]
    if not data.framework_has_minimum:
        notes.append(tr("present.summary.no_area_minimum", framework=fw.name))
    st.html(present.captions_html(notes))
else:
    # ---- one unit
    unit_id = unit_ids[slide - 2]
    rounds = state.unit_rounds(store, unit_id)
    rnd = analytics.round_for(rounds, year, stage)
    ev = rnd.evaluation
    badge = tr("present.unit.predicate", predicate=predicate_label(ev.predicate))
    if rnd.scorecard.provisional:
        badge += f" ({tr('present.provisional')})"
    badge_color = lk.pass_color if ev.predicate else lk.fail_color
    st.html(present.head_html(present.slide_title(names.get(unit_id, unit_id), short.get(unit_id, unit_id)),
                              tr("present.unit.subtitle", year=year, stage=stage_label)
                              + " · " + tr("present.unit.total", total=fmt(rnd.scorecard.total)),
                              badge=badge, badge_color=badge_color))
    fw = rnd.framework
    codes = list(fw.area_codes)
    left, middle, right = st.columns([0.29, 0.43, 0.28])
    with left.container(key="zi_radar"):
        st.html(present.heading_html(tr("chart.radar.title")))
        radar = charts.radar_figure([(short.get(unit_id, unit_id), analytics.area_percents(rnd))],
                                    {c: c for c in codes}, codes, analytics.area_minimum_percents(fw),
                                    series_colors=[palette.stage_color(stage)],
                                    text={"chart.radar.title": ""}, **chart_options)
        # the rings' legend names 60 % and 75 %; radial tick labels would crowd the small polar
        radar.update_polars(radialaxis_showticklabels=False)
        radar.update_layout(height=480, margin={"l": 40, "r": 40, "t": 30, "b": 90})
        st.plotly_chart(radar, width="stretch", theme=None, config=plot_config, key="zi_radar_chart")
    with middle.container(key="zi_rules"):
        st.html(present.heading_html(tr("present.rules.title")))
        st.html(present.rule_table_html(analytics.rule_table(ev), fw, rnd.held_before,
                                        [p.code for p in fw.predicates], lk, lang))
    with right.container(key="zi_progress"):
        st.html(present.heading_html(tr("chart.progress.title")))
        series = analytics.progress_series(analytics.progress_frame(rounds), [unit_id], [stage])
        progress = charts.progress_figure([(stage_label, points) for _, _, points in series],
                                          series_colors=[palette.stage_color(stage)],
                                          text={"chart.progress.title": "", "col.year": "", "col.total": ""},
                                          **chart_options)
        years = [y for _, _, points in series for y, _ in points]
        if years and max(years) - min(years) >= 4:  # a narrow column: fewer, upright year labels
            progress.update_xaxes(dtick=4 if max(years) - min(years) >= 8 else 2, tickangle=0)
        progress.update_layout(height=480, showlegend=False, margin={"l": 50, "r": 20, "t": 30, "b": 50})
        st.plotly_chart(progress, width="stretch", theme=None, config=plot_config, key="zi_progress_chart")

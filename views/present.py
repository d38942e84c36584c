"""Presentasi: a slide deck for a coordination meeting, on a 1280x720 projector.

The programme summary of the chosen units comes first (how many meet Menuju WBK / WBBM, the area
heatmap, seven units a slide); then two slides per unit: its radar with the rule table of both
predicates, and its total score over the years at every stage with its predicate history.
Buttons and the keyboard (arrows, Page Up/Down, Home, End) step through it; the sidebar and
Streamlit's chrome are hidden, nothing scrolls and no text is under 18 px. The whole deck lives in
the URL (see ui/present.py), e.g.
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

# ---- the control bar: first · previous · counter · next · last · note · settings (filled out of
# order: the counter needs the units chosen in the settings popover)
bar = st.columns([0.55, 1.6, 1.5, 1.6, 0.55, 2.6, 1.8], vertical_alignment="center")
with bar[6].popover(tr("present.settings"), icon=":material/settings:", width="stretch"):
    present.seed_units(options, short, notices, year=year, stage_label=stage_label)
    unit_ids = st.multiselect(tr("present.units"), options, key=present.UNITS_KEY, persist_state="session",
                              format_func=lambda u: short.get(u, u), placeholder=tr("present.units_placeholder"))
    present.seed_theme(notices)
    theme_labels = {v: tr(f"present.theme.{v}") for v in present.THEMES}
    theme = st.segmented_control(tr("present.theme"), present.THEMES, key=present.THEME_KEY, required=True,
                                 persist_state="session", format_func=theme_labels.__getitem__)
    st.caption(tr("present.keys_hint"))
    state.copy_link_button()
    st.page_link("views/ringkasan.py", label=tr("present.exit"), icon=":material/logout:",
                 query_params=state.link_params(selection))  # back on the deck's year and stage

summary_parts = present.summary_slides(len(unit_ids))
total = present.deck_size(len(unit_ids))
slide = present.current_slide(total, notices)
bar[0].button("", key=present.FIRST_KEY, icon=":material/first_page:", help=tr("present.first"),
              on_click=present.jump, args=(1,), disabled=slide <= 1, width="stretch")
bar[1].button(tr("present.prev"), key=present.PREV_KEY, icon=":material/chevron_left:", on_click=present.step,
              args=(-1, total), disabled=slide <= 1, width="stretch")
bar[3].button(tr("present.next"), key=present.NEXT_KEY, icon=":material/chevron_right:", icon_position="right",
              on_click=present.step, args=(1, total), disabled=slide >= total, width="stretch")
bar[4].button("", key=present.LAST_KEY, icon=":material/last_page:", help=tr("present.last"),
              on_click=present.jump, args=(total,), disabled=slide >= total, width="stretch")
with bar[2]:
    st.html(present.counter_html(slide, total, lang) + present.KEYBOARD_JS, unsafe_allow_javascript=True)
present.write_deck_url(unit_ids, slide, theme)

lk = present.look(theme)
st.html(present.deck_css(lk))
for notice in notices:
    st.warning(notice)

# every screen with demo data says the scores are synthetic: the round, or a unit's slides
if state.shows_demo(store, year=year, stage=stage) or any(state.shows_demo(store, unit_id=u) for u in unit_ids):
    bar[5].html(present.note_html(tr("present.demo_note"), title=tr("app.demo_banner")))
chart_options = {"dark": lk.dark, "large": True, "lang": lang}
plot_config = {"displayModeBar": False, "responsive": True}
kind, index = present.slide_content(slide, len(unit_ids))

if kind == "summary":
    # ---- programme summary, SUMMARY_ROWS units a slide
    subtitle = (tr("present.summary.subtitle", count=len(unit_ids)) if summary_parts == 1 else
                tr("present.summary.subtitle_paged", count=len(unit_ids), page=index + 1, pages=summary_parts))
    st.html(present.head_html(tr("present.summary.title", year=year, stage=stage_label), subtitle))
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
    part = unit_ids[index * present.SUMMARY_ROWS:(index + 1) * present.SUMMARY_ROWS]
    fw = analytics.round_for(state.unit_rounds(store, part[0]), year, stage).framework
    data = analytics.heatmap_data(frame.set_index("unit_id").loc[part].reset_index(), fw)
    heat = charts.heatmap_figure(data.units, data.area_order, data.percents, {c: c for c in data.area_order},
                                 thresholds=data.thresholds, row_height=40, band_legend="row",
                                 text={"chart.heatmap.title": ""}, **chart_options)
    with st.container(key="zi_heatmap"):
        st.html(present.heading_html(tr("chart.heatmap.title")))
        st.plotly_chart(heat, width="stretch", theme=None, config=plot_config, key="zi_heatmap_chart")
    names = area_names(fw)
    notes = [tr("present.summary.areas", areas=" · ".join(f"{c} {names[c]}" for c in data.area_order))]
    if not data.framework_has_minimum:
        notes.append(tr("present.summary.no_area_minimum", framework=fw.name))
    st.html(present.captions_html(notes))
elif kind == "unit":
    # ---- one unit's standing: radar and rules
    unit_id = unit_ids[index]
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
    left, right = st.columns([0.45, 0.55], gap="small")
    with left.container(key="zi_radar"):
        rings = analytics.area_minimum_percents(fw)
        radar = charts.radar_figure([(tr(f"stage_short.{stage}"), analytics.area_percents(rnd))],
                                    {c: c for c in codes}, codes, rings,
                                    series_colors=[palette.stage_color(stage)],
                                    series_symbols=[palette.STAGE_SYMBOLS.get(stage)],
                                    text={"chart.radar.title": ""}, diameter=420, legend=False, **chart_options)
        # the rings are named under the chart: radial tick labels would only crowd the circle
        radar.update_polars(radialaxis_showticklabels=False)
        st.plotly_chart(radar, width="stretch", theme=None, config=plot_config, key="zi_radar_chart")
        st.html(present.ring_legend_html(rings, lang))
    with right.container(key="zi_rules"):
        st.html(present.heading_html(tr("present.rules.title")))
        st.html(present.rule_table_html(analytics.rule_table(ev), fw, rnd.held_before,
                                        [p.code for p in fw.predicates], lk, lang))
else:
    # ---- one unit's totals over the years, every stage, and its predicate history
    unit_id = unit_ids[index]
    rounds = state.unit_rounds(store, unit_id)
    frame_unit = analytics.progress_frame(rounds)
    st.html(present.head_html(present.slide_title(names.get(unit_id, unit_id), short.get(unit_id, unit_id)),
                              tr("present.progress.subtitle")))
    with st.container(key="zi_progress"):
        series = analytics.progress_series(frame_unit, [unit_id], list(analytics.STAGES))
        progress = charts.progress_figure(
            [(tr(f"stage_short.{s}"), points) for _, s, points in series],
            series_colors=[palette.stage_color(s) for _, s, _ in series],
            series_symbols=[palette.STAGE_SYMBOLS.get(s) for _, s, _ in series],
            series_dashes=[palette.STAGE_DASHES.get(s) for _, s, _ in series],
            text={"chart.progress.title": "", "col.year": "", "col.total": ""}, height=370, **chart_options)
        st.plotly_chart(progress, width="stretch", theme=None, config=plot_config, key="zi_progress_chart")
    with st.container(key="zi_timeline"):
        st.html(present.heading_html(tr("chart.timeline.title")))
        events = analytics.timeline_events(store.awards(unit_id), frame_unit)
        if events:
            timeline = charts.timeline_figure(
                [{"unit": short.get(unit_id, unit_id), "year": e["year"], "predicate": predicate_label(e["predicate"]),
                  "status": e["status"]} for e in events],
                text={"chart.timeline.title": "", "col.year": ""}, **chart_options)
            timeline.update_layout(height=190)
            st.plotly_chart(timeline, width="stretch", theme=None, config=plot_config, key="zi_timeline_chart")
        else:
            st.html(present.captions_html([tr("progress.no_timeline")]))

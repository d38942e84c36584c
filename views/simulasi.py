"""Simulasi: change LKE answers, each area's points and the hasil inputs, and see the total, every
rule, the predicate and the radar change live; or apply the minimum plan toward Menuju WBK or
Menuju WBBM. For a round scored from answers the plan is the one down to answers (answer_plan):
applying it changes those answers (listed, each from -> to in words), moves the area sliders to
the points the new answers give and the hasil sliders to the plan's values; a recap round gets
the per-area plan. One question's answer can also be changed by hand.

Every slider has a typed twin that shows and takes the value in the interface's number format
(3,61 in Indonesian); the slider's own numbers are hidden so that one format shows. Only the
sliders and the results are a fragment: moving a slider reruns that part alone, with nothing
recomputed that depends only on the data. URL: the sliders' ``wi_<code>`` values (bound), and
``rencana=WBK|WBBM`` (the Analisis kesenjangan page links with it) applies that plan on arrival.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import state, urlstate
from ui.display import TABLE_CSS, html_table, md_escape, predicate_label
from zi_metrics import analytics, charts, names, palette, whatif
from zi_metrics.answer_plan import answer_plan
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.framework import load_framework
from zi_metrics.i18n import t
from zi_metrics.priorities import answer_words, blocker_text, hasil_words, option_words
from zi_metrics.scoring import with_changes

lang = state.lang()


def tr(key: str, **kwargs: Any) -> str:
    """state.tr in this run's language, looked up once: the fragment's texts are many."""
    return t(key, lang, **kwargs)


def fmt(value: Any, decimals: int = 2) -> str:
    return format_number(value, lang, decimals)


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
state.demo_banner(store, unit_id=selection.unit_id)  # the simulation starts from one of the unit's rounds
if base is None:
    st.info(tr("whatif.no_rounds", unit=md_escape(unit_name)))
    st.stop()

fw, card = base.framework, base.scorecard
holds_wbk = base.held_before is not None
answers_round = card.source == "answers"
base_areas, base_hasil = whatif.simulation_inputs(fw, card)
base_values: dict[str, Any] = {**base_areas, **base_hasil}
eid = base.input.evaluation_id


def cell(text: Any) -> str:
    """Text for a st.table cell (which renders Markdown), shown as written."""
    return md_escape(text)


def key_of(code: str) -> str:
    """The slider's session-state key, also its URL query parameter."""
    return f"wi_{code}"


def typed_key(code: str) -> str:
    return f"wi_typed_{code}"


def set_sliders(values: dict[str, Any]) -> None:
    for code, value in values.items():
        if code in base_values:
            st.session_state[key_of(code)] = value if isinstance(value, str) else float(value)


def plan_for(target: str) -> Any:
    """The plan toward ``target`` (down to answers, or per area for a recap), kept until the data change."""
    if answers_round:
        return state.memo(store, ("wi_answer_plan", eid, target, holds_wbk),
                          lambda: answer_plan(fw, card, target, holds_wbk))
    return state.memo(store, ("wi_area_plan", eid, target, holds_wbk),
                      lambda: whatif.minimum_plan(fw, card, target, holds_wbk=holds_wbk))


def derived(changes: dict[int, Any]) -> Any:
    """The round re-scored with ``changes`` to its answers (the base itself without changes)."""
    if not changes:
        return card
    key = tuple(sorted(changes.items()))
    cache = st.session_state.setdefault("_wi_derived", {})
    if key not in cache:
        cache.clear()  # one entry: the changes being simulated
        cache[key] = with_changes(fw, card, answers=changes)
    return cache[key]


def change_points(question: int, value: Any) -> float:
    """What one answer change alone adds to the total (re-scored once per change and round)."""
    cache = st.session_state.setdefault("_wi_points", {})
    key = (eid, question, value)
    if key not in cache:
        cache[key] = with_changes(fw, card, answers={question: value}).total - card.total
    return cache[key]


def reset() -> None:
    set_sliders(base_values)
    st.session_state.pop("_wi_plan", None)
    st.session_state["_wi_answers"] = {}


def apply_answers(changes: dict[int, Any]) -> None:
    """Simulate these answer changes: the area sliders take the points the answers give."""
    st.session_state["_wi_answers"] = dict(changes)
    set_sliders(derived(changes).area_points())


def apply_plan(target: str) -> None:
    st.session_state["_wi_plan"] = target
    plan = plan_for(target)
    if not plan.feasible:
        return
    if answers_round:
        apply_answers(plan.answers)
        set_sliders({**base_hasil, **{c: v for c, v in plan.hasil.items() if v is not None}})
    else:
        set_sliders({**base_values, **plan.area_targets, **plan.hasil_targets})


# Another unit or round: start again from its values (a first visit keeps values given in the URL).
if st.session_state.get("_wi_context") not in (None, eid):
    reset()
st.session_state["_wi_context"] = eid
st.session_state.setdefault("_wi_answers", {})

notices: list[str] = []
requested = state.url_param_if_new("rencana")
if requested is not None:
    if requested in [p.code for p in fw.predicates]:
        apply_plan(requested)
    else:
        notices.append(tr("notice.invalid_url_value", param="rencana", value=state.md_text(requested[:60])))
    state.write_url("rencana", None)
# A slider bound to the URL drops a ?wi_ value it cannot take without a word: say so, as for any
# other bad parameter (ui.urlstate.bound_param_notices).
wi_checks = {key_of(a.code): urlstate.number_check(0, a.max) for a in fw.areas}
for code, item in fw.hasil_items.items():
    wi_checks[key_of(code)] = (urlstate.option_check(item.options or {}) if item.kind == "option"
                               else urlstate.number_check(0, float(item.scale_max or 100.0)))
notices += urlstate.bound_param_notices("wi_", wi_checks)
for notice in notices:
    st.warning(notice)

st.caption(tr("whatif.base_caption", unit=md_escape(unit_name), year=base.year, stage=tr(f"stage.{base.stage}"),
              framework=fw.name, held=predicate_label(base.held_before)))
if (base.year, base.stage) != (selection.year, selection.stage):
    st.info(tr("whatif.latest_round_used", year=selection.year, stage=tr(f"stage.{selection.stage}"),
               base_year=base.year, base_stage=tr(f"stage.{base.stage}")))

with st.container(horizontal=True):
    st.button(tr("whatif.reset"), key="wi_reset", on_click=reset, icon=":material/undo:")
    for pred in fw.predicates:
        st.button(tr("whatif.plan_button", predicate=predicate_label(pred.code)), key=f"wi_plan_{pred.code}",
                  on_click=apply_plan, args=(pred.code,),
                  help=tr("whatif.plan_help_answers" if answers_round else "whatif.plan_help"))


# --------------------------------------------------------------------------- the plan applied


def show_answer_plan(target: str) -> None:
    plan, name = plan_for(target), predicate_label(target)
    if plan.already:
        st.success(f"{palette.PASS_SYMBOL} {tr('whatif.plan.already', predicate=name)}")
        return
    if not plan.feasible:
        reasons = "; ".join(blocker_text(fw, b, lang) for b in plan.blockers)
        st.warning(f"{palette.FAIL_SYMBOL} {tr('whatif.plan.unreachable', predicate=name, reasons=reasons)}")
        return
    if plan.lke_changes:
        st.success(f"{palette.PASS_SYMBOL} " + tr("whatif.plan.answers_summary", predicate=name,
                                                   changes=len(plan.lke_changes), steps=plan.lke_steps,
                                                   points=fmt(plan.points)))
    else:
        st.success(f"{palette.PASS_SYMBOL} {tr('whatif.plan.hasil_only', predicate=name, points=fmt(plan.points))}")
    if plan.hasil_changes:
        st.markdown(tr("whatif.plan.hasil_changes", changes="; ".join(
            f"{names.measure_name(fw, c.code, lang)} {hasil_words(fw, c.code, c.current, lang)} → "
            f"{hasil_words(fw, c.code, c.target, lang)}" for c in plan.hasil_changes)))
    if plan.binding:
        st.markdown(tr("whatif.plan.binding", rules=", ".join(names.rule_name(fw, r, lang) for r in plan.binding)))


def show_area_plan(target: str) -> None:
    plan, name = plan_for(target), predicate_label(target)
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
        st.markdown(tr("whatif.plan.binding", rules=", ".join(names.rule_name(fw, r, lang) for r in plan.binding)))

    def shown(code: str, kind: str, value: Any) -> str:
        return hasil_words(fw, code, value, lang) if kind == "hasil" else fmt(value)

    st.dataframe(
        pd.DataFrame({
            "what": [names.measure_name(fw, c.code, lang) for c in plan.changes],
            "current": [shown(c.code, c.kind, c.current) for c in plan.changes],
            "target": [shown(c.code, c.kind, c.target) for c in plan.changes],
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


plan_target = st.session_state.get("_wi_plan")
if plan_target:
    st.markdown(f"**{tr('whatif.plan.heading', predicate=predicate_label(plan_target))}**")
    (show_answer_plan if answers_round else show_area_plan)(plan_target)

# --------------------------------------------------------------------------- sliders and results

# One number format: the sliders' own numbers (printf-style, always a decimal point) are hidden;
# the typed field beside each slider shows the value in the interface's format, as its placeholder
# (see parse_typed), drawn in the text's own colour: it reads as the value, and typing replaces it.
_codes = [*fw.area_codes, *(c for c, i in fw.hasil_items.items() if i.kind != "option")]
_hidden = ",".join(f".st-key-{key_of(c)} [data-testid='{part}']" for c in _codes
                   for part in ("stSliderThumbValue", "stSliderTickBar"))
_as_value = ",".join(f".st-key-{typed_key(c)} input::placeholder" for c in _codes)
st.html(f"<style>{_hidden} {{ display: none; }} {_as_value} {{ color: inherit; opacity: 1; }} {TABLE_CSS}</style>")


# Why a twin shows its slider's value as its placeholder and holds no text of its own: every
# rerun request carries the text each twin has in the browser when it leaves. In a burst of key
# presses, requests leave before the runs of the earlier presses reach the browser, and Streamlit
# merges requests queued behind a run into one (right then left can arrive as no move at all).
# When the server wrote the slider's value into the twin on every move, such a request carried an
# older text than the server's, which looked typed and set the slider back to it; the twin could
# end on another value than the slider (3 bursts in 12 measured), and a slider set again to its own
# value was sent that value, undoing a press made meanwhile. A twin whose text is empty unless a
# person types sends nothing old: its text changes only by typing, and is emptied once applied.
# The one old text left is the typed one itself, sent again by a request that left before the
# browser had the emptied twin (typing, then at once moving the slider): it is not applied twice.
APPLIED_KEY = "_wi_typed_applied"  # per twin: the text last applied, until the browser sends it emptied
PARSED_KEY = "_wi_typed_parsed"  # the twins parse_typed emptied in this request


def parse_typed(code: str, low: float, high: float) -> None:
    """Text typed in a twin: move the slider there, or keep the slider and say what was wrong."""
    text = st.session_state.get(typed_key(code), "")
    if not text.strip():
        return  # emptied (by the person, or by this page after the last typed value)
    st.session_state[typed_key(code)] = ""  # the placeholder shows the slider's value again
    st.session_state.setdefault(PARSED_KEY, set()).add(code)
    applied = st.session_state.setdefault(APPLIED_KEY, {})
    if applied.get(code) == text:
        return  # sent again before the browser had the emptied twin (see above)
    value = whatif.parse_typed_number(text, lang)
    if value is None or not low - 1e-9 <= value <= high + 1e-9:
        st.session_state["_wi_typed_error"] = (code, text)  # said again if sent again: harmless
        return
    st.session_state.pop("_wi_typed_error", None)
    applied[code] = text
    value = round(min(max(value, low), high), 2)
    # only a new value: setting a slider, even to the value it has, sends the browser that value,
    # which would undo a key press made since this request left
    if value != st.session_state.get(key_of(code)):
        st.session_state[key_of(code)] = value


TYPED_WIDTH = 80  # px: "100,00" with room to spare, about the width the columns gave it


def paired_slider(code: str, label: str, high: float, help_text: str | None = None) -> float:
    # one flex row (a block and two widgets) rather than columns (three blocks): fewer elements to
    # send and redraw on every move
    pair = st.container(horizontal=True, vertical_alignment="bottom")
    # the start value only for a first draw: afterwards the session state (or the URL) holds it
    initial = {} if key_of(code) in st.session_state else {"value": float(base_values[code])}
    value = pair.slider(label, min_value=0.0, max_value=float(high), step=0.01, format="%.2f", key=key_of(code),
                        bind="query-params", help=help_text, **initial)
    shown = fmt(value)
    parsed = st.session_state.setdefault(PARSED_KEY, set())
    if code in parsed:
        parsed.discard(code)  # emptied by this request's parse_typed, not yet by the browser
    elif not st.session_state.get(typed_key(code)):
        st.session_state.get(APPLIED_KEY, {}).pop(code, None)  # the browser sent the twin empty
    pair.text_input(tr("whatif.typed_label", what=label), key=typed_key(code), label_visibility="collapsed",
                    placeholder=shown, on_change=parse_typed, args=(code, 0.0, float(high)), width=TYPED_WIDTH,
                    help=tr("whatif.typed_help", low=fmt(0), high=fmt(high)))
    error = st.session_state.get("_wi_typed_error")
    if error and error[0] == code:
        st.error(tr("whatif.typed_invalid", value=md_escape(error[1][:40]), low=fmt(0), high=fmt(high)))
        st.session_state.pop("_wi_typed_error", None)
    return value


@st.cache_resource(show_spinner=False, max_entries=32)
def radar_template(framework_id: str, language: str, current: str, simulated: str) -> dict[str, Any]:
    """The radar without its values, as plain data (charts.radar_template), once per framework and
    language: a slider move only fills in the values (charts.radar_fill, no figure validation)."""
    frame = load_framework(framework_id)
    return charts.radar_template(names.area_names(frame, language), list(frame.area_codes), [current, simulated],
                                 analytics.area_minimum_percents(frame),
                                 series_colors=[palette.PEER_COLOR, palette.UNIT_COLOR], lang=language)


_RULE_COLUMNS = ("label", "value", "threshold", "status", "gap")
rule_header = [tr(k) for k in ("col.rule", "col.value", "col.threshold", "col.status", "col.gap")]
area_labels = {a.code: tr("whatif.area_slider", code=a.code, area=names.measure_name(fw, a.code, lang),
                          max=fmt(a.max)) for a in fw.areas}
current_percents = {c: a.percent for c, a in card.areas.items()}


@st.fragment
def simulator() -> None:
    answer_changes = st.session_state.get("_wi_answers", {})
    start = derived(answer_changes)
    controls, results = st.columns([2, 3], gap="large")
    with controls:
        st.markdown(f"**{tr('component.pengungkit')}**")
        areas = {a.code: paired_slider(a.code, area_labels[a.code], a.max) for a in fw.areas}
        st.markdown(f"**{tr('component.hasil')}**")
        hasil: dict[str, Any] = {}
        for code, item in fw.hasil_items.items():
            label = names.measure_name(fw, code, lang)
            if item.kind == "option":
                options = sorted(item.options or {}, key=lambda k: item.options[k])
                initial = {} if key_of(code) in st.session_state else {"value": base_hasil[code]}
                hasil[code] = st.select_slider(label, options=options, key=key_of(code), bind="query-params",
                                               help=tr("whatif.option_help"), **initial)
                st.caption(hasil_words(fw, code, hasil[code], lang))
            else:
                hasil[code] = paired_slider(code, label, float(item.scale_max or 100.0),
                                            tr("whatif.survey_help" if item.kind == "survey"
                                               else "whatif.percent_help"))

    # An area slider left where the answers put it keeps the answers' detail; one moved by hand
    # replaces that area's points.
    overrides = {c: v for c, v in areas.items() if abs(v - start.areas[c].score) > 1e-9}
    ev = whatif.simulate_points(fw, {**start.area_points(), **overrides}, hasil, holds_wbk)
    sim = ev.scorecard
    with results:
        row = st.container(horizontal=True)  # one block, not three columns
        change = sim.total - card.total
        row.metric(tr("whatif.total"), fmt(sim.total),
                   delta=(("+" if change > 0 else "") + fmt(change)) if abs(change) > 1e-9 else None)
        row.metric(tr("col.pengungkit"), fmt(sim.pengungkit))
        row.metric(tr("col.hasil"), fmt(sim.hasil))
        st.metric(tr("whatif.predicate_simulated"), predicate_label(ev.predicate))
        st.caption(f"{tr('whatif.predicate_current')}: {predicate_label(base.evaluation.predicate)}")
        if answer_changes:
            st.caption(tr("whatif.answers.active", count=len(answer_changes)))
        if ev.meets_scores.get("WBBM") and not holds_wbk:
            st.caption(tr("whatif.wbbm_needs_wbk"))
        template = radar_template(fw.id, lang, tr("whatif.series_current"), tr("whatif.series_simulated"))
        fig = charts.radar_fill(template, [current_percents, {c: a.percent for c, a in sim.areas.items()}])
        st.plotly_chart(fig, width="stretch", theme=None, key="wi_radar")
        st.caption(tr("whatif.area_percent_caption", values=", ".join(
            f"{c} {format_percent(a.percent, lang)}" for c, a in sim.areas.items())))

    # Every rule of both predicates at the simulated values, below the sliders and the radar.
    tabs = st.tabs([predicate_label(p.code) for p in fw.predicates])
    for tab, pred in zip(tabs, fw.predicates, strict=True):
        with tab:
            # plain HTML, not a data grid: a dozen rows redrawn on every slider move
            rules = analytics.rule_display_records(fw, ev, pred.code, lang)
            st.html(html_table(rule_header, ([r[c] for c in _RULE_COLUMNS] for r in rules), right=(1, 2)))


simulator()


# --------------------------------------------------------------------------- answer changes

changes: dict[int, Any] = st.session_state["_wi_answers"]
if answers_round:
    if changes:
        st.markdown(f"**{tr('whatif.answers.heading', count=len(changes))}**")
        rows = sorted(changes.items())
        st.table(
            pd.DataFrame({
                tr("col.question"): [cell(f"{fw.questions[q].area} · [{q}] {fw.questions[q].text}") for q, _ in rows],
                tr("col.answer_from"): [cell(answer_words(fw, q, card.answers.get(q), lang, card.answers))
                                        for q, _ in rows],
                tr("col.answer_to"): [cell(answer_words(fw, q, v, lang, card.answers)) for q, v in rows],
                tr("col.increase"): [fmt(change_points(q, v)) for q, v in rows],
            }),
            hide_index=True,
        )
        st.button(tr("whatif.answers.clear"), key="wi_answers_clear", icon=":material/delete_sweep:",
                  on_click=lambda: (apply_answers({}), st.session_state.pop("_wi_plan", None)))

    with st.expander(tr("whatif.answers.edit")):
        editable = [q for q in fw.questions.values() if q.area is not None and q.kind == "option"]
        picked = st.selectbox(tr("whatif.answers.pick_question"), [q.id for q in editable], key="wi_edit_q",
                              index=None, placeholder=tr("whatif.answers.pick_placeholder"),
                              format_func=lambda qid: f"[{qid}] {fw.questions[qid].text}")
        if picked is not None:
            question = fw.questions[picked]
            now = changes.get(picked, card.answers.get(picked))
            st.caption(tr("whatif.answers.now", answer=option_words(question, card.answers.get(picked), lang)))
            options = sorted(question.options, key=lambda k: -question.options[k])
            choice = st.radio(tr("whatif.answers.pick_answer"), options, key=f"wi_edit_a_{picked}",
                              index=options.index(now) if now in options else None,
                              format_func=lambda k: option_words(question, k, lang))

            def apply_one(qid: int = picked, value: Any = choice) -> None:
                new = dict(st.session_state["_wi_answers"])
                if value is None or value == card.answers.get(qid):
                    new.pop(qid, None)
                else:
                    new[qid] = value
                apply_answers(new)

            st.button(tr("whatif.answers.apply"), key="wi_edit_apply", on_click=apply_one,
                      disabled=choice is None)

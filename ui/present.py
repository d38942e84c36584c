"""Presentasi building blocks: the deck's state in the URL, the projector CSS (light and dark), the
rule table and headline tiles as HTML, and the keyboard snippet.

views/present.py stays thin: it reads the store through ``ui.state``, calls these helpers and the
chart builders, and draws. Nothing here scores anything: values come from ``analytics``.

URL of a deck: ``/presentasi?tahun=2024&tahap=tpi&units=<id>,<id>&slide=2&tema=gelap&lang=en``.
``units`` is comma-separated ids (repeated ``units=`` parameters are accepted too), ``slide`` is
1-based (the programme summary first, on as many slides as its heatmap needs at
:data:`SUMMARY_ROWS` units each, then two slides per unit in ``units`` order: its standing, radar
and rules, and its progress over the years), ``tema`` is ``terang`` or ``gelap``. Unknown values
are ignored with a notice.

Made for a 1280x720 projector: nothing scrolls, no text is smaller than 18 px, and the dark theme
covers the settings popover and its menus too.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from zi_metrics import palette
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.i18n import t
from zi_metrics.names import rule_short_name

THEMES = ("terang", "gelap")
UNITS_KEY = "units"  # URL parameter and multiselect key
SLIDE_KEY = "slide"  # URL parameter
SLIDE_STATE = "zi_slide"  # session key of the current slide (1-based)
THEME_KEY = "tema"  # URL parameter and segmented-control key
PREV_KEY = "zi_slide_prev"  # button keys: the keyboard snippet clicks .st-key-<key> button
NEXT_KEY = "zi_slide_next"
FIRST_KEY = "zi_slide_first"
LAST_KEY = "zi_slide_last"
SUMMARY_ROWS = 7  # units per summary slide: the heatmap with its tiles fits 1280x720
# A unit's radar, its rule table (the framework's full rule names, at 18 px) and its progress chart
# do not fit one 1280x720 slide: its standing, then its progress.
SLIDES_PER_UNIT = 2


# --------------------------------------------------------------------------- parsing (pure)


def parse_units(raw: str, valid: Sequence[str]) -> tuple[list[str], list[str]]:
    """``"a,b,,a,x"`` -> (known ids in the given order without repeats, unknown values)."""
    allowed = set(valid)
    known: list[str] = []
    unknown: list[str] = []
    for part in raw.split(","):
        value = part.strip()
        if not value:
            continue
        if value in allowed:
            if value not in known:
                known.append(value)
        elif value not in unknown:
            unknown.append(value)
    return known, unknown


def parse_slide(raw: str, total: int) -> int | None:
    """A 1-based slide number within ``1..total``, or None for anything else ('0', '9', 'x', '2.5')."""
    text = raw.strip()
    if not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if 1 <= number <= total else None


# --------------------------------------------------------------------------- deck state (URL <-> session)


def _forget_synced_if_unset(state_key: str, param: str) -> None:
    # A widget's value is dropped when the user leaves the page; the URL may still hold the deck.
    # Treat the URL as new then, so coming back to the deck restores it.
    if state_key not in st.session_state:
        st.session_state.setdefault(state._SYNCED, {}).pop(param, None)


def seed_units(options: Sequence[str], labels: Mapping[str, str], notices: list[str], *, year: int,
               stage_label: str) -> None:
    """Seed the units picker from ``?units=`` (once per new URL value); default: every unit of the round."""
    _forget_synced_if_unset(UNITS_KEY, UNITS_KEY)
    raw = state.url_param_if_new(UNITS_KEY)
    if raw is not None:
        known, unknown = parse_units(raw, options)
        if unknown:
            shown = state.md_text(", ".join(unknown)[:80])
            notices.append(state.tr("present.notice.unknown_units", values=shown,
                                    year=year, stage=stage_label))
        if known:
            st.session_state[UNITS_KEY] = known
    current = st.session_state.get(UNITS_KEY)
    if current is None:
        st.session_state[UNITS_KEY] = list(options)
    else:  # the year or stage changed: keep the units evaluated in this round
        st.session_state[UNITS_KEY] = [u for u in current if u in options]


def seed_theme(notices: list[str]) -> None:
    _forget_synced_if_unset(THEME_KEY, THEME_KEY)
    state.seed_from_url(THEME_KEY, THEMES, notices)
    st.session_state.setdefault(THEME_KEY, THEMES[0])


def current_slide(total: int, notices: list[str]) -> int:
    """The slide to show: a new ``?slide=`` value if valid (else a notice and slide 1), otherwise
    the session's, kept within ``1..total`` (the deck shrinks when units are removed)."""
    _forget_synced_if_unset(SLIDE_STATE, SLIDE_KEY)
    raw = state.url_param_if_new(SLIDE_KEY)
    if raw is not None:
        number = parse_slide(raw, total)
        if number is None:
            notices.append(state.tr("present.notice.invalid_slide", value=raw[:20], total=total))
            number = 1
        st.session_state[SLIDE_STATE] = number
    slide = int(st.session_state.get(SLIDE_STATE, 1))
    slide = min(max(slide, 1), total)
    st.session_state[SLIDE_STATE] = slide
    return slide


def step(delta: int, total: int) -> None:
    """Button callback: move ``delta`` slides, staying within the deck."""
    slide = int(st.session_state.get(SLIDE_STATE, 1)) + delta
    st.session_state[SLIDE_STATE] = min(max(slide, 1), total)


def jump(slide: int) -> None:
    """Button callback: open ``slide`` (the first or the last)."""
    st.session_state[SLIDE_STATE] = slide


def summary_slides(units: int) -> int:
    """How many slides the summary takes: one per :data:`SUMMARY_ROWS` units, at least one."""
    return max(1, -(-units // SUMMARY_ROWS))


def deck_size(units: int) -> int:
    """Slides of a deck of ``units`` units: the summary's, then :data:`SLIDES_PER_UNIT` per unit."""
    return summary_slides(units) + SLIDES_PER_UNIT * units


def slide_content(slide: int, units: int) -> tuple[str, int]:
    """What slide ``slide`` (1-based) shows: ``("summary", part)`` with the 0-based part of the
    summary, ``("unit", index)`` (the unit's radar and rules) or ``("progress", index)`` (its
    totals over the years), with the 0-based index of the unit in the deck's order."""
    parts = summary_slides(units)
    if slide <= parts:
        return "summary", slide - 1
    index, kind = divmod(slide - parts - 1, SLIDES_PER_UNIT)
    return ("unit", "progress")[kind], index


def write_deck_url(unit_ids: Sequence[str], slide: int, theme: str) -> None:
    state.write_url(UNITS_KEY, ",".join(unit_ids) if unit_ids else None)
    state.write_url(SLIDE_KEY, str(slide))
    state.write_url(THEME_KEY, theme)


# --------------------------------------------------------------------------- look


@dataclass(frozen=True)
class Look:
    """Colours of one variant: the palette's surface plus pass/fail colours readable on it."""

    dark: bool
    background: str
    text: str
    muted: str
    grid: str
    pass_color: str
    fail_color: str


def look(theme: str) -> Look:
    dark = theme == "gelap"
    s = palette.surface(dark)
    # Okabe-Ito blue is too dark on the dark surface; its sky blue keeps the same meaning there.
    return Look(dark, s.background, s.text, s.muted_text, s.grid,
                palette.SKY_BLUE if dark else palette.PASS_COLOR, palette.FAIL_COLOR)


def deck_css(lk: Look) -> str:
    """Hide the sidebar and Streamlit's chrome, fit the page to 1280x720 with text of at least
    18 px, style the slide; in the dark theme also the controls, the settings popover and its menus
    (Streamlit draws popovers and dropdowns outside the main area)."""
    field = "#1C2127" if lk.dark else "#F4F5F7"
    dark_rules = ""
    if lk.dark:
        dark_rules = f"""
[data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {lk.background} !important; color: {lk.text} !important; }}
[data-testid="stMain"] p, [data-testid="stMain"] label, [data-testid="stMain"] span,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] {{ color: {lk.text}; }}
[data-testid="stMain"] [data-testid="stButton"] button,
[data-testid="stMain"] [data-testid="stPopover"] button {{
  background: transparent; color: {lk.text}; border-color: {lk.grid}; }}
[data-testid="stMain"] [data-testid="stButton"] button:disabled {{ color: {lk.muted}; opacity: 0.5; }}
[data-testid="stPopoverBody"], [data-testid$="Dropdown"], [data-testid$="Dropdown"] ul {{
  background: {lk.background} !important; color: {lk.text} !important; border-color: {lk.grid} !important; }}
[data-testid="stPopoverBody"] p, [data-testid="stPopoverBody"] label, [data-testid="stPopoverBody"] span,
[data-testid="stPopoverBody"] a, [data-testid$="Dropdown"] * {{ color: {lk.text} !important; }}
[data-testid="stPopoverBody"] [data-testid="stMultiSelect"] div, [data-testid="stPopoverBody"] input {{
  background-color: {field} !important; color: {lk.text} !important; border-color: {lk.grid} !important; }}
[data-testid$="Dropdown"] li:hover, [data-testid$="Dropdown"] li[aria-selected="true"] {{
  background: #2A3038 !important; }}
[data-testid="stPopoverBody"] button {{ background: transparent !important; color: {lk.text} !important;
  border-color: {lk.grid} !important; }}
[data-testid="stPopoverBody"] button[aria-checked="true"] {{ border-color: {lk.pass_color} !important;
  color: {lk.pass_color} !important; }}
[data-testid="stPopoverBody"] [data-baseweb="tag"] span {{ color: #FFFFFF !important; }}
"""
    return f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"], header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"] {{ display: none !important; }}
[data-testid="stMain"] {{ margin-left: 0 !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 0.4rem 1.25rem 0 !important; max-width: 100% !important; }}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {{ gap: 0.35rem; }}
[data-testid="stMain"] button p, [data-testid="stMain"] [data-testid="stAlert"] p {{ font-size: 18px; }}
[data-testid="stMain"] [data-testid="stButton"] button {{ min-height: 2.4rem; }}
.zi-slide-counter {{ font-size: 20px; font-weight: 600; text-align: center; color: {lk.text};
  white-space: nowrap; }}
.zi-head {{ display: flex; align-items: baseline; gap: 1.1rem; flex-wrap: nowrap; color: {lk.text};
  white-space: nowrap; overflow: hidden; padding: 3px 0; }}
.zi-head h1 {{ font-size: 30px; line-height: 1.3; margin: 0; padding: 0; font-weight: 700; color: {lk.text};
  overflow: hidden; text-overflow: ellipsis; min-width: 0; flex: 0 1 auto; }}
.zi-head .zi-sub {{ font-size: 20px; color: {lk.muted}; flex: 0 1000 auto; min-width: 0; overflow: hidden;
  text-overflow: ellipsis; }}
.zi-head .zi-badge {{ font-size: 20px; font-weight: 700; flex: 0 0 auto; }}
.zi-note {{ font-size: 18px; line-height: 1.2; color: {lk.muted}; text-align: center; white-space: nowrap; }}
.zi-heading {{ font-size: 20px; font-weight: 700; color: {lk.text}; margin: 0; }}
.zi-rules {{ width: 100%; border-collapse: collapse; font-size: 18px; line-height: 1.2; color: {lk.text}; }}
.zi-rules th {{ text-align: left; font-size: 18px; color: {lk.muted}; padding: 0 0.35rem; font-weight: 600;
  white-space: nowrap; }}
.zi-rules thead tr:first-child th {{ padding-top: 0; }}
.zi-rules thead tr:last-child th {{ border-bottom: 2px solid {lk.grid}; font-weight: 400; }}
.zi-rules th.zi-group {{ text-align: center; border-bottom: 1px solid {lk.grid}; }}
.zi-rules td {{ padding: 0.06rem 0.35rem; border-bottom: 1px solid {lk.grid}; vertical-align: top; }}
.zi-rules td.zi-num, .zi-rules th.zi-num {{ text-align: right; white-space: nowrap;
  font-variant-numeric: tabular-nums; }}
.zi-rules .zi-pass {{ color: {lk.pass_color}; font-weight: 700; white-space: nowrap; }}
.zi-rules .zi-fail {{ color: {lk.fail_color}; font-weight: 700; white-space: nowrap; }}
.zi-rules .zi-na {{ color: {lk.muted}; }}
.zi-tiles {{ display: flex; gap: 1rem; margin: 0; }}
.zi-tile {{ flex: 1; border: 1px solid {lk.grid}; border-radius: 0.5rem; padding: 0.25rem 0.8rem; }}
.zi-tile .zi-tile-label {{ font-size: 18px; color: {lk.muted}; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.zi-tile .zi-tile-value {{ font-size: 34px; font-weight: 700; line-height: 1.15; color: {lk.text}; }}
.zi-caption {{ font-size: 18px; line-height: 1.3; color: {lk.muted}; }}
.zi-rings {{ display: flex; justify-content: center; gap: 1.5rem; font-size: 18px; color: {lk.text};
  white-space: nowrap; }}
.zi-ring-line {{ display: inline-block; width: 2.4em; margin-right: 0.45em; vertical-align: middle; }}
{dark_rules}</style>"""


# --------------------------------------------------------------------------- HTML pieces


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def counter_html(current: int, total: int, lang: str) -> str:
    """The slide counter; ``.zi-deck`` marks the presentation page for the keyboard snippet."""
    text = t("present.counter", lang, current=current, total=total)
    return (f'<div class="zi-deck zi-slide-counter" data-slide="{current}" data-total="{total}" '
            f'aria-live="polite">{_e(text)}</div>')


# Clicks the deck's next/previous button on ArrowRight/ArrowLeft (and PageDown/PageUp, which
# presentation clickers send), its first/last button on Home/End. Registered once per browser tab;
# it acts only while a deck is on screen and never while the focus is in a field, a slider or an
# open menu.
KEYBOARD_JS = f"""<script>
(function () {{
  if (window.__ziDeckKeys) {{ return; }}
  window.__ziDeckKeys = true;
  var PRESS_WAIT_TRIES = 100;  // x 50 ms
  var keys = {{ ArrowRight: "{NEXT_KEY}", PageDown: "{NEXT_KEY}", ArrowLeft: "{PREV_KEY}", PageUp: "{PREV_KEY}",
               Home: "{FIRST_KEY}", End: "{LAST_KEY}" }};
  document.addEventListener("keydown", function (event) {{
    var key = keys[event.key];
    if (!key || event.defaultPrevented) {{ return; }}
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {{ return; }}
    if (!document.querySelector(".zi-deck")) {{ return; }}
    var target = event.target;
    if (target && target.closest && target.closest(
        "input, textarea, select, [contenteditable='true'], [role='slider'], [role='combobox'], " +
        "[role='listbox'], [role='option'], [role='dialog'], [data-baseweb='popover']")) {{ return; }}
    if (!document.querySelector(".st-key-" + key)) {{ return; }}
    event.preventDefault();
    press(key, PRESS_WAIT_TRIES);
  }});
  // The button's place is drawn with the run; the button itself once Streamlit has loaded its code,
  // which can be a moment later on a page's first load: a key pressed meanwhile waits for it
  // rather than being lost.
  function press(key, tries) {{
    var button = document.querySelector(".st-key-" + key + " button");
    if (button) {{
      if (!button.disabled) {{ button.click(); }}
      return;
    }}
    if (tries > 0) {{ setTimeout(function () {{ press(key, tries - 1); }}, 50); }}
  }}
}})();
</script>"""


def head_html(title: str, subtitle: str, badge: str = "", badge_color: str = "") -> str:
    """The slide's one-line heading: title (cut with an ellipsis when too long), subtitle, badge."""
    parts = [f'<h1 title="{_e(title)}">{_e(title)}</h1>', f'<span class="zi-sub">{_e(subtitle)}</span>']
    if badge:
        parts.append(f'<span class="zi-badge" style="color:{_e(badge_color)}">{_e(badge)}</span>')
    return f'<div class="zi-head">{"".join(parts)}</div>'


def slide_title(name: str, short_name: str, limit: int = 34) -> str:
    """The unit's full name, or its short name when the full one would not fit on the slide's line."""
    return name if len(name) <= limit or not short_name else short_name


def note_html(text: str, title: str = "") -> str:
    tip = f' title="{_e(title)}"' if title else ""
    return f'<div class="zi-note"{tip}>{_e(text)}</div>'


def ring_legend_html(rings: Mapping[str, float], lang: str) -> str:
    """The radar's rings explained in one line of 18 px text under it (a Plotly legend of the same
    entries took three rows of the slide): a line sample in the ring's colour and dash, its name."""
    entries = []
    for key, value in rings.items():
        number = format_number(value, lang, 0 if float(value).is_integer() else 2)
        name = t(f"chart.ring.{key.lower()}", lang, percent=number)
        color = palette.WBBM_COLOR if key.upper() == "WBBM" else palette.WBK_COLOR
        style = "dotted" if key.upper() == "WBBM" else "dashed"
        entries.append(f'<span class="zi-ring"><span class="zi-ring-line" style="border-top: 3px {style} {color}">'
                       f"</span>{_e(name)}</span>")
    return f'<div class="zi-rings">{"".join(entries)}</div>'


def heading_html(text: str) -> str:
    return f'<div class="zi-heading">{_e(text)}</div>'


def captions_html(lines: Sequence[str]) -> str:
    return "".join(f'<div class="zi-caption">{_e(line)}</div>' for line in lines)


def tiles_html(tiles: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f'<div class="zi-tile"><div class="zi-tile-label">{_e(label)}</div>'
        f'<div class="zi-tile-value">{_e(value)}</div></div>'
        for label, value in tiles
    )
    return f'<div class="zi-tiles">{cells}</div>'


def _rule_label(rule: str, fw: Any, lang: str) -> str:
    """The slide's rule table is narrow: an area rule by its code ("Area MP"), every other rule by
    the framework's short name of its measure (zi_metrics.names)."""
    if rule.startswith("area:"):
        return t("present.rule.area", lang, code=rule.split(":", 1)[1])
    return rule_short_name(fw, rule, lang)


def _shown(value: Any, unit: str, lang: str) -> str:
    if unit == "percent":
        return format_percent(value, lang)
    return format_number(value, lang)


def _threshold(value: Any, unit: str, lang: str) -> str:
    number = float(value)
    text = format_number(number, lang, 0 if number.is_integer() else 2)
    return t("present.threshold", lang, value=text + ("%" if unit == "percent" else ""))


def rule_table_html(rules: pd.DataFrame, fw: Any, held_before: str | None, predicates: Sequence[str],
                    lk: Look, lang: str) -> str:
    """Both predicates' rules side by side: the unit's value, then per predicate the requirement and
    ✓, or ✗ with the points still missing. One line a rule at 18 px (the slide has room for every
    rule of PermenPANRB 90/2021). ``rules`` is ``analytics.rule_table(ev)``."""
    order: list[str] = []
    for rule in rules["rule"]:
        if rule not in order:
            order.append(rule)
    cells: dict[tuple[str, str], Any] = {(r.rule, r.predicate): r for r in rules.itertuples(index=False)}
    pass_symbol, fail_symbol = palette.PASS_SYMBOL, palette.FAIL_SYMBOL
    body = []
    for rule in order:
        first = next(cells[(rule, p)] for p in predicates if (rule, p) in cells)
        if first.unit == "flag":
            value = (t(f"predicate.{held_before.lower()}", lang) if held_before
                     else t("present.held_none", lang))
        else:
            value = _shown(first.value, first.unit, lang)
        row = [f"<td>{_e(_rule_label(rule, fw, lang))}</td>", f'<td class="zi-num">{_e(value)}</td>']
        for p in predicates:
            r = cells.get((rule, p))
            if r is None:
                row.append('<td class="zi-na">–</td><td class="zi-na">–</td>')
                continue
            if r.unit == "flag":
                requirement = t(f"predicate.{rule.removeprefix('holds_').lower()}", lang)
                short = ""
            else:
                requirement = _threshold(r.threshold, r.unit, lang)
                short = "" if r.passed or r.gap is None or pd.isna(r.gap) else format_number(r.gap, lang)
            css = "zi-pass" if r.passed else "zi-fail"
            status = pass_symbol if r.passed else f"{fail_symbol} {short}".rstrip()
            row.append(f'<td class="zi-num">{_e(requirement)}</td><td class="{css}">{_e(status)}</td>')
        body.append(f"<tr data-rule=\"{_e(rule)}\">{''.join(row)}</tr>")
    groups = "".join(f'<th class="zi-group" colspan="2">{_e(t(f"predicate.{p.lower()}", lang))}</th>'
                     for p in predicates)
    parts = "".join(f'<th class="zi-num">{_e(t("present.rules.requirement", lang))}</th>'
                    f'<th>{_e(t("present.rules.short", lang))}</th>' for _ in predicates)
    rule_head = _e(t("present.rules.rule", lang))
    value_head = _e(t("present.rules.value", lang))
    return (f'<table class="zi-rules"><thead><tr><th rowspan="2">{rule_head}</th>'
            f'<th class="zi-num" rowspan="2">{value_head}</th>{groups}</tr><tr>{parts}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


__all__ = [
    "FIRST_KEY", "KEYBOARD_JS", "LAST_KEY", "NEXT_KEY", "PREV_KEY", "SLIDES_PER_UNIT", "SLIDE_KEY", "SLIDE_STATE",
    "SUMMARY_ROWS", "THEMES", "THEME_KEY", "UNITS_KEY", "Look", "captions_html", "counter_html", "current_slide",
    "deck_css", "deck_size", "head_html", "heading_html", "jump", "look", "note_html", "parse_slide", "parse_units",
    "ring_legend_html", "rule_table_html", "seed_theme", "seed_units", "slide_content", "slide_title", "step",
    "summary_slides",
    "tiles_html", "write_deck_url",
]

"""The app's shared state: one Store per database, scored rounds cached by data version,
the language, and the sidebar selection (year, stage, unit) bound to the URL."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from zi_metrics import analytics, overview
from zi_metrics.database import ensure_database
from zi_metrics.formatting import format_number
from zi_metrics.i18n import t
from zi_metrics.quoting import markdown_literal
from zi_metrics.store import DemoRows, Store, StoreDamagedError, StoreError, Unit, default_location

LANGS = ("id", "en")
LANG_NAMES = {"id": "Indonesia", "en": "English"}


def lang() -> str:
    """The UI language: the URL's ``lang`` (bound to the sidebar toggle), Indonesian by default."""
    value = st.session_state.get("lang") or st.query_params.get("lang", "id")
    return value if value in LANGS else "id"


def tr(key: str, **kwargs: Any) -> str:
    return t(key, lang(), **kwargs)


@st.cache_resource(show_spinner=False)
def _open_store(source: str) -> Store:
    # Creates the database with the demo data on first run; later runs upgrade an older schema.
    ensure_database(source)
    return Store(source)


def get_store() -> Store:
    """The store of the configured database; stops the page with a clear message on failure."""
    source = default_location()
    try:
        return _open_store(source)
    except StoreError as exc:
        show_store_error(exc, Store(source).location)
        st.stop()
        raise  # for type checkers; st.stop() does not return


def show_store_error(exc: StoreError, location: str) -> None:
    """A database that cannot be used, said in the reader's language: a damaged file gets its own
    page (what is wrong, and to restore a backup) instead of the engine's words."""
    if isinstance(exc, StoreDamagedError):
        why = tr(f"error.damage.{exc.reason}", detail=exc.detail)
        st.error(tr("error.damaged", path=markdown_literal(exc.location), reason=markdown_literal(why)))
        st.info(tr("error.damaged_restore"))
        return
    st.error(tr("error.database", path=markdown_literal(location), message=markdown_literal(str(exc))))


# Caches are keyed on the database's data version (a stat of the DuckDB file; PostgreSQL's audit
# log), read ONCE per script run by begin_run(): every cache a page view reads is then of one state
# of the data, and every replica sees a write at its next rerun. A value loaded while a write
# landed (the version moved meanwhile) is not cached: the run starts again on the new version
# (at most _MAX_STALE_RERUNS times in a row, then the value is shown uncached).

_VERSION = "_zi_data_version"
_STALE_RERUNS = "_zi_stale_reruns"
_STALE_RERUN = "_zi_stale_rerun"
_NAVIGATED = "_zi_navigated"  # False from begin_run until the router's st.navigation has run
_RERUN_AFTER_NAVIGATION = "_zi_rerun_after_navigation"
_MAX_STALE_RERUNS = 3


class _Stale(Exception):
    """The data version moved while a value was loaded; ``value`` is what was loaded."""

    def __init__(self, value: Any):
        super().__init__("the database changed while loading")
        self.value = value


def begin_run(store: Store) -> None:
    """Pin the data version this script run works with (the router calls it first)."""
    if not st.session_state.pop(_STALE_RERUN, False):
        st.session_state[_STALE_RERUNS] = 0
    st.session_state[_VERSION] = (store.source, store.data_version())
    st.session_state[_NAVIGATED] = False
    st.session_state.pop(_RERUN_AFTER_NAVIGATION, None)


def navigated() -> None:
    """The router calls this right after st.navigation has chosen the page: a read before it that
    found the database changed reruns now, on that page (see _fresh)."""
    st.session_state[_NAVIGATED] = True
    if st.session_state.pop(_RERUN_AFTER_NAVIGATION, False):
        st.rerun()


def data_version(store: Store) -> tuple[Any, ...]:
    """The data version of this run (begin_run), or the database's current one outside a run."""
    pinned = st.session_state.get(_VERSION)
    if pinned is not None and pinned[0] == store.source:
        return pinned[1]
    return store.data_version()


def _checked(source: str, version: tuple[Any, ...], load: Any) -> Any:
    """``load()``, refused for caching (_Stale) when the database changed meanwhile."""
    value = load()
    if Store(source).data_version() != version:
        raise _Stale(value)
    return value


def _fresh(store: Store, call: Any) -> Any:
    """``call(version)`` on this run's version; a stale load reruns the script on the new one."""
    try:
        return call(data_version(store))
    except _Stale as stale:
        reruns = st.session_state.get(_STALE_RERUNS, 0)
        if reruns >= _MAX_STALE_RERUNS:  # writes keep landing: show what was read, uncached
            return stale.value
        st.session_state[_STALE_RERUNS] = reruns + 1
        st.session_state[_STALE_RERUN] = True
        if not st.session_state.get(_NAVIGATED, True):
            # The router's own reads (the sidebar) come before st.navigation: a rerun asked for now
            # would run the default page (the run has no page yet), so a tab opening /profil while
            # an import commits landed on Ringkasan. The router finishes with this value and reruns
            # as soon as the page is chosen (navigated()), replacing what it drew.
            st.session_state[_RERUN_AFTER_NAVIGATION] = True
            return stale.value
        st.rerun()


@st.cache_resource(show_spinner=False, max_entries=32)
def _scored_round(source: str, version: tuple[Any, ...], year: int, stage: str) -> list[analytics.ScoredRound]:
    return _checked(source, version, lambda: analytics.score_round(Store(source), year, stage))


# A resource, not cache_data: cache_data would unpickle a copy of a 10,000-row table on every rerun.
@st.cache_resource(show_spinner=False, max_entries=16)
def _round_overview(source: str, version: tuple[Any, ...], year: int, stage: str) -> pd.DataFrame:
    return _checked(source, version, lambda: overview.round_overview(Store(source), year, stage))


@st.cache_resource(show_spinner=False, max_entries=128)
def _unit_rounds(source: str, version: tuple[Any, ...], unit_id: str) -> list[analytics.ScoredRound]:
    return _checked(source, version, lambda: analytics.unit_rounds(Store(source), unit_id))


def scored_round(store: Store, year: int, stage: str) -> list[analytics.ScoredRound]:
    """Every unit of a round, scored (cached until the database changes; never mutate the result)."""
    return _fresh(store, lambda v: _scored_round(store.source, v, year, stage))


def round_overview(store: Store, year: int, stage: str) -> pd.DataFrame:
    """overview.round_overview, cached until the database changes (shared: never mutate it)."""
    return _fresh(store, lambda v: _round_overview(store.source, v, year, stage))


def unit_rounds(store: Store, unit_id: str) -> list[analytics.ScoredRound]:
    return _fresh(store, lambda v: _unit_rounds(store.source, v, unit_id))


# What every rerun reads (the sidebar, the demo banner, unit names), cached until the database
# changes: each Store call opens the file (a few ms idle, far more on a loaded machine) and
# 10,000 units cost about as much again to build. Shared objects: never mutate them.


@st.cache_resource(show_spinner=False, max_entries=4)
def _catalog(source: str, version: tuple[Any, ...]) -> dict[str, Any]:
    return {}  # filled lazily by _cached (a lost race only loads a value twice)


def _cached(store: Store, key: str, load: Any) -> Any:
    def get(version: tuple[Any, ...]) -> Any:
        catalog = _catalog(store.source, version)
        if key not in catalog:
            catalog[key] = _checked(store.source, version, load)
        return catalog[key]

    return _fresh(store, get)


def years_of(store: Store) -> list[int]:
    """store.years()"""
    return _cached(store, "years", store.years)


def stages_of(store: Store, year: int) -> list[str]:
    """store.stages_for(year)"""
    return _cached(store, f"stages:{int(year)}", lambda: store.stages_for(year))


def units_of(store: Store) -> dict[str, Unit]:
    """unit id -> Unit, in id order (the units of unit_fields: one read for both)."""
    fields = unit_fields(store)
    return _cached(store, "units", lambda: {uid: Unit(**f) for uid, f in fields.items()})


def unit_fields(store: Store) -> dict[str, dict[str, Any]]:
    """analytics.units_by_id(store): unit id -> the unit's fields as a dict, in id order."""
    return _cached(store, "unit_fields", lambda: analytics.units_by_id(store))


def dataset_kind(store: Store) -> str:
    return _cached(store, "dataset_kind", store.dataset_kind)


def unit_order(store: Store) -> list[str]:
    """Unit ids as the sidebar lists them: instansi first, then by name."""
    units = units_of(store)
    return _cached(store, "unit_order", lambda: sorted(units, key=lambda u: (units[u].level != "instansi",
                                                                              units[u].name)))


def evaluated_units(store: Store, year: int, stage: str) -> set[str]:
    """Ids of the units with an evaluation in ``year`` at ``stage``."""
    return _cached(store, f"evaluated:{int(year)}:{stage}", lambda: store.evaluated_unit_ids(year, stage))


# A picker of every unit sends every option's label to the browser on every run (10,000 at national
# scale, most of the overview's load time): above UNIT_PICKER_MAX units a search field narrows it.
UNIT_PICKER_MAX = 300
UNIT_MATCHES = 50  # options the picker offers for a search


def _search_index(store: Store) -> list[tuple[str, str]]:
    """(unit id, its name, short name and id in lower case) in the sidebar's order."""
    units = units_of(store)
    order = unit_order(store)
    return _cached(store, "unit_search", lambda: [
        (u, f"{units[u].name}\n{units[u].short_name or ''}\n{u}".casefold()) for u in order])


def unit_matches(store: Store, query: str) -> tuple[list[str], int]:
    """The first UNIT_MATCHES units (sidebar order) whose name, short name or id contains every word
    of ``query`` (any case), and how many match; an empty query gives the first units."""
    words = query.casefold().split()
    index = _search_index(store)

    def find() -> tuple[list[str], int]:
        found = [u for u, text in index if all(w in text for w in words)]
        return found[:UNIT_MATCHES], len(found)

    return memo(store, ("unit_matches", tuple(words)), find)


_MEMO_SIZE = 32
_MEMO_LOCK = threading.Lock()


def memo(store: Store, key: tuple[Any, ...], build: Any) -> Any:
    """``build()`` kept until the database changes, under ``key`` (the latest 32 keys): what a page
    derives from cached data on every rerun (a figure, a list of options). Never mutate the result."""
    catalog = _catalog(store.source, data_version(store))
    with _MEMO_LOCK:
        recent = catalog.setdefault("memo", {})
        if key in recent:
            recent[key] = recent.pop(key)  # most recently used last
            return recent[key]
    value = build()  # outside the lock: another session may build the same value meanwhile
    with _MEMO_LOCK:
        recent[key] = value
        while len(recent) > _MEMO_SIZE:
            recent.pop(next(iter(recent)))
    return value


@dataclass(frozen=True)
class Selection:
    year: int | None
    stage: str | None
    unit_id: str | None
    # URL values ignored in this run (already shown in the sidebar; a page that hides the sidebar,
    # such as Presentasi, shows them itself)
    notices: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# URL state for id-valued pickers.
#
# A widget bound with bind="query-params" writes its *formatted label* into the URL (Streamlit
# 1.67: ?unit=Itjen&tahap=TPI+%28internal+assessment+team%29&lang=English), so a link would depend
# on the UI language and on display names, and ?unit=kemendesa-itjen or ?tahap=tpi would be
# dropped. Pickers whose value is an id or code therefore keep it in the URL themselves:
# seed_from_url() before the widget, write_url() after it. Widgets whose label is their value
# (numeric sliders) can stay bound.

_SYNCED = "_url_synced"  # session key: URL param -> the raw value this session last read or wrote


def url_param_if_new(key: str) -> str | None:
    """The URL's value for ``key`` if this session has not seen it yet (the first load, a pasted
    link, back/forward navigation), else None. Repeated parameters are joined with commas."""
    values = st.query_params.get_all(key)
    if not values:
        return None
    raw = ",".join(values)
    synced = st.session_state.setdefault(_SYNCED, {})
    if synced.get(key) == raw:
        return None
    synced[key] = raw
    return raw


def md_text(value: str) -> str:
    """``value`` as literal text inside Markdown (st.warning, st.caption, ...): an inline code span, so
    that a URL value such as ``[klik](https://...)``, ``![](https://...)`` or a bare address never
    becomes a link or an image (backslash escapes do not stop GFM's bare-address links)."""
    if not value:
        return value
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value[0] == "`" or value[-1] == "`" else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def seed_from_url(key: str, valid: Any, notices: list[str], *, state_key: str | None = None,
                  widget_key: str | None = None) -> None:
    """Copy a new URL value of ``key`` into ``st.session_state[state_key or key]`` when it is in
    ``valid``; otherwise ignore it and add a notice. Call before the widget is drawn.

    The URL also wins when the widget (``widget_key``, by default ``state_key or key``) has no
    value in this session: ``st.switch_page`` from a script run clears every widget's state, so a
    drill-down link carries its context (unit, year, stage, ...) in its query parameters only."""
    raw = url_param_if_new(key)
    if raw is None and (widget_key or state_key or key) not in st.session_state:
        values = st.query_params.get_all(key)
        raw = ",".join(values) if values else None
    if raw is None:
        return
    if raw in valid:
        st.session_state[state_key or key] = raw
    else:
        notices.append(tr("notice.invalid_url_value", param=key, value=md_text(raw[:60])))


def url_values_to_apply(key: str, widget_key: str) -> list[str] | None:
    """The URL's values of ``key`` (repeated parameters in order) when this session has not seen
    them yet or the widget ``widget_key`` has no state (see seed_from_url); else None."""
    new = url_param_if_new(key)
    if new is None and widget_key not in st.session_state:
        new = ",".join(st.query_params.get_all(key)) or None
    return st.query_params.get_all(key) if new is not None else None


def seed_list_from_url(key: str, valid: Any, notices: list[str], *, widget_key: str) -> None:
    """seed_from_url for a multi-choice widget: the URL repeats the parameter once per value
    (``?tingkat=satker&tingkat=eselon2``); the valid values go into ``st.session_state[widget_key]``
    and the others are ignored with a notice."""
    values = url_values_to_apply(key, widget_key)
    if values is None:
        return
    st.session_state[widget_key] = list(dict.fromkeys(v for v in values if v in valid))
    for value in values:
        if value not in valid:
            notices.append(tr("notice.invalid_url_value", param=key, value=md_text(value[:60])))


def write_url_list(key: str, values: list[str]) -> None:
    """Put ``values`` in the URL as repeated ``key`` parameters (none: the parameter is removed)."""
    synced = st.session_state.setdefault(_SYNCED, {})
    if not values:
        if key in st.query_params:
            del st.query_params[key]
        synced.pop(key, None)
        return
    if st.query_params.get_all(key) != list(values):
        st.query_params[key] = list(values)
    synced[key] = ",".join(values)


def write_url(key: str, value: str | None) -> None:
    """Put ``value`` in the URL as ``key`` (None removes it); a no-op when the URL already has it."""
    synced = st.session_state.setdefault(_SYNCED, {})
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
        synced.pop(key, None)
        return
    if st.query_params.get_all(key) != [value]:
        st.query_params[key] = value
    synced[key] = value


def sidebar(store: Store) -> Selection:
    """The shared sidebar: language, year, stage and unit pickers, all kept in the URL.

    The URL carries codes and ids (``?lang=en&tahun=2024&tahap=tpi&unit=kemendesa-itjen``), so a
    copied address reproduces the view in either language."""
    notices: list[str] = []
    with st.sidebar:
        seed_from_url("lang", LANGS, notices)
        st.session_state.setdefault("lang", "id")
        st.segmented_control("Bahasa / Language", list(LANGS), key="lang",
                             format_func=lambda code: LANG_NAMES[code], required=True)
        write_url("lang", lang())
        years = years_of(store)
        units = units_of(store)
        if not years:
            st.info(tr("empty.no_data"))
            return Selection(None, None, None, tuple(notices))
        # The year is kept like the others (not bound): a bound widget drops its default from the
        # URL, and a bookmarked deck of "the latest year" would change when a new year is loaded.
        seed_from_url("tahun", [str(y) for y in years], notices, state_key="_tahun_url", widget_key="tahun")
        if "_tahun_url" in st.session_state:
            st.session_state["tahun"] = int(st.session_state.pop("_tahun_url"))
        year = st.selectbox(tr("sidebar.year"), list(reversed(years)), key="tahun")
        write_url("tahun", str(year))
        stages = stages_of(store, year) or ["mandiri"]
        seed_from_url("tahap", stages, notices)
        if st.session_state.get("tahap") not in stages:
            st.session_state["tahap"] = stages[-1]  # the most advanced stage of the year
        # the label function captures the language now: AppTest calls it after the run, outside it
        code = lang()
        stage = st.selectbox(tr("sidebar.stage"), stages, key="tahap", format_func=lambda s: t(f"stage.{s}", code))
        write_url("tahap", stage)
        unit_ids = unit_order(store)
        seed_from_url("unit", units, notices)
        if st.session_state.get("unit") not in units:
            # First visit: open on a unit evaluated in this round rather than one never evaluated.
            evaluated = evaluated_units(store, year, stage)
            st.session_state["unit"] = next((u for u in unit_ids if u in evaluated), unit_ids[0])
        options = unit_ids
        if len(unit_ids) > UNIT_PICKER_MAX:
            query = st.text_input(tr("sidebar.unit_search"), key="unit_search", max_chars=100,
                                  placeholder=tr("sidebar.unit_search_placeholder"))
            matches, found = unit_matches(store, query)
            current = st.session_state["unit"]
            options = [current, *(u for u in matches if u != current)]
        unit = st.selectbox(tr("sidebar.unit"), options, key="unit",
                            format_func=lambda u: units[u].short_name or units[u].name)
        if len(unit_ids) > UNIT_PICKER_MAX:
            st.caption(tr("sidebar.unit_matches", shown=format_number(len(matches), code, 0),
                          found=format_number(found, code, 0)) if query.strip()
                       else tr("sidebar.unit_search_hint", count=format_number(len(unit_ids), code, 0)))
        write_url("unit", unit)
        for notice in notices:
            st.warning(notice)
        copy_link_button()
    return Selection(int(year), stage, unit, tuple(notices))


# ---------------------------------------------------------------------------------------------
# Context that travels: drill-down links and page headings


def link_params(selection: Selection, **overrides: str | int | None) -> dict[str, str]:
    """The query parameters a drill-down carries: the language, year, stage and unit of the view it
    comes from; ``overrides`` replace some (``unit=`` the row's unit) or add others. None drops a
    parameter. The target page's sidebar reads them (seed_from_url), so the new page shows the
    same round whatever the widgets' state was."""
    params: dict[str, str | int | None] = {"lang": lang(), "tahun": selection.year, "tahap": selection.stage,
                                           "unit": selection.unit_id}
    params.update(overrides)
    return {k: str(v) for k, v in params.items() if v is not None}


def open_page(page: str, selection: Selection, **overrides: str | int | None) -> None:
    """Switch to ``page`` (a views/ path) on the same year, stage and unit (see link_params)."""
    st.switch_page(page, query_params=link_params(selection, **overrides))


def _escaped(text: str) -> str:
    from ui.display import md_escape  # ui.display imports this module

    return md_escape(text)


def page_heading(title: str, *, unit_name: str | None = None, year: int | None = None,
                 stage: str | None = None) -> None:
    """The page's title and, under it, what the page shows: the unit (when the page is about one
    unit), the year and the assessor stage ("**BBPLM Jakarta** · Tahun 2025 · Tahap TPI")."""
    st.title(title, anchor=False)
    parts = [f"**{_escaped(unit_name)}**"] if unit_name else []
    if year is not None:
        parts.append(tr("heading.year", year=year))
    if stage:
        parts.append(tr("heading.stage", stage=tr(f"stage.{stage}")))
    if parts:
        st.markdown(f"### {' · '.join(parts)}")


def demo_rows(store: Store) -> DemoRows:
    """Which rows are synthetic demo rows (cached until the database changes)."""
    return _cached(store, "demo_rows", store.demo_rows)


def shows_demo(store: Store, *, unit_id: str | None = None, year: int | None = None,
               stage: str | None = None) -> bool:
    """Whether a view of this unit and/or round shows a demo row (nothing given: any demo row)."""
    return demo_rows(store).shown(unit_id=unit_id, year=year, stage=stage)


def demo_banner(store: Store, *, unit_id: str | None = None, year: int | None = None,
                stage: str | None = None) -> None:
    """Every screen that shows a demo row says the scores are synthetic, whatever else the database
    holds: a unit's page passes its unit (and round), a round's page its year and stage."""
    if shows_demo(store, unit_id=unit_id, year=year, stage=stage):
        st.caption(tr("app.demo_banner"))


# Copies the browser's current address (every bound and synced choice is in it) to the clipboard.
# The server cannot know the host the browser used, so this runs in the page: st.html with
# JavaScript is not iframed, and the handler is registered once per tab. Where the Clipboard API
# is refused (plain http on another host), it falls back to execCommand("copy") and shows the link.
_COPY_LINK_JS = """<script>
(function () {
  if (window.__ziCopyLink) { return; }
  window.__ziCopyLink = true;
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest(".zi-copy-link-button");
    if (!button) { return; }
    var href = window.location.href;
    var status = button.parentElement.querySelector(".zi-copy-link-status");
    function show(ok) {
      status.textContent = (ok ? button.dataset.done : button.dataset.failed) + " " + href;
      status.dataset.href = href;
      status.dataset.copied = ok ? "yes" : "no";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(href).then(function () { show(true); }, function () { show(fallback(href)); });
    } else {
      show(fallback(href));
    }
  });
})();
</script>"""


def copy_link_button() -> None:
    """The "salin tautan" control: a button that copies the page's full address, then shows it."""
    import html

    label, done, failed = (html.escape(tr(k), quote=True)
                           for k in ("share.copy_link", "share.copied", "share.copy_failed"))
    st.html(
        f'<div class="zi-copy-link" title="{html.escape(tr("share.help"), quote=True)}">'
        f'<button type="button" class="zi-copy-link-button" data-done="{done}" data-failed="{failed}" '
        'style="font: inherit; padding: 0.3rem 0.75rem; border-radius: 0.5rem; cursor: pointer; '
        f'border: 1px solid rgba(49, 51, 63, 0.2); background: transparent; color: inherit;">{label}</button>'
        '<div class="zi-copy-link-status" role="status" aria-live="polite" '
        'style="font-size: 0.8rem; margin-top: 0.3rem; overflow-wrap: anywhere; opacity: 0.8;"></div></div>'
        + _COPY_LINK_JS,
        unsafe_allow_javascript=True,
    )

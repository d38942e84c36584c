"""The app's shared state: one Store per database path, scored rounds cached by data version,
the language, and the sidebar selection (year, stage, unit) bound to the URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from zi_metrics import analytics
from zi_metrics.i18n import t
from zi_metrics.store import Store, StoreError, default_db_path, ensure_database

LANGS = ("id", "en")
LANG_NAMES = {"id": "Indonesia", "en": "English"}


def lang() -> str:
    """The UI language: the URL's ``lang`` (bound to the sidebar toggle), Indonesian by default."""
    value = st.session_state.get("lang") or st.query_params.get("lang", "id")
    return value if value in LANGS else "id"


def tr(key: str, **kwargs: Any) -> str:
    return t(key, lang(), **kwargs)


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    # Creates the file with the demo data on first run; later runs upgrade an older schema.
    ensure_database(path)
    return Store(path)


def get_store() -> Store:
    """The store of the configured database; stops the page with a clear message on failure."""
    path = str(default_db_path())
    try:
        return _open_store(path)
    except StoreError as exc:
        st.error(tr("error.database", path=path, message=str(exc)))
        st.stop()
        raise  # for type checkers; st.stop() does not return


def data_version(store: Store) -> tuple[Any, ...]:
    return store.data_version()


@st.cache_resource(show_spinner=False, max_entries=32)
def _scored_round(path: str, version: tuple[Any, ...], year: int, stage: str) -> list[analytics.ScoredRound]:
    return analytics.score_round(Store(path), year, stage)


@st.cache_data(show_spinner=False, max_entries=32)
def _round_overview(path: str, version: tuple[Any, ...], year: int, stage: str) -> pd.DataFrame:
    return analytics.round_overview(Store(path), year, stage)


@st.cache_resource(show_spinner=False, max_entries=128)
def _unit_rounds(path: str, version: tuple[Any, ...], unit_id: str) -> list[analytics.ScoredRound]:
    return analytics.unit_rounds(Store(path), unit_id)


def scored_round(store: Store, year: int, stage: str) -> list[analytics.ScoredRound]:
    """Every unit of a round, scored (cached until the database changes; never mutate the result)."""
    return _scored_round(str(store.path), data_version(store), year, stage)


def round_overview(store: Store, year: int, stage: str) -> pd.DataFrame:
    return _round_overview(str(store.path), data_version(store), year, stage)


def unit_rounds(store: Store, unit_id: str) -> list[analytics.ScoredRound]:
    return _unit_rounds(str(store.path), data_version(store), unit_id)


@dataclass(frozen=True)
class Selection:
    year: int | None
    stage: str | None
    unit_id: str | None


def _coerce_query_values(store: Store, years: list[int], units: dict[str, Any]) -> None:
    """Notice URL values that name no known year or unit (the bound widgets then ignore them)."""
    notices = st.session_state.setdefault("_url_notices", [])
    for key, valid in (("tahun", {str(y) for y in years}), ("unit", set(units))):
        value = st.query_params.get(key)
        if value is not None and value not in valid:
            # The bound widget drops the value itself; say so instead of silently showing another view.
            notices.append(tr("notice.invalid_url_value", param=key, value=value[:60]))


def sidebar(store: Store) -> Selection:
    """The shared sidebar: language, year, stage and unit pickers, all kept in the URL."""
    with st.sidebar:
        st.segmented_control("Bahasa / Language", list(LANGS), key="lang", bind="query-params",
                             default="id", format_func=lambda code: LANG_NAMES[code], required=True)
        years = store.years()
        units = {u.id: u for u in store.list_units()}
        if not years:
            st.info(tr("empty.no_data"))
            return Selection(None, None, None)
        _coerce_query_values(store, years, units)
        year = st.selectbox(tr("sidebar.year"), list(reversed(years)), key="tahun", bind="query-params")
        stages = store.stages_for(year) or ["mandiri"]
        stage = st.selectbox(tr("sidebar.stage"), stages, index=len(stages) - 1, key="tahap",
                             format_func=lambda s: tr(f"stage.{s}"), bind="query-params")
        unit_ids = sorted(units, key=lambda u: (units[u].level != "instansi", units[u].name))
        unit = st.selectbox(tr("sidebar.unit"), unit_ids, key="unit", bind="query-params",
                            format_func=lambda u: units[u].short_name or units[u].name)
        for notice in st.session_state.pop("_url_notices", []):
            st.warning(notice)
    return Selection(int(year), stage, unit)


def demo_banner(store: Store) -> None:
    """Every screen that shows demo data says the scores are synthetic."""
    if store.dataset_kind() == "demo":
        st.caption(tr("app.demo_banner"))

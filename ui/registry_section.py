"""The unit registry on the Kelola data page: the registered units, one unit added by a form, and a
units file (CSV/XLSX) previewed then saved in one transaction. Problems name their line and
column (or the form field) in the interface's language; nothing is saved while one blocks.

Writes run in callbacks, before the script draws the page (see views/kelola-data.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from ui.display import md_escape, tr_md
from zi_metrics import registry, units_file
from zi_metrics.store import INSTANSI_KINDS, LEVELS, Store, StoreError, Unit

tr = state.tr
UNITS_FILE_READY = "_units_file_ready"  # the plan the save button would save (as last shown)
FORM_PROBLEMS = "_unit_form_problems"
UPLOAD_ROUND = "_units_upload_round"  # part of the uploader's key: a new key empties it after a save
FORM_FIELDS = ("id", "name", "parent_id", "level", "short_name", "instansi_kind", "afirmasi")
TEMPLATE = (
    "id,name,parent_id,level,short_name,instansi_kind,afirmasi,year,bpk_opinion,sakip_grade,indeks_rb_grade,"
    "spip_level\n"
    "contoh-pemkot,Pemerintah Kota Contoh,,instansi,Pemkot Contoh,pemerintah_daerah,,2025,WTP,BB,B,3\n"
    "contoh-pemkot-dukcapil,Dinas Kependudukan dan Pencatatan Sipil,contoh-pemkot,,Disdukcapil,,ya,,,,,\n"
)


def field_labels() -> dict[str, str]:
    return {f: tr(f"registry.field.{f}") for f in FORM_FIELDS}


def problems_frame(problems: list[registry.UnitProblem], lang: str) -> pd.DataFrame:
    return pd.DataFrame([{"line": p.line, "column": p.column or "", "message": p.text(lang)} for p in problems])


def problems_view(problems: list[registry.UnitProblem]) -> None:
    """Blocking problems first, standing out; warnings after, collapsed."""
    lang = state.lang()
    blocking = [p for p in problems if p.fatal]
    warnings = [p for p in problems if not p.fatal]
    config = {"line": st.column_config.NumberColumn(tr("registry.col.line"), format="%d", width="small"),
              "column": st.column_config.TextColumn(tr("registry.col.column"), width="small"),
              "message": st.column_config.TextColumn(tr("data.col.message"), width="large")}
    if blocking:
        st.error(tr("registry.problems.blocking", count=len(blocking)), icon=":material/block:")
        st.dataframe(problems_frame(blocking, lang), hide_index=True, width="stretch", column_config=config)
    if warnings:
        with st.expander(tr("data.problems.warnings", count=len(warnings)), expanded=False,
                         icon=":material/warning:"):
            st.dataframe(problems_frame(warnings, lang), hide_index=True, width="stretch", column_config=config)


def units_table(units: dict[str, Unit], demo: frozenset[str] = frozenset()) -> None:
    tree = units_file.unit_tree(list(units.values()))
    frame = pd.DataFrame([{
        "name": "\u2003" * item.depth + item.unit.name,
        "id": item.unit.id,
        "short_name": item.unit.short_name or "",
        "parent_id": item.unit.parent_id or "",
        "level": tr(f"level.{item.unit.level}"),
        "instansi_kind": tr(f"registry.kind.{item.unit.instansi_kind}"),
        "afirmasi": item.unit.afirmasi,
        "demo": item.unit.id in demo,
    } for item in tree])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "name": st.column_config.TextColumn(tr("registry.field.name"), width="large"),
        "id": st.column_config.TextColumn(tr("registry.field.id")),
        "short_name": st.column_config.TextColumn(tr("registry.field.short_name")),
        "parent_id": st.column_config.TextColumn(tr("registry.field.parent_id")),
        "level": st.column_config.TextColumn(tr("registry.field.level")),
        "instansi_kind": st.column_config.TextColumn(tr("registry.field.instansi_kind")),
        "afirmasi": st.column_config.CheckboxColumn(tr("registry.field.afirmasi"), width="small"),
        "demo": st.column_config.CheckboxColumn(tr("registry.field.demo"), width="small"),
    }, key="registry_table")


# ---------------------------------------------------------------------------------------------
# One unit (form)


def unit_form(units: dict[str, Unit], on_add: Callable[[], None]) -> None:
    code = state.lang()
    parents = [u.id for u in (i.unit for i in units_file.unit_tree(list(units.values()))) if u.level != "satker"]
    with st.form("unit_form", border=True):
        st.caption(tr("registry.form.help"))
        cols = st.columns(2)
        cols[0].text_input(tr("registry.field.name"), key="unit_form_name", max_chars=registry.NAME_MAX)
        cols[1].text_input(tr("registry.field.short_name"), key="unit_form_short_name",
                           max_chars=registry.SHORT_MAX)
        cols = st.columns(2)
        cols[0].text_input(tr("registry.field.id"), key="unit_form_id", placeholder=tr("registry.form.id_auto"),
                           help=tr("registry.form.id_help"))
        cols[1].selectbox(tr("registry.field.parent_id"), parents, index=None, key="unit_form_parent_id",
                          format_func=lambda u: f"{units[u].name} ({u})" if u in units else u,
                          placeholder=tr("registry.form.no_parent"))
        cols = st.columns(3)
        cols[0].selectbox(tr("registry.field.level"), list(LEVELS), index=None, key="unit_form_level",
                          format_func=lambda v: _t(f"level.{v}", code), placeholder=tr("registry.form.level_auto"))
        cols[1].selectbox(tr("registry.field.instansi_kind"), list(INSTANSI_KINDS), index=None,
                          key="unit_form_instansi_kind", format_func=lambda v: _t(f"registry.kind.{v}", code),
                          placeholder=tr("registry.form.kind_auto"))
        cols[2].checkbox(tr("registry.field.afirmasi"), key="unit_form_afirmasi",
                         help=tr("registry.form.afirmasi_help"))
        st.form_submit_button(tr("registry.form.submit"), type="primary", on_click=on_add, key="unit_form_submit")
    for message in st.session_state.pop(FORM_PROBLEMS, []):
        st.error(md_escape(message))  # a refusal quotes what was typed


def _t(key: str, code: str) -> str:
    from zi_metrics.i18n import t

    return t(key, code)


def form_values() -> dict[str, Any]:
    """The form's values as plan_unit takes them (blank id: made from the short name or name)."""
    values: dict[str, Any] = {}
    for f in FORM_FIELDS:
        value = st.session_state.get(f"unit_form_{f}")
        if isinstance(value, str):
            value = value.strip()
        if f == "afirmasi":
            value = bool(value)
        if value not in (None, ""):
            values[f] = value
    if "id" not in values:
        base = values.get("short_name") or values.get("name") or ""
        values["id"] = registry.suggest_id(str(base)) or None
        if values["id"] and values.get("parent_id") and not values["id"].startswith(values["parent_id"]):
            values["id"] = f"{values['parent_id']}-{values['id']}"
    return values


def clear_form() -> None:
    for f in FORM_FIELDS:
        st.session_state.pop(f"unit_form_{f}", None)


def add_from_form(store: Store, actor: str) -> tuple[registry.UnitResult | None, list[str]]:
    """Check and save the form's unit; (result, messages of the problems in the UI language)."""
    lang = state.lang()
    plan = registry.plan_unit(store, form_values(), labels=field_labels())
    result = registry.save_plan(store, plan, actor=actor, action="add_unit")
    messages = [p.message(lang) for p in result.problems if p.fatal]
    return (None if messages else result), messages


# ---------------------------------------------------------------------------------------------
# A units file


@st.cache_resource(show_spinner=False, max_entries=16)
def _file_plan(path: str, version: tuple[Any, ...], sha: str, name: str, year: int | None, _data: bytes
               ) -> registry.UnitPlan:
    return registry.plan_units_file(Store(path), _data, name, year=year)


def file_section(store: Store, units: dict[str, Unit], on_save: Callable[[], None]) -> None:
    st.caption(tr("registry.file.help"))
    cols = st.columns([3, 1])
    upload = cols[0].file_uploader(tr("registry.file.upload"), type=["csv", "xlsx"],
                                   key=f"units_upload_{st.session_state.get(UPLOAD_ROUND, 0)}")
    year = cols[1].number_input(tr("registry.file.year"), min_value=2000, max_value=2100, step=1, format="%d",
                                value=None, key="units_year", help=tr("registry.file.year_help"))
    st.download_button(tr("registry.file.template"), data=TEMPLATE.encode("utf-8"), file_name="daftar-unit.csv",
                       mime="text/csv", key="dl_units_template", on_click="ignore", icon=":material/download:")
    if upload is None:
        st.session_state.pop(UNITS_FILE_READY, None)
        return
    data = upload.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    try:
        plan = _file_plan(store.source, state.data_version(store), sha, upload.name,
                          None if year is None else int(year), data)
    except StoreError as exc:
        st.error(tr_md("data.store_error", message=str(exc)))
        return
    problems_view(plan.problems)
    if plan.fatal:
        st.session_state.pop(UNITS_FILE_READY, None)
        return
    changes_frame(plan, units)
    if not plan.changes:
        st.session_state.pop(UNITS_FILE_READY, None)
        st.info(tr("registry.file.unchanged"))
        return
    st.session_state[UNITS_FILE_READY] = plan
    count = sum(1 for c in plan.units if c.status != "unchanged")
    label = tr("registry.file.save", count=count) if count else tr("registry.file.save_facts")
    st.button(label, type="primary", key="units_save", on_click=on_save)


def changes_frame(plan: registry.UnitPlan, units: dict[str, Unit]) -> None:
    st.caption(tr("registry.file.summary", new=plan.count("new"), changed=plan.count("changed"),
                  unchanged=plan.count("unchanged"),
                  facts=sum(1 for f in plan.facts if f.status != "unchanged")))
    frame = pd.DataFrame([{
        "line": c.line,
        "status": tr(f"data.status.{c.status}"),
        "id": c.unit.id,
        "name": c.unit.name,
        "parent_id": c.unit.parent_id or "",
        "level": tr(f"level.{c.unit.level}"),
        "instansi_kind": tr(f"registry.kind.{c.unit.instansi_kind}"),
    } for c in plan.units])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "line": st.column_config.NumberColumn(tr("registry.col.line"), format="%d", width="small"),
        "status": st.column_config.TextColumn(tr("data.col.status"), width="small"),
        "id": st.column_config.TextColumn(tr("registry.field.id")),
        "name": st.column_config.TextColumn(tr("registry.field.name"), width="large"),
        "parent_id": st.column_config.TextColumn(tr("registry.field.parent_id")),
        "level": st.column_config.TextColumn(tr("registry.field.level")),
        "instansi_kind": st.column_config.TextColumn(tr("registry.field.instansi_kind")),
    })


def reset_upload() -> None:
    """Empty the units file uploader (its saved file would only say "unchanged" now)."""
    st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1


def save_file_plan(store: Store, actor: str) -> registry.UnitResult | None:
    plan: registry.UnitPlan | None = st.session_state.pop(UNITS_FILE_READY, None)
    if plan is None:
        return None
    return registry.save_plan(store, plan, actor=actor)


# ---------------------------------------------------------------------------------------------


def registry_section(store: Store, units: dict[str, Unit], *, on_add: Callable[[], None],
                     on_save: Callable[[], None], results: Callable[[str], None] = lambda where: None) -> None:
    st.subheader(tr("registry.title"), anchor="unit-kerja")
    st.caption(tr("registry.count", count=len(units)))
    tabs = st.tabs([tr("registry.tab.file"), tr("registry.tab.form"), tr("registry.tab.list")])
    with tabs[0]:
        results("units_file")
        file_section(store, units, on_save)
    with tabs[1]:
        results("units_form")
        unit_form(units, on_add)
    with tabs[2]:
        if units:
            units_table(units, state.demo_rows(store).units)
            st.download_button(tr("registry.download"), data=lambda: units_file.units_csv(list(units.values())),
                               file_name="daftar-unit.csv", mime="text/csv", key="dl_units",
                               on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("empty.no_units"))

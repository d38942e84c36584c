"""Kelola data: sign in as an editor, import LKE files (preview, then confirm), delete a round,
download the exports; the import log for everyone.

A viewer sees the sign-in choices and the import log only. Every write goes through
zi_metrics.editing / zi_metrics.lke with the signed-in editor as the audit log's actor; the
cached scored rounds of ui.state key on the store's data version, so they refresh by themselves
after a write. Writes run in button callbacks, before the script draws the page, so the sidebar and
every table already show the new data, and no st.rerun() is needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from ui import auth, state
from ui.display import fmt, number_formats, predicate_label
from zi_metrics import editing
from zi_metrics.i18n import t
from zi_metrics.lke import ImportPreview, export_lke, export_payload, export_recap, recap_template
from zi_metrics.lke.common import is_lock_file
from zi_metrics.lke.payload import dump_payload
from zi_metrics.store import STAGES, Store, StoreError, UnknownEvaluationError

tr = state.tr
store = state.get_store()
selection: state.Selection = st.session_state["selection"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FROM_FILE = "file"  # stage choice: take the stages from the file (PortalRB: mandiri + tpi)
FLASH = "_data_flash"
PENDING_DELETE = "_data_pending_delete"
READY = "_data_ready"  # the previews the confirm button would import (as last shown)


def flash(kind: str, message: str) -> None:
    """A message shown when the page is drawn after a write (writes run in callbacks)."""
    st.session_state.setdefault(FLASH, []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop(FLASH, []):
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(message)


def unit_label(units: dict[str, Any], unit_id: str) -> str:
    unit = units.get(unit_id)
    return (unit.short_name or unit.name) if unit else unit_id


def stage_labeller(code: str) -> Callable[[str], str]:
    """A format_func for stage pickers in the language ``code`` (AppTest calls format functions
    after the run, where the session's language can no longer be read)."""
    return lambda stage: t("data.import.stage_from_file" if stage == FROM_FILE else f"stage.{stage}", code)


# ---------------------------------------------------------------------------------------------
# Import


@st.cache_resource(show_spinner=False, max_entries=32)
def _planned(path: str, version: tuple[Any, ...], sha: str, name: str, unit_id: str | None,
             year: int | None, stage: str | None, _data: bytes
             ) -> tuple[ImportPreview, list[editing.RoundChange]]:
    """Preview of one upload against the database as it is now (keyed on its data version)."""
    db = Store(path)
    preview = editing.prepare_upload(db, _data, name, unit_id=unit_id, year=year, stage=stage)
    changes = editing.compare_with_stored(db, preview) if not preview.fatal else []
    return preview, changes


def follow_sidebar(unit_ids: list[str]) -> None:
    """The import choices start from the sidebar selection, and follow it when it changes."""
    changed = st.session_state.get("_data_last_selection") != selection
    st.session_state["_data_last_selection"] = selection
    if (changed or "data_unit" not in st.session_state) and unit_ids:
        st.session_state["data_unit"] = selection.unit_id if selection.unit_id in unit_ids else unit_ids[0]
    if changed or "data_year" not in st.session_state:
        st.session_state["data_year"] = selection.year or dt.date.today().year
    if changed or "data_stage" not in st.session_state:
        st.session_state["data_stage"] = selection.stage or "mandiri"


def changes_table(changes: list[editing.RoundChange], units: dict[str, Any]) -> None:
    frame = pd.DataFrame([{
        "unit": unit_label(units, c.unit_id),
        "year": c.year,
        "stage": tr(f"stage.{c.stage}"),
        "status": tr(f"data.status.{c.status}"),
        "total_before": c.total_before,
        "total_after": c.total_after,
        "predicate_before": predicate_label(c.predicate_before) if c.total_before is not None else "–",
        "predicate_after": predicate_label(c.predicate_after)
        + (f" ({tr('predicate.provisional')})" if c.provisional_after else ""),
        "completeness": c.completeness_after * 100,
    } for c in changes])
    st.dataframe(number_formats(frame, {"total_before": 2, "total_after": 2}), hide_index=True, width="stretch",
                 column_config={
        "unit": st.column_config.TextColumn(tr("col.unit")),
        "year": st.column_config.NumberColumn(tr("col.year"), format="%d"),
        "stage": st.column_config.TextColumn(tr("col.stage")),
        "status": st.column_config.TextColumn(tr("data.col.status")),
        "total_before": st.column_config.NumberColumn(tr("data.col.total_before")),
        "total_after": st.column_config.NumberColumn(tr("data.col.total_after")),
        "predicate_before": st.column_config.TextColumn(tr("data.col.predicate_before")),
        "predicate_after": st.column_config.TextColumn(tr("data.col.predicate_after")),
        "completeness": st.column_config.ProgressColumn(tr("col.completeness"), format="%.0f%%",
                                                        min_value=0, max_value=100),
    })


def problems_table(preview: ImportPreview) -> None:
    frame = pd.DataFrame([{
        "level": tr("data.problem.fatal") if p.fatal else tr("data.problem.warning"),
        "sheet": p.sheet,
        "cell": p.cell,
        "message": p.text(state.lang()),
    } for p in preview.problems])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "level": st.column_config.TextColumn(tr("data.col.level"), width="small"),
        "sheet": st.column_config.TextColumn(tr("data.col.sheet")),
        "cell": st.column_config.TextColumn(tr("data.col.cell"), width="small"),
        "message": st.column_config.TextColumn(tr("data.col.message"), width="large"),
    })


def show_preview(preview: ImportPreview, changes: list[editing.RoundChange], units: dict[str, Any], key: str,
                 unit_ids: list[str], unit_id: str | None, stage_choice: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{preview.file_name}** · {tr(f'data.layout.{preview.layout}')}")
        if preview.layout not in ("recap", "unknown") and unit_ids:
            # Each LKE file may belong to another unit or stage than the batch choice above.
            cols = st.columns(2)
            cols[0].selectbox(tr("data.import.file_unit"), unit_ids, key=f"{key}_unit",
                              index=unit_ids.index(unit_id) if unit_id in unit_ids else 0,
                              format_func=lambda u: unit_label(units, u))
            choices = [*STAGES, FROM_FILE]
            cols[1].selectbox(tr("data.import.file_stage"), choices, key=f"{key}_stage",
                              index=choices.index(stage_choice), format_func=stage_labeller(state.lang()))
        if preview.fatal:
            st.error(tr("data.preview.fatal"))
        elif changes:
            for c in changes:
                before = fmt(c.total_before) if c.total_before is not None else "–"
                st.caption(tr("data.preview.round", unit=unit_label(units, c.unit_id), year=c.year,
                              stage=tr(f"stage.{c.stage}"), total=fmt(c.total_after), before=before,
                              completeness=fmt(c.completeness_after * 100, 0)))
            changes_table(changes, units)
            if preview.changes is False:
                st.info(tr("data.preview.unchanged"))
        workbook_check(preview)
        if preview.problems:
            problems_table(preview)


def workbook_check(preview: ImportPreview) -> None:
    """The workbook's own total (cached by Excel/LibreOffice) beside the project's, each
    difference explained by its row (issue #10.3)."""
    check = getattr(preview.parsed, "workbook", None)
    if check is None or preview.fatal:
        return
    total = fmt(check.total) if isinstance(check.total, float) else (check.total or "–")
    text = tr("data.workbook.total", workbook=total, cell=check.cell or "–", project=fmt(check.project_total))
    if check.agrees:
        st.caption(text + " " + tr("data.workbook.agrees"))
        return
    st.caption(text + " " + tr("data.workbook.differs", count=len(check.differences)))
    if check.differences:
        st.dataframe(pd.DataFrame([{"cell": d.cell, "why": d.text(state.lang())} for d in check.differences]),
                     hide_index=True, width="stretch", column_config={
                         "cell": st.column_config.TextColumn(tr("data.col.cell"), width="small"),
                         "why": st.column_config.TextColumn(tr("data.workbook.why"), width="large")})


def import_section(units: dict[str, Any]) -> None:
    st.subheader(tr("data.import.title"))
    st.caption(tr("data.import.help"))
    files = st.file_uploader(tr("data.import.files"), type=["xlsx", "xls", "ods", "json", "csv"],
                             accept_multiple_files=True, key="data_upload")
    locks = [f.name for f in files or [] if is_lock_file(f.name)]
    if locks and len(files) > len(locks):  # Excel's ~$name.xlsx beside the workbook: skipped
        st.caption(tr("data.import.lock_skipped", files=", ".join(locks)))
        files = [f for f in files if not is_lock_file(f.name)]
    unit_ids = sorted(units, key=lambda u: (units[u].level != "instansi", units[u].name))
    if not unit_ids:
        st.warning(tr("empty.no_units"))
    follow_sidebar(unit_ids)
    cols = st.columns(3)
    unit_id = cols[0].selectbox(tr("sidebar.unit"), unit_ids, key="data_unit",
                                format_func=lambda u: unit_label(units, u))
    year = cols[1].number_input(tr("sidebar.year"), min_value=2000, max_value=2100, step=1, format="%d",
                                key="data_year")
    stage_choice = cols[2].selectbox(tr("sidebar.stage"), [*STAGES, FROM_FILE], key="data_stage",
                                     format_func=stage_labeller(state.lang()))
    if not files:
        st.session_state.pop(READY, None)
        return
    batch = (unit_id, int(year), stage_choice)
    if st.session_state.get("_data_last_batch") != batch:  # the batch choice resets every file's own
        st.session_state["_data_last_batch"] = batch
        for key in [k for k in st.session_state if str(k).startswith("data_file_")]:
            del st.session_state[key]
    planned: list[tuple[str, ImportPreview, list[editing.RoundChange]]] = []
    bar = st.progress(0.0, text=tr("data.import.reading", done=0, total=len(files))) if len(files) > 1 else None
    try:
        for n, upload in enumerate(files, start=1):
            data = upload.getvalue()
            sha = hashlib.sha256(data).hexdigest()
            key = f"data_file_{n}_{sha[:12]}"
            file_unit = st.session_state.get(f"{key}_unit", unit_id)
            file_stage = st.session_state.get(f"{key}_stage", stage_choice)
            preview, changes = _planned(str(store.path), state.data_version(store), sha, upload.name, file_unit,
                                        int(year), None if file_stage == FROM_FILE else file_stage, data)
            planned.append((key, preview, changes))
            if bar is not None:
                bar.progress(n / len(files), text=tr("data.import.reading", done=n, total=len(files)))
    except StoreError as exc:
        st.error(tr("data.store_error", message=str(exc)))
        return
    if bar is not None:
        bar.empty()
    for key, preview, changes in planned:
        show_preview(preview, changes, units, key, unit_ids, unit_id, stage_choice)
    previews = [p for _, p, _ in planned]
    ready = [p for p in previews if editing.importable(p)]
    st.session_state[READY] = ready
    skipped = sum(1 for p in previews if p.fatal)
    if skipped:
        st.warning(tr("data.import.skipped", count=skipped))
    targets = [(r.unit_id, r.year, r.stage) for p in ready for r in p.rounds]
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        st.warning(tr("data.import.same_round", rounds="; ".join(
            f"{unit_label(units, u)} {y} {tr(f'stage.{s}')}" for u, y, s in twice)))
    st.button(tr("data.import.confirm", count=len(ready)), type="primary", disabled=not ready,
              key="data_confirm", on_click=on_import)


def signed_in_editor() -> auth.Editor | None:
    """The editor, checked again when a write callback runs (an account removed from the secrets
    since the page was drawn can no longer write)."""
    editor = auth.current_editor()
    if editor is None:
        flash("error", tr("data.sign_in_again"))
    return editor


def on_import() -> None:
    """Confirm callback: import the previews shown in the last run, one transaction per file."""
    ready: list[ImportPreview] = st.session_state.pop(READY, [])
    editor = signed_in_editor()
    if not ready or editor is None:
        return
    bar = st.progress(0.0, text=tr("data.import.progress", done=0, total=len(ready)))

    def progress(done: int, total: int, _result: Any) -> None:
        bar.progress(done / total, text=tr("data.import.progress", done=done, total=total))

    try:
        results = editing.import_previews(store, ready, actor=editor.actor, progress=progress)
    except StoreError as exc:
        flash("error", tr("data.store_error", message=str(exc)))
        return
    for result in results:
        name = result.preview.file_name
        if result.fatal:
            flash("error", tr("data.import.failed", file=name,
                              message="; ".join(p.text(state.lang()) for p in result.problems if p.fatal)))
        elif result.written:
            flash("success", tr("data.import.done", file=name, rounds=len(result.statuses)))
        else:
            flash("info", tr("data.preview.unchanged"))


# ---------------------------------------------------------------------------------------------
# Delete a round


def delete_section(units: dict[str, Any]) -> None:
    st.subheader(tr("data.delete.title"))
    if selection.unit_id is None:
        st.info(tr("empty.no_selection"))
        return
    try:
        rounds = store.evaluations(unit_id=selection.unit_id)
    except StoreError as exc:
        st.error(tr("data.store_error", message=str(exc)))
        return
    if rounds.empty:
        st.caption(tr("data.delete.none", unit=unit_label(units, selection.unit_id)))
        return
    options = [(int(r.year), str(r.stage)) for r in rounds.itertuples(index=False)]
    default = (selection.year, selection.stage)
    label_stage = stage_labeller(state.lang())
    chosen = st.selectbox(tr("data.delete.round", unit=unit_label(units, selection.unit_id)), options,
                          index=options.index(default) if default in options else len(options) - 1,
                          format_func=lambda o: f"{o[0]} · {label_stage(o[1])}", key="data_delete_round")
    pending = st.session_state.get(PENDING_DELETE)
    if pending is None:
        st.button(tr("data.delete.button"), key="data_delete", on_click=ask_delete,
                  args=((selection.unit_id, *chosen),))
        return
    unit_id, year, stage = pending
    st.warning(tr("data.delete.confirm_text", unit=unit_label(units, unit_id), year=year,
                  stage=tr(f"stage.{stage}")))
    cols = st.columns(2)
    cols[0].button(tr("data.delete.confirm"), type="primary", key="data_delete_confirm", on_click=on_delete,
                   args=(units,))
    cols[1].button(tr("data.delete.cancel"), key="data_delete_cancel", on_click=st.session_state.pop,
                   args=(PENDING_DELETE, None))


def ask_delete(target: tuple[str, int, str]) -> None:
    st.session_state[PENDING_DELETE] = target


def on_delete(units: dict[str, Any]) -> None:
    """Second-step callback: delete the round named in the first step."""
    pending = st.session_state.pop(PENDING_DELETE, None)
    editor = signed_in_editor()
    if pending is None or editor is None:
        return
    unit_id, year, stage = pending
    try:
        editing.delete_round(store, unit_id, year, stage, actor=editor.actor)
    except UnknownEvaluationError:
        flash("warning", tr("data.delete.gone"))
    except StoreError as exc:
        flash("error", tr("data.store_error", message=str(exc)))
    else:
        flash("success", tr("data.delete.done", unit=unit_label(units, unit_id), year=year,
                            stage=tr(f"stage.{stage}")))


# ---------------------------------------------------------------------------------------------
# Downloads (generated when clicked)


def downloads_section(units: dict[str, Any]) -> None:
    st.subheader(tr("data.download.title"))
    year, stage, unit_id = selection.year, selection.stage, selection.unit_id
    cols = st.columns(4)
    try:
        has_round = year is not None and stage in store.stages_for(year)
        lke_ok = bool(unit_id and year and stage) and editing.lke_exportable(store, unit_id, year, stage)
        payload_ok = bool(unit_id and year) and editing.payload_exportable(store, unit_id, year)
    except StoreError as exc:
        st.error(tr("data.store_error", message=str(exc)))
        return
    with cols[0]:
        if has_round:
            st.download_button(tr("data.download.recap", year=year, stage=tr(f"stage.{stage}")),
                               data=lambda: export_recap(store, year, stage, state.lang()),
                               file_name=f"rekap-zi-{year}-{stage}.xlsx", mime=XLSX, key="dl_recap",
                               on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("data.download.no_round"))
    with cols[1]:
        if lke_ok:
            st.download_button(tr("data.download.lke", unit=unit_label(units, unit_id)),
                               data=lambda: export_lke(store, unit_id, year, stage),
                               file_name=f"lke-{unit_id}-{year}-{stage}.xlsx", mime=XLSX, key="dl_lke",
                               on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("data.download.no_lke"))
    with cols[2]:
        if payload_ok:
            st.download_button(tr("data.download.payload", unit=unit_label(units, unit_id)),
                               data=lambda: dump_payload(export_payload(store, unit_id, year)),
                               file_name=f"payload-{unit_id}-{year}.json", mime="application/json",
                               key="dl_payload", on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("data.download.no_payload"))
    with cols[3]:
        st.download_button(tr("data.download.template"), data=lambda: recap_template("xlsx"),
                           file_name="templat-rekap-zi.xlsx", mime=XLSX, key="dl_template",
                           on_click="ignore", icon=":material/download:")


# ---------------------------------------------------------------------------------------------
# Import log (everyone)


def import_log() -> None:
    st.subheader(tr("data.log.title"))
    try:
        log = store.audit_log(limit=100)
    except StoreError as exc:
        st.error(tr("data.store_error", message=str(exc)))
        return
    if log.empty:
        st.caption(tr("data.log.empty"))
        return
    # a change made in the app has no file: "–", never "None"
    log = log.assign(file_sha256=log["file_sha256"].map(lambda h: h[:12] if isinstance(h, str) else "–"),
                     file_name=log["file_name"].map(lambda f: f if isinstance(f, str) and f else "–"))
    st.dataframe(log[["at", "actor", "action", "file_name", "detail", "file_sha256"]], hide_index=True,
                 width="stretch", column_config={
                     "at": st.column_config.DatetimeColumn(tr("data.log.at"), format="YYYY-MM-DD HH:mm:ss"),
                     "actor": st.column_config.TextColumn(tr("data.log.actor")),
                     "action": st.column_config.TextColumn(tr("data.log.action")),
                     "file_name": st.column_config.TextColumn(tr("data.log.file")),
                     "detail": st.column_config.TextColumn(tr("data.log.detail"), width="large"),
                     "file_sha256": st.column_config.TextColumn("SHA-256", width="small"),
                 })
    st.caption(tr("data.log.utc"))


# ---------------------------------------------------------------------------------------------

st.title(tr("page.data"))
state.demo_banner(store)
show_flash()
editor = auth.panel()
if editor is not None:
    try:
        all_units = {u.id: u for u in store.list_units()}
    except StoreError as exc:
        st.error(tr("data.store_error", message=str(exc)))
        st.stop()
    import_section(all_units)
    st.divider()
    delete_section(all_units)
    st.divider()
    downloads_section(all_units)
    st.divider()
import_log()

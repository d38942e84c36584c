"""Kelola data: sign in as an editor, register the units (a file or a form), import LKE files
(each asks its unit and round; preview, then confirm), delete a round, download the exports; the
import log for everyone (refused sign-ins for editors only). On a database without evaluations
the page starts with the first steps and the offer to load the demo.

A viewer sees the sign-in choices, the first steps and the import log only. Every write goes
through zi_metrics (editing, registry, lke, demo) with the signed-in editor as the audit log's
actor; the cached scored rounds of ui.state key on the store's data version, so they refresh by
themselves after a write. Writes run in button callbacks, before the script draws the page, so the
sidebar and every table already show the new data, and no st.rerun() is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from ui import auth, onboarding, registry_section, state
from ui.data_import import READY, import_section, problem_text, stage_labeller, unit_label
from ui.display import md_escape, tr_md
from zi_metrics import editing
from zi_metrics.audit_text import audit_sentences
from zi_metrics.lke import ImportPreview, export_lke, export_payload, export_recap, recap_template
from zi_metrics.lke.payload import dump_payload
from zi_metrics.store import SIGN_IN_FAILED, StoreError, UnknownEvaluationError, backup_bytes

tr = state.tr
store = state.get_store()
selection: state.Selection = st.session_state["selection"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLASH = "_data_flash"
PENDING_DELETE = "_data_pending_delete"


def flash(kind: str, message: Any, where: str = "top") -> None:
    """A message shown where the action was (``where``: top, import, units_form, units_file) when
    the page is drawn after a write (writes run in callbacks); kind ``profile`` carries (unit id,
    year, stage) for a link to the imported round's profile."""
    st.session_state.setdefault(FLASH, []).append((where, kind, message))


def show_flash(where: str = "top") -> None:
    kept, shown = [], []
    for item in st.session_state.pop(FLASH, []):
        (shown if item[0] == where else kept).append(item)
    if kept:
        st.session_state[FLASH] = kept
    for _, kind, message in shown:
        if kind == "profile":
            unit_id, year, stage = message
            onboarding.profile_link(unit_id, unit_label(state.units_of(store), unit_id), year, stage)
            continue
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(message)


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
        flash("error", tr_md("data.store_error", message=str(exc)))
        return
    lang = state.lang()
    for result in results:
        name = result.preview.file_name
        if result.fatal:
            flash("error", tr_md("data.import.failed", file=name,
                              message="; ".join(problem_text(p, lang) for p in result.problems if p.fatal)), "import")
        elif result.written:
            flash("success", tr_md("data.import.done", file=name, rounds=len(result.statuses)), "import")
            for s in result.statuses:
                flash("profile", (s.unit_id, s.year, s.stage), "import")
        else:
            flash("info", tr("data.preview.unchanged"), "import")


def on_add_unit() -> None:
    """The unit form's callback: check and save one unit."""
    editor = signed_in_editor()
    if editor is None:
        return
    try:
        result, messages = registry_section.add_from_form(store, editor.actor)
    except StoreError as exc:
        flash("error", tr_md("data.store_error", message=str(exc)))
        return
    if result is None:
        st.session_state[registry_section.FORM_PROBLEMS] = messages
        return
    unit = result.plan.units[0].unit
    flash("success", tr_md("registry.form.done", name=unit.name, id=unit.id), "units_form")
    for p in result.plan.warnings:
        flash("warning", md_escape(p.message(state.lang())), "units_form")
    registry_section.clear_form()


def on_save_units() -> None:
    """The units file's save callback (one transaction)."""
    editor = signed_in_editor()
    if editor is None:
        return
    result = registry_section.save_file_plan(store, editor.actor)
    if result is None:
        return
    if result.fatal:
        flash("error", tr_md("registry.file.failed", message="; ".join(p.message(state.lang()) for p in result.problems
                                                                 if p.fatal)), "units_file")
        return
    plan = result.plan
    flash("success", tr_md("registry.file.done", file=plan.source, new=plan.count("new"),
                        changed=plan.count("changed"), facts=sum(1 for f in plan.facts if f.status != "unchanged")),
          "units_file")
    registry_section.reset_upload()


def on_remove_demo() -> None:
    """Second step of "Hapus data demo": delete exactly the demo rows (one transaction)."""
    st.session_state.pop(onboarding.REMOVE_PENDING, None)
    editor = signed_in_editor()
    if editor is None:
        return
    try:
        removal = store.remove_demo(actor=editor.actor)
    except StoreError as exc:
        flash("error", tr_md("data.store_error", message=str(exc)))
        return
    flash("success", tr("demo.removed", units=removal.units, rounds=removal.rounds, facts=removal.facts,
                        awards=removal.awards))
    if removal.kept_units:
        units = state.units_of(store)
        flash("info", tr_md("demo.kept", units=", ".join(unit_label(units, u) for u in removal.kept_units)))


def on_load_demo() -> None:
    """Load the synthetic demo into a database without real data (seed-demo's refusal applies)."""
    from zi_metrics.demo import DemoRefusedError, seed_demo

    if signed_in_editor() is None:
        return
    try:
        summary = seed_demo(store)
    except DemoRefusedError:
        flash("error", tr("onboarding.demo.refused"))
    except StoreError as exc:
        flash("error", tr_md("data.store_error", message=str(exc)))
    else:
        flash("success", tr("onboarding.demo.done", units=summary.units, rounds=summary.evaluations))


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
        st.error(tr_md("data.store_error", message=str(exc)))
        return
    if rounds.empty:
        st.caption(tr_md("data.delete.none", unit=unit_label(units, selection.unit_id)))
        return
    options = [(int(r.year), str(r.stage)) for r in rounds.itertuples(index=False)]
    default = (selection.year, selection.stage)
    label_stage = stage_labeller(state.lang())
    chosen = st.selectbox(tr_md("data.delete.round", unit=unit_label(units, selection.unit_id)), options,
                          index=options.index(default) if default in options else len(options) - 1,
                          format_func=lambda o: f"{o[0]} · {label_stage(o[1])}", key="data_delete_round")
    pending = st.session_state.get(PENDING_DELETE)
    if pending is None:
        st.button(tr("data.delete.button"), key="data_delete", on_click=ask_delete,
                  args=((selection.unit_id, *chosen),))
        return
    unit_id, year, stage = pending
    st.warning(tr_md("data.delete.confirm_text", unit=unit_label(units, unit_id), year=year,
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
        flash("error", tr_md("data.store_error", message=str(exc)))
    else:
        flash("success", tr_md("data.delete.done", unit=unit_label(units, unit_id), year=year,
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
        st.error(tr_md("data.store_error", message=str(exc)))
        return
    language = state.lang()  # read here: Streamlit runs the callables below off the script thread
    with cols[0]:
        if has_round:
            st.download_button(tr("data.download.recap", year=year, stage=tr(f"stage.{stage}")),
                               data=lambda: export_recap(store, year, stage, language),
                               file_name=f"rekap-zi-{year}-{stage}.xlsx", mime=XLSX, key="dl_recap",
                               on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("data.download.no_round"))
    with cols[1]:
        if lke_ok:
            st.download_button(tr_md("data.download.lke", unit=unit_label(units, unit_id)),
                               data=lambda: export_lke(store, unit_id, year, stage),
                               file_name=f"lke-{unit_id}-{year}-{stage}.xlsx", mime=XLSX, key="dl_lke",
                               on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("data.download.no_lke"))
    with cols[2]:
        if payload_ok:
            st.download_button(tr_md("data.download.payload", unit=unit_label(units, unit_id)),
                               data=lambda: dump_payload(export_payload(store, unit_id, year)),
                               file_name=f"payload-{unit_id}-{year}.json", mime="application/json",
                               key="dl_payload", on_click="ignore", icon=":material/download:")
        else:
            st.caption(tr("data.download.no_payload"))
    with cols[3]:
        st.download_button(tr("data.download.template"), data=lambda: recap_template("xlsx"),
                           file_name="templat-rekap-zi.xlsx", mime=XLSX, key="dl_template",
                           on_click="ignore", icon=":material/download:")


def backup_section() -> None:
    """A backup of the whole database for editors: built when the button is clicked (a consistent
    copy while others read and import; see zi_metrics.store.backup), restored with the CLI."""
    st.subheader(tr("data.backup.title"))
    st.caption(tr("data.backup.caption"))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")  # when the page was drawn: near enough for a name
    st.download_button(tr("data.backup.download"), data=lambda: backup_bytes(store),
                       file_name=f"cadangan-zi-{stamp}.duckdb", mime="application/octet-stream",
                       key="dl_backup", on_click="ignore", icon=":material/backup:")


# ---------------------------------------------------------------------------------------------
# Import log (everyone)


def import_log() -> None:
    """The audit log as sentences (zi_metrics.audit_text), in the reader's time zone."""
    st.subheader(tr("data.log.title"))
    try:
        # Refused sign-ins (user names tried, addresses) are for editors' eyes only.
        log = store.audit_log(limit=100, without=() if editor is not None else (SIGN_IN_FAILED,))
    except StoreError as exc:
        st.error(tr_md("data.store_error", message=str(exc)))
        return
    if log.empty:
        st.caption(tr("data.log.empty"))
        return
    zone = st.context.timezone or "UTC"
    names = {uid: u.short_name or u.name for uid, u in all_units.items()}
    entries = pd.DataFrame({
        "entry": audit_sentences(log, state.lang(), units=names, tz=zone),
        # a change made in the app has no file: "–", never "None"
        "file_sha256": log["file_sha256"].map(lambda h: h[:12] if isinstance(h, str) else "–"),
    })
    st.dataframe(entries, hide_index=True, width="stretch", column_config={
        "entry": st.column_config.TextColumn(tr("data.log.entry"), width="large"),
        "file_sha256": st.column_config.TextColumn("SHA-256", width="small"),
    })
    st.caption(tr("data.log.zone", zone=zone))


# ---------------------------------------------------------------------------------------------

st.title(tr("page.data"))
state.demo_banner(store)  # the page offers the whole database: any demo row
show_flash()
try:
    all_units = dict(state.units_of(store))
    empty = not state.years_of(store)
except StoreError as exc:
    st.error(tr_md("data.store_error", message=str(exc)))
    st.stop()
if empty:  # the first steps come before the sign-in they start with
    config = auth.auth_config(auth.read_secrets())
    onboarding.first_steps(store, editor=auth.current_editor(config) is not None,
                           editors_configured=config.oidc or config.local, on_demo=on_load_demo)
editor = auth.panel()
if editor is not None:
    registry_section.registry_section(store, all_units, on_add=on_add_unit, on_save=on_save_units,
                                      results=show_flash)
    st.divider()
    import_section(store, all_units, on_import, results=lambda: show_flash("import"))
    st.divider()
    if not empty:
        delete_section(all_units)
        st.divider()
        downloads_section(all_units)
        st.divider()
    if state.shows_demo(store):
        onboarding.demo_section(store, on_remove=on_remove_demo)
        st.divider()
    backup_section()
    st.divider()
import_log()

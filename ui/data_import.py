"""The LKE import of the Kelola data page: each file asks which unit and round (year, stage) it is
for, with a suggestion read from the workbook or its name (never the sidebar's choice), then a
preview against what is stored, blocking problems first and standing out, warnings after and
collapsed, and one confirm button (one transaction per file).

Writes run in button callbacks, before the script draws the page (see views/kelola-data.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from ui.display import fmt, number_formats, predicate_label, tr_md
from zi_metrics import editing, import_hints
from zi_metrics.i18n import t
from zi_metrics.lke import ImportPreview, read_bytes
from zi_metrics.lke.common import is_lock_file
from zi_metrics.store import STAGES, Store, StoreError

tr = state.tr
FROM_FILE = "file"  # stage choice: take the stages from the file (PortalRB: mandiri + tpi)
READY = "_data_ready"  # the previews the confirm button would import (as last shown)
READY_TO_IMPORT, UNCHANGED, WAITING, BLOCKED = "ready", "unchanged", "waiting", "blocked"
MULTI_STAGE_LAYOUTS = ("jawaban", "payload")
UPLOAD_TYPES = ["xlsx", "xls", "ods", "json", "csv"]


def unit_label(units: dict[str, Any], unit_id: str) -> str:
    unit = units.get(unit_id)
    return (unit.short_name or unit.name) if unit else unit_id


def stage_labeller(code: str) -> Callable[[str], str]:
    """A format_func for stage pickers in the language ``code`` (AppTest calls format functions
    after the run, where the session's language can no longer be read)."""
    return lambda stage: t("data.import.stage_from_file" if stage == FROM_FILE else f"stage.{stage}", code)


def problem_text(problem: Any, lang: str) -> str:
    """A reader's problem in the interface's language (its English message when it has no code)."""
    text = getattr(problem, "text", None)
    return text(lang) if callable(text) else problem.message


# ---------------------------------------------------------------------------------------------
# Cached reads (keyed on the file's SHA-256 and the database's data version)


@st.cache_resource(show_spinner=False, max_entries=64)
def _parsed(sha: str, name: str, _data: bytes) -> Any:
    return read_bytes(_data, name)


@st.cache_resource(show_spinner=False, max_entries=64)
def _hints(sha: str, name: str, version: tuple[Any, ...], _data: bytes, _units: dict[str, Any]
           ) -> import_hints.Hints:
    return import_hints.suggest(_data, name, _units)


@st.cache_resource(show_spinner=False, max_entries=32)
def _planned(path: str, version: tuple[Any, ...], sha: str, name: str, unit_id: str | None,
             year: int | None, stage: str | None, _data: bytes
             ) -> tuple[ImportPreview, list[editing.RoundChange]]:
    """Preview of one upload against the database as it is now (keyed on its data version)."""
    db = Store(path)
    preview = editing.prepare_upload(db, _data, name, unit_id=unit_id, year=year, stage=stage)
    changes = editing.compare_with_stored(db, preview) if not preview.fatal else []
    return preview, changes


# ---------------------------------------------------------------------------------------------
# Drawing


def problems_view(problems: Sequence[Any], key: str) -> None:
    """Blocking problems first, in an error box with their table; warnings after, collapsed."""
    lang = state.lang()
    blocking = [p for p in problems if p.fatal]
    warnings = [p for p in problems if not p.fatal]
    if blocking:
        st.error(tr("data.problems.blocking", count=len(blocking)), icon=":material/block:")
        _problem_table(blocking, lang)
    if warnings:
        with st.expander(tr("data.problems.warnings", count=len(warnings)), expanded=False,
                         icon=":material/warning:"):
            _problem_table(warnings, lang)


def _problem_table(problems: Sequence[Any], lang: str) -> None:
    frame = pd.DataFrame([{"sheet": p.sheet, "cell": p.cell, "message": problem_text(p, lang)} for p in problems])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "sheet": st.column_config.TextColumn(tr("data.col.sheet"), width="small"),
        "cell": st.column_config.TextColumn(tr("data.col.cell"), width="small"),
        "message": st.column_config.TextColumn(tr("data.col.message"), width="large"),
    })


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
    shown = number_formats(frame, {"total_before": 2, "total_after": 2})  # the language's format, still numbers
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
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


def hint_captions(hints: import_hints.Hints, chosen: dict[str, Any]) -> None:
    """One line per place the suggestions still shown came from: "Unit dan tahun disarankan dari
    isi berkas: ..." (a suggestion the user replaced is not mentioned)."""
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for what in ("unit", "year", "stage"):
        hint = getattr(hints, what)
        if hint is not None and chosen.get(what) == hint.value:
            whats, texts = groups.setdefault(hint.source, ([], []))
            whats.append(tr(f"data.import.what_{what}"))
            if hint.text not in texts:
                texts.append(hint.text)
    for source, (whats, texts) in groups.items():
        what = whats[0] if len(whats) == 1 else f"{', '.join(whats[:-1])} {tr('data.import.and')} {whats[-1]}"
        what = what[:1].upper() + what[1:]
        st.caption(tr(f"data.import.hint_{source}", what=what,
                      text=" · ".join(state.md_text(text[:80]) for text in texts)))


def _seed(key: str, value: Any) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def round_choice(key: str, layout: str, hints: import_hints.Hints, units: dict[str, Any],
                 unit_ids: list[str]) -> tuple[str | None, int | None, str | None, bool]:
    """The unit, year and stage pickers of one file; (unit, year, stage or None for "from the
    file", complete)."""
    multi = layout in MULTI_STAGE_LAYOUTS
    stages = [FROM_FILE, "mandiri", "tpi"] if multi else list(STAGES)
    hinted_stage = hints.stage.value if hints.stage and hints.stage.value in stages else None
    _seed(f"{key}_unit", hints.unit.value if hints.unit and hints.unit.value in unit_ids else None)
    _seed(f"{key}_year", hints.year.value if hints.year else None)
    _seed(f"{key}_stage", hinted_stage or (FROM_FILE if multi else None))
    cols = st.columns([3, 1, 2])
    with cols[0]:
        unit_id = st.selectbox(tr("data.import.file_unit"), unit_ids, key=f"{key}_unit",
                               format_func=lambda u: unit_label(units, u),
                               placeholder=tr("data.import.choose_unit"))
    with cols[1]:
        year = st.number_input(tr("data.import.file_year"), min_value=2000, max_value=2100, step=1, format="%d",
                               key=f"{key}_year", placeholder=tr("data.import.choose_year"))
    with cols[2]:
        stage = st.selectbox(tr("data.import.file_stage"), stages, key=f"{key}_stage",
                             format_func=stage_labeller(state.lang()), placeholder=tr("data.import.choose_stage"))
    if hints.unit is None:
        st.caption(tr("data.import.no_unit_hint"))
    hint_captions(hints, {"unit": unit_id, "year": year, "stage": stage})
    complete = unit_id is not None and year is not None and stage is not None
    return unit_id, None if year is None else int(year), None if stage == FROM_FILE else stage, complete


def _status(preview: ImportPreview) -> str:
    if preview.fatal:
        return BLOCKED
    return READY_TO_IMPORT if editing.importable(preview) else UNCHANGED


def file_view(store: Store, upload: Any, data: bytes, sha: str, units: dict[str, Any], unit_ids: list[str]
              ) -> tuple[str, ImportPreview | None]:
    """One uploaded file: what it is, its round, its preview. Returns its status (ready, unchanged,
    waiting for a choice, blocked) and its preview once planned."""
    key = f"data_file_{sha[:16]}"
    parsed = _parsed(sha, upload.name, data)
    with st.container(border=True):
        st.markdown(f"**{state.md_text(upload.name)}** · {tr(f'data.layout.{parsed.layout}')}")
        if parsed.fatal or parsed.layout in ("recap", "unknown"):
            preview, changes = _planned(store.source, state.data_version(store), sha, upload.name, None, None,
                                        None, data)
            _preview_body(preview, changes, units)
            return _status(preview), preview
        if not unit_ids:
            st.warning(tr("data.import.register_first"))
            problems_view(parsed.problems, key)
            return WAITING, None
        hints = _hints(sha, upload.name, state.data_version(store), data, units)
        unit_id, year, stage, complete = round_choice(key, parsed.layout, hints, units, unit_ids)
        if not complete:
            st.info(tr("data.import.choose_round"))
            workbook_check(parsed)  # a fact of the file: shown before its round is chosen
            problems_view(parsed.problems, key)
            return WAITING, None
        preview, changes = _planned(store.source, state.data_version(store), sha, upload.name, unit_id, year,
                                    stage, data)
        _preview_body(preview, changes, units)
    return _status(preview), preview


def _preview_body(preview: ImportPreview, changes: list[editing.RoundChange], units: dict[str, Any]) -> None:
    if preview.fatal:
        problems_view(preview.problems, "")
        return
    for c in changes:
        before = fmt(c.total_before) if c.total_before is not None else "–"
        st.caption(tr_md("data.preview.round", unit=unit_label(units, c.unit_id), year=c.year,
                         stage=tr(f"stage.{c.stage}"), total=fmt(c.total_after), before=before,
                         completeness=fmt(c.completeness_after * 100, 0)))
    if changes:
        changes_table(changes, units)
    if preview.changes is False:
        st.info(tr("data.preview.unchanged"))
    workbook_check(preview.parsed)
    problems_view(preview.problems, "")


def workbook_check(parsed: Any) -> None:
    """The workbook's own total (cached by Excel/LibreOffice) beside the project's, each
    difference explained by its row (issue #10.3)."""
    check = getattr(parsed, "workbook", None)
    if check is None or parsed.fatal:
        return
    total = fmt(check.total) if isinstance(check.total, float) else (check.total or "–")
    text = tr_md("data.workbook.total", workbook=total, cell=check.cell or "–", project=fmt(check.project_total))
    if check.agrees:
        st.caption(text + " " + tr("data.workbook.agrees"))
        return
    st.caption(text + " " + tr("data.workbook.differs", count=len(check.differences)))
    if check.differences:
        lang = state.lang()
        rows = [{"cell": d.cell, "why": d.text(lang).removeprefix(f"{d.cell}: ")} for d in check.differences]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
            "cell": st.column_config.TextColumn(tr("data.col.cell"), width="small"),
            "why": st.column_config.TextColumn(tr("data.workbook.why"), width="large")})


def import_section(store: Store, units: dict[str, Any], on_import: Callable[[], None],
                   results: Callable[[], None] = lambda: None) -> None:
    st.subheader(tr("data.import.title"))
    st.caption(tr("data.import.help"))
    files = st.file_uploader(tr("data.import.files"), type=UPLOAD_TYPES, accept_multiple_files=True,
                             key="data_upload")
    locks = [f.name for f in files or [] if is_lock_file(f.name)]
    if locks and len(files) > len(locks):  # Excel's ~$name.xlsx beside the workbook: skipped
        st.caption(tr_md("data.import.lock_skipped", files=", ".join(locks)))
        files = [f for f in files if not is_lock_file(f.name)]
    unit_ids = sorted(units, key=lambda u: (units[u].level != "instansi", units[u].name))
    if not files:
        st.session_state.pop(READY, None)
        results()
        return
    ready: list[ImportPreview] = []
    counts = dict.fromkeys((READY_TO_IMPORT, UNCHANGED, WAITING, BLOCKED), 0)
    shown: set[str] = set()
    bar = st.progress(0.0, text=tr("data.import.reading", done=0, total=len(files))) if len(files) > 1 else None
    try:
        for n, upload in enumerate(files, start=1):
            data = upload.getvalue()
            sha = hashlib.sha256(data).hexdigest()
            if sha in shown:
                st.warning(tr("data.import.duplicate_file", file=state.md_text(upload.name)))
                continue
            shown.add(sha)
            status, preview = file_view(store, upload, data, sha, units, unit_ids)
            counts[status] += 1
            if status == READY_TO_IMPORT and preview is not None:
                ready.append(preview)
            if bar is not None:
                bar.progress(n / len(files), text=tr("data.import.reading", done=n, total=len(files)))
    except StoreError as exc:
        st.error(tr_md("data.store_error", message=str(exc)))
        return
    if bar is not None:
        bar.empty()
    st.session_state[READY] = ready
    if counts[WAITING]:
        st.info(tr("data.import.waiting", count=counts[WAITING]))
    if counts[BLOCKED]:
        st.warning(tr("data.import.skipped", count=counts[BLOCKED]))
    targets = [(r.unit_id, r.year, r.stage) for p in ready for r in p.rounds]
    twice = sorted({x for x in targets if targets.count(x) > 1})
    if twice:
        st.warning(tr_md("data.import.same_round", rounds="; ".join(
            f"{unit_label(units, u)} {y} {tr(f'stage.{s}')}" for u, y, s in twice)))
    st.button(tr("data.import.confirm", count=len(ready)), type="primary", disabled=not ready,
              key="data_confirm", on_click=on_import)
    results()

"""Tindak lanjut: the follow-up of every assessor's note across units, for the sidebar's year.

Filters (assessor stage, unit, area, status, PIC, kind of shortfall), progress per unit and per
area (% of items done, bars), the list with a link from each item to Analisis kesenjangan, the
XLSX download of what is shown, and, for editors, the edit form of one follow-up (one audited
transaction, refused when someone else changed it meanwhile)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from ui import auth, state
from ui.display import md_escape, tr_md
from zi_metrics import followups
from zi_metrics.followup_charts import progress_bar_figure
from zi_metrics.followup_export import check_word, followups_workbook
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.framework import load_framework
from zi_metrics.i18n import t
from zi_metrics.names import measure_name
from zi_metrics.stages import ASSESSOR_STAGES
from zi_metrics.store import FollowUpConflictError, StoreError, UnknownFollowUpError

tr = state.tr
lang = state.lang()
store = state.get_store()
selection: state.Selection = st.session_state["selection"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLASH = "_followup_flash"
CHART_UNITS = 25  # bars in the per-unit chart (the furthest behind); the table holds every unit
PICK_LIMIT = 500  # items offered by the edit picker; more: filter first
CHECK_CHOICES = ("unknown", "yes", "no")
CHECK_VALUE = {"unknown": None, "yes": True, "no": False}


def flash(kind: str, message: str) -> None:
    st.session_state.setdefault(FLASH, []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop(FLASH, []):
        {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)(message)


def labeller(prefix: str) -> Callable[[str], str]:
    """A format_func in this run's language (AppTest calls it after the run)."""
    code = lang
    return lambda value: t(f"{prefix}{value}", code)


st.title(tr("page.followup"))
if selection.year is None:
    st.info(tr("empty.no_data"))
    st.stop()
year = selection.year
today = dt.date.today()
state.demo_banner(store, year=year)
heading = st.empty()  # names the year and the stages shown, once the filters are read
st.caption(tr("followup.caption"))

frame: pd.DataFrame = state.memo(store, ("followups", year, today),
                                 lambda: followups.enrich(store.follow_ups(year=year), today))
if frame.empty:
    st.info(tr("followup.empty_year", year=year))
    st.stop()

units = state.units_of(store)


def unit_name(unit_id: str) -> str:
    u = units.get(unit_id)
    return (u.short_name or u.name) if u else unit_id


fws = {fid: load_framework(fid) for fid in frame["framework_id"].unique()}
area_order = list(dict.fromkeys(code for fw in fws.values() for code in fw.area_codes)) + [followups.HASIL_AREA]


def area_name(code: str) -> str:
    if code == followups.HASIL_AREA:
        return tr("followup.area.hasil")
    fw = next((f for f in fws.values() if code in f.area_codes), None)
    return f"{code} · {measure_name(fw, code, lang)}" if fw is not None else code


def area_short(code: str) -> str:
    return tr("followup.area.hasil") if code == followups.HASIL_AREA else code


# --------------------------------------------------------------------------- filters

stages_here = [s for s in ASSESSOR_STAGES if s in set(frame["stage"])]
if "fu_stage" not in st.session_state:
    st.session_state["fu_stage"] = [selection.stage] if selection.stage in stages_here else stages_here
pic_names = sorted({p.strip() for p in frame["pic"] if isinstance(p, str) and p.strip()})
if frame["pic"].map(lambda p: not (isinstance(p, str) and p.strip())).any():
    pic_names.append("")
code = lang
row1 = st.columns(3)
stage_pick = row1[0].multiselect(tr("followup.filter.stage"), stages_here, key="fu_stage",
                                 format_func=labeller("stage_short."), placeholder=tr("followup.filter.all"))
unit_ids = sorted(set(frame["unit_id"]), key=lambda u: unit_name(u).casefold())
linked = state.url_param_if_new("fu_unit")  # ?fu_unit=ID,ID from a unit's profile
if linked is not None:
    st.session_state["fu_unit"] = [u for u in linked.split(",") if u in unit_ids]
unit_pick = row1[1].multiselect(tr("followup.filter.unit"), unit_ids, key="fu_unit", format_func=unit_name,
                                placeholder=tr("followup.filter.all"))
areas_here = [a for a in area_order if a in set(frame["area"])]
area_pick = row1[2].multiselect(tr("followup.filter.area"), areas_here, key="fu_area", format_func=area_name,
                                placeholder=tr("followup.filter.all"))
row2 = st.columns(3)
status_pick = row2[0].multiselect(tr("followup.filter.status"), list(followups.STATUSES), key="fu_status",
                                  format_func=labeller("followup.status."), placeholder=tr("followup.filter.all"))
pic_pick = row2[1].multiselect(tr("followup.filter.pic"), pic_names, key="fu_pic",
                               format_func=lambda p: p or t("followup.no_pic", code),
                               placeholder=tr("followup.filter.all"))
shortfall_pick = row2[2].multiselect(tr("followup.filter.shortfall"), list(followups.SHORTFALLS), key="fu_shortfall",
                                     format_func=labeller("followup.shortfall."),
                                     placeholder=tr("followup.filter.all"))
shown = followups.filter_followups(frame, units=unit_pick, areas=area_pick, statuses=status_pick, pics=pic_pick,
                                   shortfalls=shortfall_pick, stages=stage_pick)
heading.header(tr("followup.title", year=year,
                  stages=", ".join(tr(f"stage_short.{s}") for s in (stage_pick or stages_here))))

# --------------------------------------------------------------------------- progress

summary = followups.summary(shown)
cols = st.columns(5)
cols[0].metric(tr("followup.metric.items"), format_number(summary.total, lang, 0))
cols[1].metric(tr("followup.metric.done"), format_percent(summary.percent_done, lang),
               help=tr("followup.metric.done_of", done=summary.done, total=summary.total))
cols[2].metric(tr("followup.metric.in_progress"), format_number(summary.in_progress, lang, 0))
cols[3].metric(tr("followup.metric.not_started"), format_number(summary.not_started, lang, 0))
cols[4].metric(tr("followup.metric.late"), format_number(summary.late, lang, 0))

if shown.empty:
    st.info(tr("followup.empty_filtered"))
else:
    left, right = st.columns([3, 2])
    per_unit = followups.progress(shown, "unit_id")
    with left:
        fig = progress_bar_figure(per_unit.head(CHART_UNITS), "unit_id", {u: unit_name(u) for u in per_unit["unit_id"]},
                                  title=tr("followup.chart.unit_title"), lang=lang)
        st.plotly_chart(fig, width="stretch", theme=None, key="fu_chart_unit")
        if len(per_unit) > CHART_UNITS:
            st.caption(tr("followup.chart.more_units", shown=CHART_UNITS, total=len(per_unit)))
    with right:
        per_area = followups.progress(shown, "area")
        per_area["order"] = per_area["area"].map(area_order.index)
        per_area = per_area.sort_values("order", kind="stable").drop(columns="order")
        fig = progress_bar_figure(per_area, "area", {a: area_short(a) for a in per_area["area"]},
                                  full_names={a: area_name(a) for a in per_area["area"]},
                                  title=tr("followup.chart.area_title"), lang=lang)
        st.plotly_chart(fig, width="stretch", theme=None, key="fu_chart_area")

# --------------------------------------------------------------------------- the list


def item_link(r: dict[str, Any]) -> str:
    """Analisis kesenjangan on this unit, year, stage and question (relative to this page)."""
    return "kesenjangan?" + urlencode({"tahun": r["year"], "tahap": r["stage"], "unit": r["unit_id"],
                                       "soal": r["question_id"], "lang": lang})


def due_text(value: Any) -> str | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date().isoformat()


records = shown.to_dict("records")
st.subheader(tr("followup.table_heading", count=format_number(len(records), lang, 0)))
if records:
    table = pd.DataFrame({
        "unit": [unit_name(r["unit_id"]) for r in records],
        "stage": [tr(f"stage_short.{r['stage']}") for r in records],
        "area": [area_short(r["area"]) for r in records],
        "question_id": [int(r["question_id"]) for r in records],
        "open": [item_link(r) for r in records],
        "status": [tr(f"followup.status.{r['status']}") for r in records],
        "due_date": [pd.Timestamp(r["due_date"]).date() if due_text(r["due_date"]) else None for r in records],
        "late": [tr("followup.check.yes") if r["late"] else "" for r in records],
        "pic": [r["pic"] if isinstance(r["pic"], str) else "" for r in records],
        "assessor_note": [r["assessor_note"] if isinstance(r["assessor_note"], str) else "" for r in records],
        "note_addressed": [check_word(r["note_addressed"], lang) for r in records],
        "evidence_period_ok": [check_word(r["evidence_period_ok"], lang) for r in records],
        "evidence_named_ok": [check_word(r["evidence_named_ok"], lang) for r in records],
        "link": [r["link"] for r in records],
        "evidence": [None if r["link"] else (r["evidence_url"] if isinstance(r["evidence_url"], str) else None)
                     for r in records],
        "question": [r["question_text"] for r in records],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="fu_table", column_config={
        "unit": st.column_config.TextColumn(tr("followup.col.unit"), pinned=True),
        "stage": st.column_config.TextColumn(tr("followup.col.stage"), width="small"),
        "area": st.column_config.TextColumn(tr("followup.col.area"), width="small"),
        "question_id": st.column_config.NumberColumn(tr("followup.col.question_id"), format="%d", width="small"),
        "open": st.column_config.LinkColumn(tr("followup.col.open"), display_text=tr("followup.open_item")),
        "status": st.column_config.TextColumn(tr("followup.col.status"), width="small"),
        "due_date": st.column_config.DateColumn(tr("followup.col.due_date"),
                                                format="DD/MM/YYYY" if lang == "id" else "YYYY-MM-DD"),
        "late": st.column_config.TextColumn(tr("followup.col.late"), width="small"),
        "pic": st.column_config.TextColumn(tr("followup.col.pic")),
        "assessor_note": st.column_config.TextColumn(tr("followup.col.assessor_note"), width="large"),
        "note_addressed": st.column_config.TextColumn(tr("followup.col.note_addressed")),
        "evidence_period_ok": st.column_config.TextColumn(tr("followup.col.evidence_period_ok")),
        "evidence_named_ok": st.column_config.TextColumn(tr("followup.col.evidence_named_ok")),
        "link": st.column_config.LinkColumn(tr("followup.col.evidence_link")),
        "evidence": st.column_config.TextColumn(tr("followup.col.evidence")),
        "question": st.column_config.TextColumn(tr("followup.col.question"), width="large"),
    })
    st.caption(tr("followup.table_caption"))


def filters_text() -> str:
    parts = []
    for label, picked, fmt_ in ((tr("followup.filter.stage"), stage_pick, labeller("stage.")),
                                (tr("followup.filter.unit"), unit_pick, unit_name),
                                (tr("followup.filter.area"), area_pick, area_name),
                                (tr("followup.filter.status"), status_pick, labeller("followup.status.")),
                                (tr("followup.filter.pic"), pic_pick, lambda p: p or tr("followup.no_pic")),
                                (tr("followup.filter.shortfall"), shortfall_pick,
                                 labeller("followup.shortfall."))):
        if picked:
            parts.append(f"{label}: {', '.join(fmt_(p) for p in picked)}")
    return "; ".join(parts) or tr("followup.export_no_filter")


def workbook() -> bytes:
    warning = tr("app.demo_banner") if state.shows_demo(store, year=year) else None
    return followups_workbook(
        shown, lang=lang, unit_names={u: unit_name(u) for u in set(shown["unit_id"])},
        area_names={a: area_name(a) for a in area_order}, stage_names={s: tr(f"stage.{s}") for s in ASSESSOR_STAGES},
        title=tr("followup.export_title", year=year),
        context=[tr("followup.export_context", date=today.isoformat(), filters=filters_text())], warning=warning)


st.download_button(tr("followup.export"), data=workbook, file_name=f"tindak-lanjut-{year}.xlsx", mime=XLSX,
                   key="fu_download", on_click="ignore", icon=":material/download:")

# --------------------------------------------------------------------------- editing

st.subheader(tr("followup.edit.heading"))
show_flash()  # the outcome of the last save, where the editor is looking


def item_label(r: dict[str, Any]) -> str:
    text = r["question_text"] if len(r["question_text"]) <= 70 else r["question_text"][:69] + "…"
    return tr("followup.edit.item", unit=unit_name(r["unit_id"]), stage=tr(f"stage_short.{r['stage']}"),
              year=r["year"], question=r["question_id"], text=text)


def on_save(key: str, eid: int, qid: int, version: int, unit: str) -> None:
    editor = auth.current_editor()
    if editor is None:
        flash("error", tr("data.sign_in_again"))
        return
    s = st.session_state
    values = {"pic": s[f"{key}_pic"], "due_date": s[f"{key}_due"], "status": s[f"{key}_status"],
              "note_addressed": CHECK_VALUE[s[f"{key}_addressed"]],
              "evidence_period_ok": CHECK_VALUE[s[f"{key}_period"]],
              "evidence_named_ok": CHECK_VALUE[s[f"{key}_named"]], "evidence_url": s[f"{key}_link"]}
    try:
        edit = followups.validate_edit(values)
        changed = store.update_follow_up(eid, qid, edit.as_dict(), actor=editor.actor, expected_version=version)
    except followups.FollowUpInputError as exc:
        flash("error", tr_md("followup.edit.failed", message=exc.message(lang)))
        return
    except UnknownFollowUpError:
        flash("error", tr("followup.edit.gone"))
        return
    except FollowUpConflictError as exc:
        flash("error", tr_md("followup.edit.conflict", actor=exc.actor or "?", at=str(exc.at or "?")))
        return
    except StoreError as exc:
        flash("error", tr_md("followup.edit.failed", message=str(exc)))
        return
    flash("success" if changed else "info",
          tr_md("followup.edit.saved", question=qid, unit=unit) if changed else tr("followup.edit.unchanged"))


def check_choice(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "unknown"


editor = auth.current_editor()
if editor is None:
    st.info(tr("followup.edit.viewer"))
    with st.expander(tr("auth.local_title")):
        auth.panel()
elif not records:
    st.caption(tr("followup.empty_filtered"))
else:
    choices = records[:PICK_LIMIT]
    keys = [f"{r['evaluation_id']}:{r['question_id']}" for r in choices]
    by_key = dict(zip(keys, choices, strict=True))
    picked = st.selectbox(tr("followup.edit.pick"), keys, key="fu_pick", format_func=lambda k: item_label(by_key[k]),
                          index=None, placeholder=tr("followup.edit.select"))
    if len(records) > PICK_LIMIT:
        st.caption(tr("followup.edit.too_many", shown=PICK_LIMIT, total=len(records)))
    if picked is not None:
        r = by_key[picked]
        note = r["assessor_note"] if isinstance(r["assessor_note"], str) and r["assessor_note"] else \
            tr("followup.edit.no_note")
        st.markdown(tr("followup.edit.note", note=md_escape(note, multiline=True)))
        version = int(r["version"])
        key = f"fu_{r['evaluation_id']}_{r['question_id']}_{version}"
        with st.form(f"{key}_form"):
            c1, c2, c3 = st.columns(3)
            c1.text_input(tr("followup.edit.pic"), value=r["pic"] if isinstance(r["pic"], str) else "",
                          key=f"{key}_pic", max_chars=followups.MAX_PIC)
            due = due_text(r["due_date"])
            c2.date_input(tr("followup.edit.due_date"), value=None if due is None else dt.date.fromisoformat(due),
                          key=f"{key}_due", min_value=followups.MIN_DUE, max_value=followups.MAX_DUE,
                          format="DD/MM/YYYY" if lang == "id" else "YYYY-MM-DD")
            c3.selectbox(tr("followup.edit.status"), list(followups.STATUSES),
                         index=followups.STATUSES.index(r["status"]), key=f"{key}_status",
                         format_func=labeller("followup.status."))
            d1, d2, d3 = st.columns(3)
            for col, field, name in ((d1, "note_addressed", "addressed"), (d2, "evidence_period_ok", "period"),
                                     (d3, "evidence_named_ok", "named")):
                col.selectbox(tr(f"followup.col.{field}"), list(CHECK_CHOICES),
                              index=CHECK_CHOICES.index(check_choice(r[field])), key=f"{key}_{name}",
                              format_func=labeller("followup.check."))
            link = r["evidence_url"] if isinstance(r["evidence_url"], str) else ""
            st.text_input(tr("followup.edit.link"), value=link, key=f"{key}_link", max_chars=followups.MAX_LINK)
            st.form_submit_button(tr("followup.edit.save"), type="primary", on_click=on_save,
                                  args=(key, int(r["evaluation_id"]), int(r["question_id"]), version,
                                        unit_name(r["unit_id"])))
        if isinstance(r["evidence_url"], str) and r["evidence_url"].strip() and r["link"] is None:
            st.caption(tr("followup.edit.link_text"))
        if r["edited"]:
            at = pd.Timestamp(r["updated_at"]).strftime("%Y-%m-%d %H:%M")
            st.caption(tr_md("followup.edit.history", actor=r["updated_by"] or "?", at=at))
        else:
            st.caption(tr("followup.edit.imported"))
    with st.expander(tr_md("followup.edit.account", name=editor.actor)):
        auth.panel()

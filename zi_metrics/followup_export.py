"""The Tindak lanjut workbook: the follow-ups shown on the page, and the progress per unit and per
area, as a report (through :mod:`zi_metrics.xlsx_report`: human headers in the reader's language,
print set-up, a legend of the colours)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from zi_metrics import followups
from zi_metrics.i18n import t
from zi_metrics.xlsx_report import FAIL_WBK, PASS, Column, ReportSheet, report_workbook

IN_PROGRESS = "FFE699"


def check_word(value: Any, lang: str) -> str:
    """A check as a word (never a colour alone): Ya / Tidak / belum diperiksa."""
    if value is True:
        return t("followup.check.yes", lang)
    if value is False:
        return t("followup.check.no", lang)
    return t("followup.check.unknown", lang)


def _date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def followup_rows(frame: pd.DataFrame, lang: str, area_names: Mapping[str, str],
                  stage_names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One dict per follow-up of an :func:`followups.enrich` ed frame, values as the workbook shows them."""
    rows = []
    for r in frame.to_dict("records"):
        rows.append({
            "unit": r["unit_name"], "year": int(r["year"]), "stage": stage_names.get(r["stage"], r["stage"]),
            "area": area_names.get(r["area"], r["area"]), "sub_area": r.get("sub_area") or "",
            "question_id": int(r["question_id"]), "question": r.get("question_text") or "",
            "assessor_note": _text(r.get("assessor_note")), "pic": _text(r.get("pic")),
            "due_date": _date(r.get("due_date")), "status": t(f"followup.status.{r['status']}", lang),
            "note_addressed": check_word(r.get("note_addressed"), lang),
            "evidence_period_ok": check_word(r.get("evidence_period_ok"), lang),
            "evidence_named_ok": check_word(r.get("evidence_named_ok"), lang),
            "late": t("followup.check.yes" if r.get("late") else "followup.check.no", lang),
            "evidence": _text(r.get("evidence_url")),
            "shortfalls": ", ".join(t(f"followup.shortfall.{k}", lang) for k in r.get("shortfalls") or []),
        })
    return rows


def _fills(frame: pd.DataFrame) -> list[dict[str, str]]:
    out = []
    for status, late in zip(frame["status"], frame["late"], strict=True):
        colour = PASS if status == "selesai" else IN_PROGRESS if status == "proses" else ""
        fill = {"status": colour} if colour else {}
        if late:
            fill["due_date"] = FAIL_WBK
        out.append(fill)
    return out


def _progress_rows(progress: pd.DataFrame, by: str, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [{"name": labels.get(r[by], r[by]), "total": int(r["total"]), "selesai": int(r["selesai"]),
             "proses": int(r["proses"]), "belum": int(r["belum"]), "late": int(r["late"]),
             "percent_done": float(r["percent_done"])} for r in progress.to_dict("records")]


def followups_workbook(frame: pd.DataFrame, *, lang: str, unit_names: Mapping[str, str],
                       area_names: Mapping[str, str], stage_names: Mapping[str, str], title: str,
                       context: Sequence[str] = (), warning: str | None = None) -> bytes:
    """The .xlsx bytes of the follow-ups in ``frame`` (an enriched, filtered frame): a sheet of the
    items, then the progress per unit and per area."""
    def h(key: str) -> str:
        return t(f"followup.col.{key}", lang)

    items = ReportSheet(
        name=t("followup.sheet.items", lang), title=title, context=context, warning=warning,
        columns=[Column("unit", h("unit"), width=26, wrap=True), Column("year", h("year"), "int", width=7),
                 Column("stage", h("stage"), width=12, wrap=True), Column("area", h("area"), width=22, wrap=True),
                 Column("sub_area", h("sub_area"), width=28, wrap=True),
                 Column("question_id", h("question_id"), "int", width=7),
                 Column("question", h("question"), width=44, wrap=True),
                 Column("assessor_note", h("assessor_note"), width=44, wrap=True),
                 Column("pic", h("pic"), width=18), Column("due_date", h("due_date"), "date", width=12),
                 Column("status", h("status"), width=12),
                 Column("note_addressed", h("note_addressed"), width=14),
                 Column("evidence_period_ok", h("evidence_period_ok"), width=14),
                 Column("evidence_named_ok", h("evidence_named_ok"), width=14),
                 Column("late", h("late"), width=10), Column("shortfalls", h("shortfalls"), width=30, wrap=True),
                 Column("evidence", h("evidence"), width=36, wrap=True)],
        rows=followup_rows(frame, lang, area_names, stage_names), fills=_fills(frame),
        legend=[(PASS, t("followup.status.selesai", lang)), (IN_PROGRESS, t("followup.status.proses", lang)),
                (FAIL_WBK, t("followup.legend.late", lang))],
        freeze_columns=1, empty_text=t("followup.empty_filtered", lang))

    def progress_sheet(by: str, key: str, labels: Mapping[str, str]) -> ReportSheet:
        table = followups.progress(frame, by)
        return ReportSheet(
            name=t(f"followup.sheet.{key}", lang), title=t(f"followup.sheet.{key}_title", lang),
            context=[title, *context], warning=warning,
            columns=[Column("name", h(key), width=36), Column("total", h("total"), "int"),
                     Column("selesai", t("followup.status.selesai", lang), "int"),
                     Column("proses", t("followup.status.proses", lang), "int"),
                     Column("belum", t("followup.status.belum", lang), "int"),
                     Column("late", h("late"), "int"), Column("percent_done", h("percent_done"), "percent")],
            rows=_progress_rows(table, by, labels), freeze_columns=1,
            notes=[t("followup.progress_note", lang)], empty_text=t("followup.empty_filtered", lang))

    sheets = [items, progress_sheet("unit_id", "unit", unit_names), progress_sheet("area", "area", area_names)]
    return report_workbook(sheets, title=title, lang=lang, subject=t("page.followup", lang))

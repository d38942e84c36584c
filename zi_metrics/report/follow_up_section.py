"""The unit report's Tindak lanjut section: the follow-up progress of the assessors' notes of the
report's year, and every follow-up not yet done (the furthest past its due date first)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from reportlab.platypus import Flowable

from zi_metrics import followups
from zi_metrics.formatting import format_percent
from zi_metrics.i18n import t
from zi_metrics.names import stage_name
from zi_metrics.report.document import esc, para


def follow_up_section(frame: Any, year: int, lang: str) -> list[Flowable]:
    """``frame``: the unit's follow-ups of ``year`` as :func:`zi_metrics.followups.enrich` gives
    them (None: the section is left out, e.g. for a report built without the store)."""
    from zi_metrics.report.sections import heading, table

    if frame is None:
        return []
    out: list[Flowable] = [*heading(t("unit.section.followup", lang))]
    if frame.empty:
        return [*out, para(esc(t("unit.followup.none", lang, year=year)), "body")]
    s = followups.summary(frame)
    out.append(para(esc(t("unit.followup.progress", lang, done=s.done, total=s.total,
                          percent=format_percent(s.percent_done, lang), in_progress=s.in_progress,
                          not_started=s.not_started, late=s.late)), "body"))
    open_items = frame[frame["status"] != "selesai"].copy()
    if open_items.empty:
        return out
    far = pd.Timestamp(dt.date.max)
    open_items["_due"] = [pd.Timestamp(d) if d is not None and not pd.isna(d) else far for d in open_items["due_date"]]
    open_items = open_items.sort_values(["_due", "question_id"], kind="stable")
    rows = []
    for r in open_items.to_dict("records"):
        due = followups.format_date(r["due_date"], lang)
        if r["late"]:
            due += f" ({t('followup.shortfall.late', lang)})"
        rows.append([f"{stage_name(r['stage'], lang, short=True)} · Q{int(r['question_id'])}",
                     r["assessor_note"] if isinstance(r["assessor_note"], str) else "",
                     r["pic"] if isinstance(r["pic"], str) else "–", due,
                     t(f"followup.status.{r['status']}", lang)])
    out.append(para(esc(t("report.followup_open", lang, count=len(rows))), "h3"))
    out.append(table([t("followup.col.question_id", lang), t("followup.col.assessor_note", lang),
                      t("followup.col.pic", lang), t("followup.col.due_date", lang), t("followup.col.status", lang)],
                     rows, [0.13, 0.45, 0.15, 0.15, 0.12], failing=[bool(x) for x in open_items["late"]]))
    return out

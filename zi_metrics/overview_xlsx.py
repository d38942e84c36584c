"""The Ringkasan list as a workbook: exactly the units the page's filters show (all of them, not
one page), ranked, with the predicate held, the predicate met this round and, for the next
predicate, every failing rule with value, threshold and gap; laid out by zi_metrics.xlsx_report
(human headers, colours, A4 landscape, header repeated on every printed page)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from zi_metrics.i18n import t
from zi_metrics.overview import display_rows
from zi_metrics.xlsx_report import FAIL_WBBM, FAIL_WBK, PASS, Column, ReportSheet, report_workbook


def overview_rows(frame: pd.DataFrame, units: dict[str, dict[str, Any]], lang: str = "id") -> list[dict[str, Any]]:
    """One dict per unit of an overview frame (overview.round_overview, filtered): numbers stay
    numbers; the predicates and the failing rules are text in ``lang``."""
    if frame.empty:
        return []
    text = display_rows(frame, lang)
    rows = []
    for (_, row), shown in zip(frame.iterrows(), text.itertuples(index=False), strict=True):
        parent = units.get(row["parent_id"], {}) if isinstance(row["parent_id"], str) else {}
        level = row["level"]
        change = row["change"]
        rows.append({
            "rank": int(row["rank"]),
            "unit": row["unit"],
            "unit_id": row["unit_id"],
            "parent": parent.get("name") or "",
            "level": t(f"level.{level}", lang) if isinstance(level, str) and level else "",
            "total": float(row["total"]),
            "pengungkit": float(row["pengungkit"]),
            "hasil": float(row["hasil"]),
            "held": shown.held,
            "met": shown.met,
            "next": shown.next,
            "failing": shown.failing,
            "completeness": float(row["completeness"]),
            "change": None if change is None or pd.isna(change) else float(change),
            "_predicate": row["predicate"],
        })
    return rows


def overview_workbook(frame: pd.DataFrame, lang: str = "id", *, year: int, stage: str,
                      units: dict[str, dict[str, Any]] | None = None, filters: str = "",
                      synthetic: bool = False) -> bytes:
    """The .xlsx bytes of the overview list ``frame`` (already filtered) for ``year`` and ``stage``."""
    rows = overview_rows(frame, units or {}, lang)
    columns = [
        Column("rank", t("xlsx.col.rank", lang), "int", width=10),
        Column("unit", t("col.unit", lang), width=34, wrap=True),
        Column("unit_id", t("xlsx.col.unit_id", lang), width=20, wrap=True),
        Column("parent", t("overview.filter_parent", lang), width=24, wrap=True),
        Column("level", t("overview.filter_level", lang), width=13),
        Column("total", t("measure.total", lang), "number", width=10),
        Column("met", t("col.meets_now", lang), width=16, wrap=True),
        Column("next", t("col.next_predicate", lang), width=14, wrap=True),
        Column("failing", t("col.failing_next", lang), width=60, wrap=True),
        Column("held", t("col.held", lang), width=20, wrap=True),
        Column("pengungkit", t("measure.pengungkit", lang), "number", width=12),
        Column("hasil", t("measure.hasil", lang), "number", width=9),
        Column("completeness", t("col.completeness", lang), "fraction", width=13, decimals=0),
        Column("change", t("col.change", lang), "number", width=13),
    ]
    colour = {None: FAIL_WBK, "WBK": FAIL_WBBM, "WBBM": PASS}
    fills = [{"met": colour.get(r["_predicate"] if isinstance(r["_predicate"], str) else None, FAIL_WBK)}
             for r in rows]
    stage_name = t(f"stage.{stage}", lang)
    title = t("overview.xlsx.title", lang, year=year, stage=stage_name)
    context = [t("overview.xlsx.count", lang, count=len(rows))]
    if filters:
        context.append(t("overview.xlsx.filters", lang, filters=filters))
    sheet = ReportSheet(
        name=t("page.overview", lang), title=title, columns=columns, rows=rows, context=context, fills=fills,
        legend=[(FAIL_WBK, t("overview.xlsx.legend.none", lang)), (FAIL_WBBM, t("overview.xlsx.legend.wbk", lang)),
                (PASS, t("overview.xlsx.legend.wbbm", lang))],
        notes=[t("overview.xlsx.note", lang)], freeze_columns=2,
        warning=t("app.demo_banner", lang) if synthetic else None, empty_text=t("overview.filter_empty", lang))
    return report_workbook([sheet], title=title, lang=lang, subject=t("overview.xlsx.subject", lang))

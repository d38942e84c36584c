"""Exports: the recap workbook of a round, a unit's LKE in the Lampiran III layout, and the PortalRB
payload of a unit's round. Scores are always recomputed from the stored inputs (through
:mod:`zi_metrics.analytics` / :mod:`zi_metrics.scoring` and :mod:`zi_metrics.rules`).

Every text cell written to a workbook goes through :func:`zi_metrics.lke.common.safe_text`: a text
beginning with ``=``, ``+``, ``-`` or ``@`` gets an apostrophe in front, so no unit name or note
can become a formula in the recipient's spreadsheet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zi_metrics.framework import Framework, load_framework
from zi_metrics.i18n import t
from zi_metrics.lke.common import safe_text
from zi_metrics.lke.lampiran3 import write_lampiran3
from zi_metrics.lke.payload import build_payload
from zi_metrics.names import measure_name, predicate_name, rules_list, stage_name
from zi_metrics.store import Store
from zi_metrics.xlsx_report import FAIL_WBBM, FAIL_WBK, Column, ReportSheet, ThresholdRow, report_workbook

RED = FAIL_WBK  # fails Menuju WBK
AMBER = FAIL_WBBM  # meets WBK, fails Menuju WBBM


class ExportError(ValueError):
    """Nothing to export (no such evaluation, or an evaluation without answers)."""


# ---------------------------------------------------------------------------------------------
# Recap workbook: a report (zi_metrics.xlsx_report), in the reader's language, ranked by total.


def _columns(frameworks: Sequence[Framework], lang: str, detail: bool) -> list[Column]:
    """The recap's columns. The summary (``detail`` False) fits one landscape page wide: rank,
    unit, predicate, total, pengungkit, hasil, each area's % of its maximum, the hasil components
    and inputs, completeness and the failing rules. The detail sheet adds the unit code, each
    area's points, the Pemenuhan/Reform halves and each hasil item's points."""
    fw0 = frameworks[0]
    cols = [Column("rank", t("xlsx.col.rank", lang), "int", width=10),
            Column("unit", t("col.unit", lang), width=30 if not detail else 34, wrap=True)]
    if detail:
        cols.append(Column("unit_id", t("xlsx.col.unit_id", lang), width=16))
    if len(frameworks) > 1:
        cols.append(Column("framework", t("xlsx.col.framework", lang), width=14, wrap=True))
    cols += [Column("predicate", t("col.predicate", lang), width=13, wrap=True),
             Column("total", measure_name(fw0, "total", lang), "number", width=9),
             Column("pengungkit", measure_name(fw0, "pengungkit", lang), "number", width=11),
             Column("hasil", measure_name(fw0, "hasil", lang), "number", width=9)]
    area_codes: list[str] = []
    for fw in frameworks:
        area_codes += [a for a in fw.area_codes if a not in area_codes]
    for code in area_codes:
        name = measure_name(next(f for f in frameworks if code in f.area_codes), code, lang)
        if detail:
            cols.append(Column(f"area:{code}", t("xlsx.col.area_points", lang, code=code, area=name), "number",
                               width=13, wrap=True))
        cols.append(Column(f"pct:{code}", t("xlsx.col.area_percent", lang, code=code, area=name), "fraction",
                           width=9, wrap=True))
    if detail:
        for fw in frameworks:
            if fw.has_halves:
                cols += [Column(f"half:{h}", measure_name(fw, h, lang), "number", width=11) for h in fw.half_names]
                break
    seen: set[str] = set()
    for fw in frameworks:
        for comp in fw.hasil_components:
            for item in comp.items:
                if item.code in seen:
                    continue
                seen.add(item.code)
                name = measure_name(fw, item.code, lang)
                kind = "text" if item.kind == "option" else "number"
                what = {"survey": "xlsx.col.survey_value", "option": "xlsx.col.answer",
                        "percent": "xlsx.col.percent_value"}[item.kind]
                cols.append(Column(f"input:{item.code}", t(what, lang, item=name), kind, width=13, wrap=True))
                if detail:
                    cols.append(Column(f"item:{item.code}", t("xlsx.col.item_points", lang, item=name), "number",
                                       width=13, wrap=True))
            if f"comp:{comp.code}" not in seen:
                seen.add(f"comp:{comp.code}")
                cols.append(Column(f"comp:{comp.code}", t("xlsx.col.component_points", lang,
                                                          component=measure_name(fw, comp.code, lang)),
                                   "number", width=13, wrap=True))
    cols += [Column("completeness", t("col.completeness", lang), "fraction", width=13, decimals=0),
             Column("provisional", t("xlsx.col.provisional", lang), width=10)]
    if not detail:
        cols = [c for c in cols if c.key != "provisional"]
    cols += [Column("failing_wbk", t("xlsx.col.failing", lang, predicate=t("predicate.wbk", lang)), width=26,
                    wrap=True),
             Column("failing_wbbm", t("xlsx.col.failing", lang, predicate=t("predicate.wbbm", lang)), width=26,
                    wrap=True)]
    return cols


def _rule_columns(fw: Framework, rule: str) -> list[str]:
    """The recap columns a rule's value lives in."""
    if rule in ("total", "pengungkit"):
        return [rule]
    if rule.startswith("area:"):
        code = rule.split(":", 1)[1]
        return [f"area:{code}", f"pct:{code}"]
    if rule in {c.code for c in fw.hasil_components}:
        return [f"comp:{rule}"]
    for item in fw.hasil_items.values():
        if item.rule == rule:
            return [f"input:{item.code}", f"item:{item.code}"]
    return []


def _thresholds(fw: Framework, predicate: str) -> dict[str, Any]:
    """Column key -> the bar of ``predicate`` in that column's unit (areas: points and fraction)."""
    out: dict[str, Any] = {}
    items = {i.rule: i for i in fw.hasil_items.values()}
    for rd in fw.predicate(predicate).rules:
        if rd.rule == "area" and rd.min_percent is not None:
            for code in fw.area_codes:
                out[f"pct:{code}"] = rd.min_percent / 100.0
                out[f"area:{code}"] = rd.min_percent / 100.0 * fw.area(code).max
        elif rd.rule in ("total", "pengungkit") and rd.min is not None:
            out[rd.rule] = rd.min
        elif rd.rule in {c.code for c in fw.hasil_components} and rd.min is not None:
            out[f"comp:{rd.rule}"] = rd.min
        elif rd.rule in items and rd.min is not None:
            item = items[rd.rule]
            out[f"item:{item.code}"] = rd.min
            if item.kind == "survey" and item.scale_max:
                # the survey value that earns those points (15.75 of 17.5 points -> 3.60)
                out[f"input:{item.code}"] = round(rd.min / item.points * item.scale_max, 4)
    return out


def recap_rows(scored: Sequence[Any], units: Mapping[str, Mapping[str, Any]], lang: str = "id"
               ) -> list[dict[str, Any]]:
    """One dict per scored round (``analytics.ScoredRound``), keyed like the recap's columns, in rank
    order (total, highest first; then unit name). ``_fails`` maps a column to its colour."""
    ordered = sorted(scored, key=lambda s: (-s.scorecard.total,
                                            str(units.get(s.unit_id, {}).get("name", s.unit_id)), s.unit_id))
    rows = []
    for rank, s in enumerate(ordered, start=1):
        card, ev, fw = s.scorecard, s.evaluation, s.framework
        unit = units.get(s.unit_id, {})
        row: dict[str, Any] = {
            "rank": rank, "unit_id": s.unit_id, "unit": unit.get("name", s.unit_id), "framework": fw.name,
            "year": s.year, "stage": s.stage, "pengungkit": card.pengungkit, "hasil": card.hasil,
            "total": card.total, "predicate": predicate_name(ev.predicate, lang),
            "completeness": card.completeness.ratio,
            "provisional": t("value.yes" if card.provisional else "value.no", lang),
            "failing_wbk": rules_list(fw, [r.rule for r in ev.failing("WBK")], lang),
            "failing_wbbm": rules_list(fw, [r.rule for r in ev.failing("WBBM")], lang)}
        for code, a in card.areas.items():
            row[f"area:{code}"] = a.score
            row[f"pct:{code}"] = a.percent / 100.0
        for half, value in card.halves.items():
            row[f"half:{half}"] = value
        for code, item in card.hasil_items.items():
            row[f"input:{code}"] = item.input
            row[f"item:{code}"] = item.points
        for comp, value in card.hasil_components.items():
            row[f"comp:{comp}"] = value
        fails: dict[str, str] = {}
        for pred, colour in (("WBBM", FAIL_WBBM), ("WBK", FAIL_WBK)):  # WBK last: red wins
            for r in ev.failing(pred):
                for col in _rule_columns(fw, r.rule):
                    fails[col] = colour
        row["_fails"] = fails
        rows.append(row)
    return rows


def build_recap_workbook(scored: Sequence[Any], units: Mapping[str, Mapping[str, Any]], *, title: str = "",
                         lang: str = "id", context: Sequence[str] = (), warning: str | None = None) -> bytes:
    """The recap workbook, a report in ``lang``: one row per unit ranked by total, with predicate,
    total, pengungkit, hasil, each area's points and % of its maximum, the Pemenuhan/Reform
    halves, the hasil inputs and points, completeness and the failing rules by name; the WBK and
    WBBM bars as rows above the header; cells failing WBK in red, failing only WBBM in amber;
    printed A4 landscape, one page wide, the header on every page (zi_metrics.xlsx_report)."""
    frameworks: list[Framework] = []
    for s in scored:
        if s.framework.id not in [f.id for f in frameworks]:
            frameworks.append(s.framework)
    if not frameworks:
        raise ExportError("nothing to export: no evaluation in this round")
    title = title or t("xlsx.recap.title_plain", lang)
    rows = recap_rows(scored, units, lang)
    bands = []
    for fw in frameworks:
        for pred in fw.predicates:
            label = t("xlsx.threshold_row", lang, predicate=predicate_name(pred.code, lang))
            if len(frameworks) > 1:
                label += f" ({fw.name})"
            bands.append(ThresholdRow(label, _thresholds(fw, pred.code)))
    common = {"rows": rows, "thresholds": bands, "fills": [r["_fails"] for r in rows], "warning": warning,
              "freeze_columns": 2, "notes": [t("xlsx.recap.note", lang)],
              "legend": [(FAIL_WBK, t("xlsx.legend.fail_wbk", lang)),
                         (FAIL_WBBM, t("xlsx.legend.fail_wbbm", lang))],
              "context": [*context, *(t("xlsx.recap.framework", lang, framework=fw.name) for fw in frameworks),
                          t("xlsx.recap.areas", lang, areas=" · ".join(
                              f"{a.code} = {measure_name(frameworks[0], a.code, lang)}"
                              for a in frameworks[0].areas))]}
    sheets = [ReportSheet(name=t("xlsx.recap.sheet", lang), title=title, columns=_columns(frameworks, lang, False),
                          **common),
              ReportSheet(name=t("xlsx.recap.detail_sheet", lang), title=f"{title} · {t('xlsx.recap.detail', lang)}",
                          columns=_columns(frameworks, lang, True), **common)]
    return report_workbook(sheets, title=title, lang=lang, subject=t("xlsx.recap.subject", lang))


RECAP_FORMATS = ("xlsx", "csv")
# The CSV's columns: the recap import's own (it reads the file back as the same rounds; its extra
# columns are ignored with a warning), then the unit's name and what the project computed.
CSV_SCORE_COLUMNS = ("unit_name", "rank", "total", "pengungkit", "hasil", "predicate", "failing_wbk",
                     "failing_wbbm", "provisional", "synthetic")


def _csv_number(value: Any, decimal: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return safe_text(str(value))
    text = f"{float(value):.10f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))
    return text.replace(".", decimal)


def build_recap_csv(scored: Sequence[Any], units: Mapping[str, Mapping[str, Any]], *, lang: str = "id",
                    synthetic: Any = None) -> bytes:
    """The recap as CSV (UTF-8 with a byte-order mark, so Excel reads the names right): one row per
    unit in rank order, the recap import's columns first, so ``import`` reads it back as the same
    rounds, then the name, rank, scores, predicate code and failing rules. In Indonesian the
    separator is ``;`` with decimal commas (what Excel expects in an Indonesian locale), in English
    ``,`` with decimal points. Text cells that a spreadsheet would take for a formula are
    neutralised. ``synthetic(unit_id)`` marks demo rows."""
    import csv
    import io

    from zi_metrics.lke.recap import AREA_CODES, HASIL_COLUMNS, RECAP_COLUMNS

    delimiter, decimal = (";", ",") if lang == "id" else (",", ".")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*RECAP_COLUMNS, *CSV_SCORE_COLUMNS])
    by_key = {(s.unit_id, s.year, s.stage): s for s in scored}
    for row in recap_rows(scored, units, lang):
        s = by_key[(row["unit_id"], row["year"], row["stage"])]
        card, ev, fw = s.scorecard, s.evaluation, s.framework
        cells: dict[str, str] = {"unit_id": row["unit_id"], "year": str(s.year), "stage": s.stage,
                                 "framework": fw.id}
        for code in AREA_CODES:
            cells[code] = _csv_number(card.areas[code].score, decimal) if code in card.areas else ""
        for code in HASIL_COLUMNS:
            item = card.hasil_items.get(code)
            cells[code] = "" if item is None else _csv_number(item.input, decimal)
        cells.update({
            "unit_name": safe_text(str(row["unit"])), "rank": str(row["rank"]),
            "total": _csv_number(card.total, decimal), "pengungkit": _csv_number(card.pengungkit, decimal),
            "hasil": _csv_number(card.hasil, decimal), "predicate": ev.predicate or "",
            "failing_wbk": safe_text(row["failing_wbk"]), "failing_wbbm": safe_text(row["failing_wbbm"]),
            "provisional": "1" if card.provisional else "0",
            "synthetic": "1" if synthetic is not None and synthetic(s.unit_id) else "0"})
        writer.writerow([cells[c] for c in (*RECAP_COLUMNS, *CSV_SCORE_COLUMNS)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def recap_format(path: str) -> str | None:
    """The recap format a file name asks for (``xlsx`` or ``csv``, by its extension), else None."""
    suffix = path.rsplit(".", 1)[-1].casefold() if "." in path.replace("\\", "/").rsplit("/", 1)[-1] else ""
    return suffix if suffix in RECAP_FORMATS else None


def export_recap(store: Store, year: int, stage: str, lang: str = "id", fmt: str = "xlsx") -> bytes:
    """The recap of every unit evaluated in ``year`` at ``stage``, in ``lang``: the report workbook
    (``fmt`` ``xlsx``) or the data as CSV (``csv``, see :func:`build_recap_csv`)."""
    from zi_metrics.analytics import score_round, units_by_id

    if fmt not in RECAP_FORMATS:
        raise ExportError(f"the recap is written as {' or '.join(RECAP_FORMATS)}, not {fmt}")
    scored = score_round(store, year, stage)
    if not scored:
        raise ExportError(f"no evaluation stored for {year} {stage}")
    if fmt == "csv":
        demo = store.demo_rows()
        return build_recap_csv(scored, units_by_id(store), lang=lang,
                               synthetic=lambda unit_id: demo.shown(unit_id=unit_id, year=year, stage=stage))
    title = t("xlsx.recap.title", lang, year=year, stage=stage_name(stage, lang))
    warning = t("app.demo_banner", lang) if store.shows_demo(year=year, stage=stage) else None
    return build_recap_workbook(scored, units_by_id(store), title=title, lang=lang, warning=warning)


def _synthetic(store: Store, unit_id: str, year: int | None = None, stage: str | None = None) -> str:
    """A label for exports of demo rows: their scores are synthetic and must say so."""
    return " (DATA SINTETIS - demo)" if store.shows_demo(unit_id=unit_id, year=year, stage=stage) else ""


# ---------------------------------------------------------------------------------------------
# One unit's LKE and payload


def stored_lke(store: Store, unit_id: str, year: int, stage: str
               ) -> tuple[Framework, dict[int, Any], dict[int, str], dict[int, str]]:
    """(framework, answers, notes, evidence) of one stored round that was saved from answers."""
    store.get_unit(unit_id)
    eid = store.evaluation_id(unit_id, year, stage)
    if eid is None:
        raise ExportError(f"no evaluation stored for {unit_id} {year} {stage}")
    meta = store.get_evaluation(eid)
    if meta["source"] != "answers":
        raise ExportError(f"{unit_id} {year} {stage} was stored as a recap of area points: it has no LKE "
                          "answers to export")
    fw = load_framework(meta["framework_id"])
    answers: dict[int, Any] = {}
    notes: dict[int, str] = {}
    evidence: dict[int, str] = {}
    for qid, row in store.answers_for(eid).items():
        value = row["answer_text"] if row["answer_text"] is not None else row["answer_number"]
        if value is not None:
            answers[qid] = value
        if row["note"]:
            notes[qid] = row["note"]
        if row["evidence_ref"]:
            evidence[qid] = row["evidence_ref"]
    for code, value in store.hasil_for(eid).items():
        item = fw.hasil_items.get(code)
        if item is not None and item.question is not None and item.question not in answers:
            answers[item.question] = value
    return fw, answers, notes, evidence


def export_lke(store: Store, unit_id: str, year: int, stage: str) -> bytes:
    """A unit's stored LKE (answers, notes, evidence) in the Lampiran III layout (.xlsx bytes);
    importing it back gives the same answers and scores."""
    fw, answers, notes, evidence = stored_lke(store, unit_id, year, stage)
    unit = store.get_unit(unit_id)
    name = unit.name + _synthetic(store, unit_id, year, stage)
    return write_lampiran3(fw, answers, notes, evidence, unit_name=name, year=year, stage=stage)


def export_payload(store: Store, unit_id: str, year: int) -> list[dict[str, Any]]:
    """The PortalRB payload of a unit's round: ``jawaban_unit`` from its ``mandiri`` evaluation and
    ``jawaban_tpi`` from its ``tpi`` evaluation (either may be missing, not both)."""
    store.get_unit(unit_id)
    found: dict[str, tuple[Framework, dict[int, Any], dict[int, str], dict[int, str]]] = {}
    for stage in ("mandiri", "tpi"):
        try:
            found[stage] = stored_lke(store, unit_id, year, stage)
        except ExportError:
            continue
    if not found:
        raise ExportError(f"no mandiri or tpi evaluation with answers stored for {unit_id} {year}")
    fws = {v[0].id for v in found.values()}
    if len(fws) > 1:
        raise ExportError(f"{unit_id} {year}: mandiri and tpi use different frameworks "
                          f"({', '.join(sorted(fws))})")
    fw = next(iter(found.values()))[0]
    unit = found.get("mandiri")
    tpi = found.get("tpi")
    return build_payload(fw, unit[1] if unit else None, tpi[1] if tpi else None,
                         notes=unit[2] if unit else None, evidence=unit[3] if unit else None,
                         tpi_notes=tpi[2] if tpi else None)

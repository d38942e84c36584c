"""Exports: the recap workbook of a round, a unit's LKE in the Lampiran III layout, and the PortalRB
payload of a unit's round. Scores are always recomputed from the stored inputs (through
:mod:`zi_metrics.analytics` / :mod:`zi_metrics.scoring` and :mod:`zi_metrics.rules`).

Every text cell written to a workbook goes through :func:`zi_metrics.lke.common.safe_text`: a text
beginning with ``=``, ``+``, ``-`` or ``@`` gets an apostrophe in front, so no unit name or note
can become a formula in the recipient's spreadsheet.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from zi_metrics.framework import Framework, load_framework
from zi_metrics.lke.common import safe_text
from zi_metrics.lke.lampiran3 import write_lampiran3
from zi_metrics.lke.payload import build_payload
from zi_metrics.rules import RuleResult
from zi_metrics.store import Store

RED = "F8CBAD"  # fails Menuju WBK
AMBER = "FFE699"  # meets WBK, fails Menuju WBBM


class ExportError(ValueError):
    """Nothing to export (no such evaluation, or an evaluation without answers)."""


# ---------------------------------------------------------------------------------------------
# Recap workbook


def _pct(value: float) -> float:
    return value / 100.0


def _columns(frameworks: Sequence[Framework]) -> list[tuple[str, str, str]]:
    """(key, header, number format) of every column of the recap."""
    cols = [("unit_id", "unit_id", "@"), ("unit", "Unit kerja", "@"), ("framework", "Kerangka", "@"),
            ("year", "Tahun", "0"), ("stage", "Penilaian", "@")]
    area_codes: list[str] = []
    for fw in frameworks:
        area_codes += [a for a in fw.area_codes if a not in area_codes]
    for code in area_codes:
        cols += [(f"area:{code}", f"{code} (poin)", "0.00"), (f"pct:{code}", f"{code} %", "0.00%")]
    if any(fw.has_halves for fw in frameworks):
        cols += [("half:pemenuhan", "Pemenuhan", "0.00"), ("half:reform", "Reform", "0.00")]
    cols.append(("pengungkit", "Pengungkit", "0.00"))
    seen: set[str] = set()
    for fw in frameworks:
        for comp in fw.hasil_components:
            for item in comp.items:
                if item.code in seen:
                    continue
                seen.add(item.code)
                fmt = "@" if item.kind == "option" else "0.00"
                cols += [(f"input:{item.code}", f"{item.code} (nilai)", fmt),
                         (f"item:{item.code}", f"{item.code} (poin)", "0.00")]
            if f"comp:{comp.code}" not in seen:
                seen.add(f"comp:{comp.code}")
                cols.append((f"comp:{comp.code}", comp.code, "0.00"))
    cols += [("hasil", "Hasil", "0.00"), ("total", "Total", "0.00"), ("predicate", "Predikat", "@"),
             ("completeness", "Kelengkapan", "0%"), ("provisional", "Sementara", "@"),
             ("failing_wbk", "Aturan gagal WBK", "@"), ("failing_wbbm", "Aturan gagal WBBM", "@")]
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
            return [f"item:{item.code}"]
    return []


def _thresholds(fw: Framework, predicate: str) -> dict[str, float]:
    out: dict[str, float] = {}
    items = {i.rule: i.code for i in fw.hasil_items.values()}
    for rd in fw.predicate(predicate).rules:
        if rd.rule == "area" and rd.min_percent is not None:
            for code in fw.area_codes:
                out[f"pct:{code}"] = _pct(rd.min_percent)
                out[f"area:{code}"] = rd.min_percent / 100.0 * fw.area(code).max
        elif rd.rule in ("total", "pengungkit") and rd.min is not None:
            out[rd.rule] = rd.min
        elif rd.rule in {c.code for c in fw.hasil_components} and rd.min is not None:
            out[f"comp:{rd.rule}"] = rd.min
        elif rd.rule in items and rd.min is not None:
            out[f"item:{items[rd.rule]}"] = rd.min
    return out


def _failing_text(rules: Sequence[RuleResult]) -> str:
    return ", ".join(r.rule for r in rules)


def recap_rows(scored: Sequence[Any], units: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One dict per scored round (``analytics.ScoredRound``), keyed like the recap's columns."""
    rows = []
    for s in scored:
        card, ev, fw = s.scorecard, s.evaluation, s.framework
        unit = units.get(s.unit_id, {})
        row: dict[str, Any] = {"unit_id": s.unit_id, "unit": unit.get("name", s.unit_id), "framework": fw.id,
                               "year": s.year, "stage": s.stage, "pengungkit": card.pengungkit,
                               "hasil": card.hasil, "total": card.total, "predicate": ev.predicate or "tidak ada",
                               "completeness": card.completeness.ratio,
                               "provisional": "ya" if card.provisional else "tidak",
                               "failing_wbk": _failing_text(ev.failing("WBK")),
                               "failing_wbbm": _failing_text(ev.failing("WBBM"))}
        for code, a in card.areas.items():
            row[f"area:{code}"] = a.score
            row[f"pct:{code}"] = _pct(a.percent)
        for half, value in card.halves.items():
            row[f"half:{half}"] = value
        for code, item in card.hasil_items.items():
            row[f"input:{code}"] = item.input
            row[f"item:{code}"] = item.points
        for comp, value in card.hasil_components.items():
            row[f"comp:{comp}"] = value
        fails: dict[str, str] = {}
        for pred, colour in (("WBBM", AMBER), ("WBK", RED)):  # WBK last: red wins
            for r in ev.failing(pred):
                for col in _rule_columns(fw, r.rule):
                    fails[col] = colour
        row["_fails"] = fails
        rows.append(row)
    return rows


def build_recap_workbook(scored: Sequence[Any], units: Mapping[str, Mapping[str, Any]], *, title: str = ""
                         ) -> bytes:
    """The recap workbook: one row per unit with area points and %, Pemenuhan/Reform subtotals,
    pengungkit, hasil items, total, predicate and failing rules; the WBK and WBBM thresholds as
    header rows; cells failing WBK in red, failing only WBBM in amber."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frameworks: list[Framework] = []
    for s in scored:
        if s.framework.id not in [f.id for f in frameworks]:
            frameworks.append(s.framework)
    if not frameworks:
        raise ExportError("nothing to export: no evaluation in this round")
    cols = _columns(frameworks)
    index = {key: i for i, (key, _, _) in enumerate(cols, start=1)}
    wb = Workbook()
    ws = wb.active
    ws.title = "Rekap"
    bold = Font(bold=True)

    def text(r: int, c: int, value: str, **style: Any) -> None:
        cell = ws.cell(row=r, column=c, value=safe_text(value))
        cell.data_type = "s"
        for k, v in style.items():
            setattr(cell, k, v)

    text(1, 1, title or "Rekap nilai Zona Integritas", font=Font(bold=True, size=13))
    r = 2
    for fw in frameworks:
        for pred in fw.predicates:
            suffix = f" ({fw.id})" if len(frameworks) > 1 else ""
            text(r, 1, f"Batas {pred.name}{suffix}", font=bold)
            for key, value in _thresholds(fw, pred.code).items():
                if key in index:
                    cell = ws.cell(row=r, column=index[key], value=value)
                    cell.number_format = cols[index[key] - 1][2]
                    cell.font = Font(italic=True)
            r += 1
    header_row = r
    fill = PatternFill("solid", fgColor="DDEBF7")
    for c, (_, header, _) in enumerate(cols, start=1):
        text(header_row, c, header, font=bold, fill=fill, alignment=Alignment(wrap_text=True, vertical="top"))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    fills = {RED: PatternFill("solid", fgColor=RED), AMBER: PatternFill("solid", fgColor=AMBER)}
    for n, row in enumerate(recap_rows(scored, units)):
        rr = header_row + 1 + n
        for key, value in row.items():
            if key not in index or value is None:
                continue
            c = index[key]
            if isinstance(value, str):
                text(rr, c, value)
            else:
                cell = ws.cell(row=rr, column=c, value=value)
                cell.number_format = cols[c - 1][2]
        for key, colour in row["_fails"].items():
            if key in index:
                ws.cell(row=rr, column=index[key]).fill = fills[colour]
    last = header_row + len(scored) + 2
    text(last, 1, "Merah: tidak memenuhi batas Menuju WBK; kuning: memenuhi WBK tetapi tidak memenuhi "
                  "batas Menuju WBBM. Nilai dihitung ulang dari jawaban/rekap yang tersimpan.")
    for c, (key, header, _) in enumerate(cols, start=1):
        width = 32 if key in ("unit", "failing_wbk", "failing_wbbm") else max(9, min(22, len(header) + 2))
        ws.column_dimensions[get_column_letter(c)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_recap(store: Store, year: int, stage: str) -> bytes:
    """The recap workbook of every unit evaluated in ``year`` at ``stage``."""
    from zi_metrics.analytics import score_round, units_by_id

    scored = score_round(store, year, stage)
    if not scored:
        raise ExportError(f"no evaluation stored for {year} {stage}")
    scored = sorted(scored, key=lambda s: s.unit_id)
    title = f"Rekap nilai Zona Integritas {year} - penilaian {stage}{_synthetic(store)}"
    return build_recap_workbook(scored, units_by_id(store), title=title)


def _synthetic(store: Store) -> str:
    """A label for exports of the demo database: its scores are synthetic and must say so."""
    return " (DATA SINTETIS - demo)" if store.dataset_kind() == "demo" else ""


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
    return write_lampiran3(fw, answers, notes, evidence, unit_name=unit.name + _synthetic(store), year=year,
                           stage=stage)


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

"""One entry point for every upload: recognise the layout, read it, and score what was read.

:func:`read_file` looks at the bytes, not the file name: a zip container is a workbook (a sheet
named "Jawaban" makes it a PortalRB Jawaban workbook, a sheet with the "Penilaian ... Bobot ...
Jawaban ... Nilai" header a Lampiran III workbook, a sheet headed ``unit_id ... MP ...`` a
recap), a JSON document is a PortalRB payload, and a ``.csv`` file a recap.
"""

from __future__ import annotations

import json
from typing import Any

from zi_metrics.evaluation_io import evaluation_to_dict
from zi_metrics.framework import FrameworkError, load_framework
from zi_metrics.lke.common import (
    LkeFileError,
    ParsedLke,
    Problem,
    Source,
    file_name_of,
    is_lock_file,
    problem,
    read_source,
    shown,
    sniff,
    unreadable_problem,
)
from zi_metrics.lke.jawaban import find_jawaban_sheet, read_jawaban_workbook
from zi_metrics.lke.lampiran3 import find_lke_sheets, read_lampiran3_workbook
from zi_metrics.lke.limits import ReadLimits, check_file, read_limits
from zi_metrics.lke.payload import parse_payload, read_payload
from zi_metrics.lke.recap import ParsedRecap, is_recap_header, parse_recap_csv, parse_recap_workbook
from zi_metrics.lke.workbook import open_book
from zi_metrics.rules import Evaluation, evaluate
from zi_metrics.scoring import Scorecard, score_answers, score_areas

UNKNOWN = "unknown"
WORKBOOK_KINDS = ("xlsx", "xls", "ods")
Parsed = ParsedLke | ParsedRecap


def _has_recap_sheet(wb: Any) -> bool:
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row or 0, 10), values_only=True):
            if is_recap_header(list(row)):
                return True
    return False


def read_bytes(data: bytes, name: str = "upload", framework_id: str | None = None,
               limits: ReadLimits | None = None) -> Parsed:
    """Read already-loaded bytes (the size on disk is the caller's; see :func:`read_file`). The
    limits of :mod:`zi_metrics.lke.limits` are checked before anything is parsed."""
    kind = sniff(data, name)
    try:
        if is_lock_file(name):
            raise LkeFileError(problem("file.lock_file", file=shown(name), original=shown(name[2:])))
        check_file(data, kind, name, limits)
        if kind == "json":
            try:
                return read_payload(data, name=name, framework_id=framework_id)
            except RecursionError:  # "[[[[..." nested deeper than any payload: refused, no traceback
                raise LkeFileError(problem("limit.json_depth", file=shown(name))) from None
        if kind == "csv":
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
            return parse_recap_csv(text)
        if kind not in WORKBOOK_KINDS:
            return ParsedLke.failure(UNKNOWN, framework_id, unreadable_problem(kind, name))
        wb = open_book(data, kind, name)
    except LkeFileError as exc:
        return ParsedLke(UNKNOWN, framework_id, problems=[exc.problem])
    try:
        if find_jawaban_sheet(wb) is not None:
            return read_jawaban_workbook(wb, framework_id)
        if find_lke_sheets(wb):
            parsed = read_lampiran3_workbook(wb, framework_id)
            attach_workbook_check(parsed, data, kind, wb)
            return parsed
        if _has_recap_sheet(wb):
            return parse_recap_workbook(wb)
    except FrameworkError as exc:
        return ParsedLke.failure(UNKNOWN, framework_id, str(exc))
    names = ", ".join(f"'{ws.title}'" for ws in wb.worksheets)
    return ParsedLke.failure(
        UNKNOWN, framework_id,
        f"no recognisable LKE sheet in {name}: expected a sheet named 'Jawaban' (PortalRB), a sheet "
        f"with the header row 'Penilaian ... Bobot ... Jawaban ... Nilai' (Lampiran III) or a recap "
        f"sheet headed unit_id, year, stage, MP ... (sheets: {names})")


def read_file(source: Source, *, name: str | None = None, framework_id: str | None = None,
              max_bytes: int | None = None, limits: ReadLimits | None = None) -> Parsed:
    """Read any supported upload (path, bytes or binary file object). Never raises for bad input:
    every problem is in ``.problems`` and ``.fatal`` says whether anything may be imported."""
    label = file_name_of(source, name)
    try:
        limits = limits or read_limits()
        data = read_source(source, name, max_bytes or limits.max_file_bytes)
    except LkeFileError as exc:
        return ParsedLke(UNKNOWN, framework_id, problems=[exc.problem])
    except ValueError as exc:  # a ZI_MAX_... setting that is not a number
        return ParsedLke.failure(UNKNOWN, framework_id, str(exc))
    return read_bytes(data, label, framework_id, limits)


def attach_workbook_check(parsed: ParsedLke, data: bytes, kind: str, wb: Any) -> None:
    """The workbook's own result beside the project's (Lampiran III files with cached values)."""
    if parsed.fatal or parsed.sheet is None:
        return
    from zi_metrics.lke.crosscheck import check_workbook
    from zi_metrics.lke.workbook import cached_values

    values = cached_values(data, kind, parsed.sheet, wb)
    parsed.workbook = check_workbook(parsed, values)


# ---------------------------------------------------------------------------------------------
# Scoring what was read (the official as-answered figures, as ``evaluate`` prints them)


def score_parsed(parsed: ParsedLke, which: str = "unit") -> Scorecard:
    """Scorecard of the unit's (``which="unit"``) or the TPI's (``"tpi"``) answers of a parsed LKE."""
    fw = load_framework(parsed.framework_id or "")
    answers = parsed.answers if which == "unit" else (parsed.tpi_answers or {})
    return score_answers(fw, answers)


def evaluate_parsed(parsed: ParsedLke, which: str = "unit", holds_wbk: bool = False) -> Evaluation:
    fw = load_framework(parsed.framework_id or "")
    return evaluate(fw, score_parsed(parsed, which), holds_wbk)


def problems_json(problems: list[Problem]) -> list[dict[str, str]]:
    return [p.to_dict() for p in problems]


def score_document(parsed: Parsed, holds_wbk: bool = False) -> dict[str, Any]:
    """The ``score-lke`` document: ``evaluation_to_dict`` of the unit's answers plus ``layout`` and
    ``problems`` (and ``tpi``, the same document for the TPI's answers, when the file has them).
    A recap gives ``{"layout": "recap", "problems": [...], "evaluations": [...]}``, one evaluation
    per row with its unit_id, year and stage. Call only when ``parsed.fatal`` is false."""
    if isinstance(parsed, ParsedRecap):
        evaluations = []
        for row in parsed.rows:
            fw = load_framework(row.framework_id)
            ev = evaluate(fw, score_areas(fw, row.areas, row.hasil), holds_wbk)
            evaluations.append({"unit_id": row.unit_id, "year": row.year, "stage": row.stage,
                                **evaluation_to_dict(fw, ev)})
        return {"layout": parsed.layout, "problems": problems_json(parsed.problems),
                "evaluations": evaluations}
    fw = load_framework(parsed.framework_id or "")
    doc = evaluation_to_dict(fw, evaluate_parsed(parsed, "unit", holds_wbk))
    doc["layout"] = parsed.layout
    doc["problems"] = problems_json(parsed.problems)
    if parsed.workbook is not None:
        doc["workbook"] = workbook_json(parsed.workbook)
    if parsed.tpi_answers:
        doc["tpi"] = evaluation_to_dict(fw, evaluate_parsed(parsed, "tpi", holds_wbk))
    return doc


def workbook_json(check: Any) -> dict[str, Any]:
    """The workbook's own total beside the project's, each difference with its English wording."""
    out = check.to_dict()
    for d, diff in zip(out["differences"], check.differences, strict=True):
        d["message"] = diff.text("en")
    return out


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


__all__ = ["Parsed", "evaluate_parsed", "parse_payload", "read_bytes", "read_file", "score_document",
           "score_parsed"]

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
    MAX_FILE_BYTES,
    LkeFileError,
    ParsedLke,
    Problem,
    Source,
    describe_unreadable,
    file_name_of,
    open_workbook,
    read_source,
    sniff,
)
from zi_metrics.lke.jawaban import find_jawaban_sheet, read_jawaban_workbook
from zi_metrics.lke.lampiran3 import find_lke_sheets, read_lampiran3_workbook
from zi_metrics.lke.payload import parse_payload, read_payload
from zi_metrics.lke.recap import ParsedRecap, is_recap_header, parse_recap_csv, parse_recap_workbook
from zi_metrics.rules import Evaluation, evaluate
from zi_metrics.scoring import Scorecard, score_answers, score_areas

UNKNOWN = "unknown"
Parsed = ParsedLke | ParsedRecap


def _has_recap_sheet(wb: Any) -> bool:
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row or 0, 10), values_only=True):
            if is_recap_header(list(row)):
                return True
    return False


def read_bytes(data: bytes, name: str = "upload", framework_id: str | None = None) -> Parsed:
    """Read already-loaded bytes (size limits are the caller's; see :func:`read_file`)."""
    kind = sniff(data, name)
    try:
        if kind == "json":
            return read_payload(data, name=name, framework_id=framework_id)
        if kind == "csv":
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="replace")
            return parse_recap_csv(text)
        if kind != "xlsx":
            return ParsedLke.failure(UNKNOWN, framework_id, describe_unreadable(kind, name))
        wb = open_workbook(data, name)
    except LkeFileError as exc:
        return ParsedLke(UNKNOWN, framework_id, problems=[exc.problem])
    try:
        if find_jawaban_sheet(wb) is not None:
            return read_jawaban_workbook(wb, framework_id)
        if find_lke_sheets(wb):
            return read_lampiran3_workbook(wb, framework_id)
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
              max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    """Read any supported upload (path, bytes or binary file object). Never raises for bad input:
    every problem is in ``.problems`` and ``.fatal`` says whether anything may be imported."""
    label = file_name_of(source, name)
    try:
        data = read_source(source, name, max_bytes)
    except LkeFileError as exc:
        return ParsedLke(UNKNOWN, framework_id, problems=[exc.problem])
    return read_bytes(data, label, framework_id)


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
    if parsed.tpi_answers:
        doc["tpi"] = evaluation_to_dict(fw, evaluate_parsed(parsed, "tpi", holds_wbk))
    return doc


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


__all__ = ["Parsed", "evaluate_parsed", "parse_payload", "read_bytes", "read_file", "score_document",
           "score_parsed"]

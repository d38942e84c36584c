"""The PortalRB answer payload: one JSON record per question.

A record is ``{"soal_id": 12, "jawaban_unit": "B", "jawaban_tpi": "C", "catatan_unit": "...",
"bukti_dukung_unit": "...", "catatan_tpi": "..."}``; ``soal_id`` is the question id of the
framework (PortalRB 2026 uses PermenPANRB 90/2021). The reader accepts a bare list of records or
an object holding it under ``data``, ``jawaban`` or ``records`` (and, optionally, ``tahun`` to
pick the framework in force that year). A blank or null answer is an unanswered question.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from zi_metrics.framework import Framework, FrameworkError, framework_for_year, load_framework
from zi_metrics.lke.common import (
    LkeFileError,
    ParsedLke,
    Source,
    check_answer,
    check_note,
    file_name_of,
    problem,
    read_source,
    shown,
    warning,
)

LAYOUT = "payload"
DEFAULT_FRAMEWORK = "permenpanrb-90-2021"
FIELDS = ("soal_id", "jawaban_unit", "jawaban_tpi", "catatan_unit", "bukti_dukung_unit", "catatan_tpi")
_LIST_KEYS = ("data", "jawaban", "records", "answers")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _records(doc: Any) -> tuple[list[Any] | None, Any]:
    """(records, tahun) from the decoded JSON, or (None, None) when it holds no record list."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, Mapping):
        for key in _LIST_KEYS:
            if isinstance(doc.get(key), list):
                return doc[key], doc.get("tahun", doc.get("year"))
    return None, None


def _soal_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_payload(doc: Any, framework_id: str | None = None, sheet: str = "") -> ParsedLke:
    """Validate decoded payload JSON against a framework (default: the year's, else 90/2021)."""
    records, tahun = _records(doc)
    if records is None:
        return ParsedLke.failure(LAYOUT, framework_id, "not a PortalRB payload: expected a list of records "
                                                       "with soal_id", sheet)
    try:
        if framework_id is None:
            framework_id = DEFAULT_FRAMEWORK
            if isinstance(tahun, int) and not isinstance(tahun, bool):
                framework_id = framework_for_year(tahun)
        fw = load_framework(framework_id)
    except FrameworkError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[problem("payload.framework", sheet, "tahun", reason=str(exc))])
    out = ParsedLke(LAYOUT, fw.id, tpi_answers={}, sheet=sheet or None)
    seen: dict[int, str] = {}
    unknown_keys: set[str] = set()
    for i, rec in enumerate(records):
        where = f"[{i}]"
        if not isinstance(rec, Mapping):
            out.problems.append(problem("payload.not_object", sheet, where))
            continue
        unknown_keys.update(k for k in rec if k not in FIELDS)
        qid = _soal_id(rec.get("soal_id"))
        if qid is None:
            out.problems.append(problem("payload.bad_soal_id", sheet, f"{where}.soal_id",
                                        value=shown(rec.get("soal_id"))))
            continue
        if qid not in fw.questions:
            out.problems.append(problem("payload.unknown_soal", sheet, f"{where}.soal_id", qid=qid,
                                        framework=fw.id))
            continue
        if qid in seen:
            out.problems.append(problem("payload.answered_twice", sheet, f"{where}.soal_id", qid=qid,
                                        first=seen[qid], second=where))
            continue
        seen[qid] = where
        q = fw.questions[qid]
        for key, who, target in (("jawaban_unit", "", out.answers), ("jawaban_tpi", "TPI", out.tpi_answers)):
            value, trouble = check_answer(fw, q, rec.get(key), sheet=sheet, cell=f"{where}.{key}", who=who)
            if trouble is not None:
                out.problems.append(trouble)
            elif value is not None:
                target[qid] = value
                if key == "jawaban_unit":
                    out.cells[qid] = f"{where}.{key}"
        for key, target in (("catatan_unit", out.notes), ("bukti_dukung_unit", out.evidence),
                            ("catatan_tpi", out.tpi_notes)):
            value = rec.get(key)
            if value is not None and not isinstance(value, (str, int, float)):
                out.problems.append(problem("payload.not_text", sheet, f"{where}.{key}",
                                            kind=type(value).__name__))
                continue
            text = check_note(value)
            if text:
                target[qid] = text
    out.questions_found = len(seen)
    if unknown_keys:
        out.problems.append(warning("payload.unknown_fields", sheet, "",
                                    fields=shown(", ".join(sorted(map(str, unknown_keys))), 200)))
    if not seen and not out.fatal:
        out.problems.append(problem("payload.empty", sheet))
    return out


def read_payload(source: Source, *, name: str | None = None, framework_id: str | None = None) -> ParsedLke:
    """Read a PortalRB payload file (path, bytes or file object); problems instead of exceptions."""
    label = file_name_of(source, name)
    try:
        data = read_source(source, name)
    except LkeFileError as exc:
        return ParsedLke(LAYOUT, framework_id, problems=[exc.problem])
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        return ParsedLke(LAYOUT, framework_id, problems=[problem("payload.not_utf8", file=shown(label))])
    except (json.JSONDecodeError, ValueError) as exc:
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        return ParsedLke(LAYOUT, framework_id, problems=[problem("payload.not_json", "", where, file=shown(label),
                                                                 reason=str(getattr(exc, "msg", exc)))])
    return parse_payload(doc, framework_id)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def build_payload(fw: Framework, unit_answers: Mapping[int, Any] | None,
                  tpi_answers: Mapping[int, Any] | None = None, *, notes: Mapping[int, str] | None = None,
                  evidence: Mapping[int, str] | None = None, tpi_notes: Mapping[int, str] | None = None,
                  question_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """PortalRB payload records, one per question of ``fw`` (nulls where nothing is recorded)."""
    unit_answers, tpi_answers = unit_answers or {}, tpi_answers or {}
    notes, evidence, tpi_notes = notes or {}, evidence or {}, tpi_notes or {}
    ids = list(question_ids) if question_ids is not None else list(fw.questions)
    return [{"soal_id": qid,
             "jawaban_unit": _plain(unit_answers.get(qid)),
             "jawaban_tpi": _plain(tpi_answers.get(qid)),
             "catatan_unit": notes.get(qid) or None,
             "bukti_dukung_unit": evidence.get(qid) or None,
             "catatan_tpi": tpi_notes.get(qid) or None}
            for qid in ids]


def dump_payload(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"

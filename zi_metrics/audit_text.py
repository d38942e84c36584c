"""The audit log as sentences in the reader's language: who did what to which unit, year and stage,
and when (``siti mengimpor LKE Itjen 2025 TPI dari lke-itjen.xlsx, 3 Des 2026 14.05``).

:func:`audit_sentence` turns one row of :meth:`Store.audit_log` (its ``at``, ``actor``,
``action``, ``detail`` JSON and ``file_name``) into text; every action code the store writes has
its own sentence (:data:`ACTIONS`), an unknown code still reads as a sentence naming it. Units are
named by their short name when the caller gives them; rounds as unit, year and stage. The time
is shown in the reader's time zone when it is known (the log keeps UTC).

Pure: no Streamlit, no store access.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zi_metrics.i18n import t
from zi_metrics.stages import STAGES

Row = Mapping[str, Any]
_MAX_LISTED = 3  # rounds or units named in one sentence; the rest counted
# The editable fields of a follow-up (store.follow_ups) and the column label each has.
_FOLLOW_UP_FIELDS = ("pic", "due_date", "status", "note_addressed", "evidence_period_ok", "evidence_named_ok",
                     "evidence_url")
_FOLLOW_UP_COLUMNS = {"evidence_url": "evidence_link"}


def _detail(row: Row) -> dict[str, Any]:
    raw = row.get("detail")
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def format_when(at: Any, lang: str, tz: str | None = None) -> str:
    """A UTC time of the log as its reader writes it, in time zone ``tz`` (an IANA name; UTC when
    unknown): ``3 Des 2026 14.05`` (Indonesian), ``3 Dec 2026 14:05`` (English)."""
    if at is None:
        return "–"
    try:
        moment = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
        if hasattr(moment, "to_pydatetime"):
            moment = moment.to_pydatetime()
        if not isinstance(moment, dt.datetime):
            return "–"
    except (TypeError, ValueError):
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        zone = ZoneInfo(tz) if tz else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = moment.astimezone(zone)
    month = t("audit.months", lang).split()[local.month - 1]
    sep = "." if lang == "id" else ":"
    return f"{local.day} {month} {local.year} {local.hour:02d}{sep}{local.minute:02d}"


class _Words:
    """The pieces a sentence is built of, in one language."""

    def __init__(self, lang: str, units: Mapping[str, str]):
        self.lang = lang
        self.units = units

    def unit(self, unit_id: Any) -> str:
        return self.units.get(str(unit_id), str(unit_id)) if unit_id is not None else "?"

    def stage(self, stage: Any) -> str:
        return t(f"stage_short.{stage}", self.lang) if stage in STAGES else str(stage)

    def round(self, unit_id: Any, year: Any, stage: Any) -> str:
        return f"{self.unit(unit_id)} {year} {self.stage(stage)}"

    def listed(self, items: Sequence[str]) -> str:
        """The first few items, and how many more."""
        shown = ", ".join(items[:_MAX_LISTED])
        rest = len(items) - _MAX_LISTED
        return shown if rest <= 0 else t("audit.and_more", self.lang, items=shown, count=rest)

    def number(self, value: Any) -> str:
        from zi_metrics.formatting import format_number  # noqa: PLC0415 (light module, loaded when used)

        return format_number(value, self.lang, decimals=0) if isinstance(value, (int, float)) else str(value)


def _parsed_rounds(entries: Any) -> list[tuple[str, int | str, str, str]]:
    """(unit id, year, stage, status) of an import's ``rounds`` entries (``"unit year stage: status"``)."""
    out = []
    for entry in entries if isinstance(entries, list) else []:
        where, _, status = str(entry).rpartition(": ")
        parts = where.rsplit(" ", 2)
        if len(parts) == 3:
            out.append((parts[0], parts[1], parts[2], status))
    return out


def _import(w: _Words, d: dict[str, Any], row: Row, what: str) -> dict[str, Any]:
    rounds = [r for r in _parsed_rounds(d.get("rounds")) if r[3] != "unchanged"]
    names = [w.round(u, y, s) for u, y, s, _ in rounds]
    return {"what": t(what, w.lang), "rounds": w.listed(names) if names else t("audit.rounds_unknown", w.lang),
            "count": len(names)}


def _units_import(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    units = [str(u).rpartition(": ")[0] for u in d.get("units", []) if isinstance(u, str)]
    facts = d.get("facts", [])
    return {"units": w.listed([w.unit(u) for u in units]) if units else "–", "count": len(units),
            "facts": len(facts) if isinstance(facts, list) else 0}


def _follow_up(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    changes = d.get("changes") if isinstance(d.get("changes"), Mapping) else {}
    fields = [t(f"followup.col.{_FOLLOW_UP_COLUMNS.get(f, f)}", w.lang) if f in _FOLLOW_UP_FIELDS else str(f)
              for f in changes]
    return {"round": w.round(d.get("unit_id"), d.get("year"), d.get("stage")), "question": d.get("question_id", "?"),
            "fields": ", ".join(fields) or "–"}


def _sign_in(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    reason = d.get("reason") if d.get("reason") in ("password", "locked") else "password"
    client = str(d.get("client") or row.get("actor") or "?")
    if d.get("forwarded_for"):
        client = t("audit.forwarded", w.lang, client=client, forwarded=d["forwarded_for"])
    return {"user": d.get("user_name") or "–", "reason": t(f"audit.reason.{reason}", w.lang), "client": client}


def _round_of(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    return {"round": w.round(d.get("unit_id"), d.get("year"), d.get("stage"))}


def _deleted(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    if d.get("unit_id") is None:  # a row written before deletions named their round
        return {"round": t("audit.evaluation_id", w.lang, id=d.get("evaluation_id", "?"))}
    return _round_of(w, d, row)


def _award(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    decree = d.get("decree_ref")
    return {"predicate": d.get("predicate", "?"), "unit": w.unit(d.get("unit_id")), "year": d.get("year", "?"),
            "decree": t("audit.decree", w.lang, decree=decree) if decree else ""}


def _revoke(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    reason = d.get("reason")
    return {"predicate": d.get("predicate", "?"), "unit": w.unit(d.get("unit_id")), "year": d.get("year", "?"),
            "reason": t("audit.because", w.lang, reason=reason) if reason else ""}


def _counts(*keys: str) -> Callable[[_Words, dict[str, Any], Row], dict[str, Any]]:
    def fields(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
        return {k: w.number(d.get(k, 0)) for k in keys}

    return fields


def _copy(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    rows = d.get("rows") if isinstance(d.get("rows"), Mapping) else {}
    total = sum(v for v in rows.values() if isinstance(v, int))
    return {"source": d.get("from", "?"), "rows": w.number(total)}


def _mark(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    total = sum(v for k, v in d.items() if k in ("units", "rounds", "facts", "awards") and isinstance(v, int))
    return {"rows": w.number(total)}


def _schema(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    return {"old": d.get("from_version", "?"), "new": d.get("to_version", "?")}


def _nothing(w: _Words, d: dict[str, Any], row: Row) -> dict[str, Any]:
    return {}


# action code -> what fills its sentence ``audit.action.<code>``. Every code the store writes is
# here (tests/test_audit_text.py checks the code base for others).
ACTIONS: dict[str, Callable[[_Words, dict[str, Any], Row], dict[str, Any]]] = {
    "create": _schema,
    "migrate": _schema,
    "seed_demo": _counts("units", "evaluations"),
    "remove_demo": _counts("units", "rounds"),
    "mark_demo": _mark,
    "clear_data": _nothing,
    "copy_db": _copy,
    "restore": _copy,
    "bulk_load": _counts("units", "evaluations", "answers"),
    "upsert_units": _counts("count"),
    "import_units": _units_import,
    "add_unit": _units_import,
    "save_prerequisites": lambda w, d, row: {"unit": w.unit(d.get("unit_id")), "year": d.get("year", "?")},
    "award_predicate": _award,
    "revoke_predicate": _revoke,
    "import": lambda w, d, row: _import(w, d, row, "audit.what.rounds"),
    "import_lke": lambda w, d, row: _import(w, d, row, "audit.what.lke"),
    "save_evaluation": _round_of,
    "save_evaluations": _counts("rounds"),
    "delete_evaluation": _deleted,
    "update_follow_up": _follow_up,
    "sign_in_failed": _sign_in,
}


def audit_sentence(row: Row, lang: str = "id", *, units: Mapping[str, str] | None = None,
                   tz: str | None = None) -> str:
    """One audit row as a sentence in ``lang``; ``units``: unit id -> the name to show (short
    names); ``tz``: the reader's time zone (IANA name), UTC when None."""
    words = _Words(lang, units or {})
    action = str(row.get("action") or "?")
    actor = str(row.get("actor") or "?")
    if actor == "system":
        actor = t("audit.actor.system", lang)
    detail = _detail(row)
    fill = ACTIONS.get(action)
    if fill is None:
        text = t("audit.action.unknown", lang, actor=actor, action=action)
    else:
        text = t(f"audit.action.{action}", lang, actor=actor, **fill(words, detail, row))
    file_name = row.get("file_name")
    if isinstance(file_name, str) and file_name.strip():
        text = t("audit.from_file", lang, text=text, file=file_name.strip())
    return t("audit.when", lang, text=text, when=format_when(row.get("at"), lang, tz))


def audit_sentences(rows: Sequence[Row] | Any, lang: str = "id", *, units: Mapping[str, str] | None = None,
                    tz: str | None = None) -> list[str]:
    """:func:`audit_sentence` of every row (a sequence of mappings, or a DataFrame's records)."""
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    return [audit_sentence(r, lang, units=units, tz=tz) for r in rows]

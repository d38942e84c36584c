"""The JSON form of an evaluation: the request the CLI's ``evaluate`` reads and the result it prints."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from zi_metrics.framework import Framework, FrameworkError, load_framework
from zi_metrics.quoting import quoted, shown
from zi_metrics.rules import Evaluation, evaluate
from zi_metrics.scoring import Scorecard, ScoringInputError, score_answers, score_areas

REQUEST_KEYS = ("framework", "areas", "answers", "hasil", "holds_wbk")


class RequestError(ValueError):
    """A bad evaluate request; the message starts with the field it concerns."""

    def __init__(self, field: str, message: str):
        field = shown(field)  # a key from the request: quoted, never echoed whole
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# Integers longer than this are refused with the field they are in (Python refuses to convert more
# than 4300 digits at all, and anything past a float's range cannot be a score or a count).
MAX_INTEGER_DIGITS = 30


class _HugeInteger(str):
    """An integer literal of the request too long to be a value (kept as its text for the message)."""


def _parse_int(text: str) -> int | _HugeInteger:
    return _HugeInteger(text) if len(text.lstrip("-")) > MAX_INTEGER_DIGITS else int(text)


def _bad_number(value: Any, path: str) -> tuple[str, Any] | None:
    """(dotted path such as ``areas.MP``, value) of the first NaN/Infinity or over-long integer in
    decoded JSON, or None."""
    if isinstance(value, float) and not math.isfinite(value) or isinstance(value, _HugeInteger):
        return path, value
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, child in items:
        found = _bad_number(child, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def parse_request_text(text: str) -> dict[str, Any]:
    """Decode request JSON strictly (no NaN/Infinity) into a dict; errors name the field."""
    try:
        data = json.loads(text, parse_int=_parse_int)
        bad = _bad_number(data, "")
    except json.JSONDecodeError as exc:
        raise RequestError("json", f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise RequestError("json", "the document is nested too deeply") from None
    except ValueError as exc:  # anything else the decoder refuses: never a traceback
        raise RequestError("json", f"cannot be read: {shown(str(exc))}") from None
    if not isinstance(data, dict):
        raise RequestError("json", "the request must be a JSON object")
    if bad is not None:
        field, value = bad
        if isinstance(value, _HugeInteger):
            raise RequestError(field, f"the number {shown(value, 20)} ({len(value.lstrip('-')):,} digits) is too "
                                      f"long; a value has at most {MAX_INTEGER_DIGITS} digits")
        raise RequestError(field, "NaN/Infinity is not a number this tool accepts")
    return data


def scorecard_from_request(data: Mapping[str, Any]) -> tuple[Framework, Scorecard, bool]:
    """Validate a request and score it; raise RequestError naming the field on bad input."""
    unknown = [k for k in data if k not in REQUEST_KEYS]
    if unknown:
        raise RequestError(unknown[0], f"unknown key; expected some of {', '.join(REQUEST_KEYS)}")
    fid = data.get("framework")
    if not isinstance(fid, str):
        raise RequestError("framework", "missing or not a string (e.g. \"permenpanrb-90-2021\")")
    try:
        fw = load_framework(fid)
    except FrameworkError as exc:
        raise RequestError("framework", str(exc)) from None
    holds = data.get("holds_wbk", False)
    if not isinstance(holds, bool):
        raise RequestError("holds_wbk", f"must be true or false, got {quoted(holds)}")
    hasil = data.get("hasil", {})
    if not isinstance(hasil, dict):
        raise RequestError("hasil", "must be an object of hasil item -> value")
    has_areas, has_answers = "areas" in data, "answers" in data
    if has_areas == has_answers:
        raise RequestError("areas", "give either \"areas\" (a recap) or \"answers\" (the LKE), not both or neither")
    try:
        if has_areas:
            if not isinstance(data["areas"], dict):
                raise RequestError("areas", "must be an object of area code -> points")
            card = score_areas(fw, data["areas"], hasil)
        else:
            if not isinstance(data["answers"], dict):
                raise RequestError("answers", "must be an object of question id -> answer")
            card = score_answers(fw, data["answers"], hasil)
    except ScoringInputError as exc:
        raise RequestError(exc.field, exc.message) from None
    return fw, card, holds


def _areas_dict(fw: Framework, card: Scorecard) -> dict[str, Any]:
    out = {}
    for area in fw.areas:
        a = card.areas[area.code]
        entry: dict[str, Any] = {"score": a.score, "max": a.max, "percent": a.percent}
        if a.halves:
            entry["halves"] = dict(a.halves)
        out[area.code] = entry
    return out


def evaluation_to_dict(fw: Framework, ev: Evaluation) -> dict[str, Any]:
    """The result document: official figures, rules, predicate, completeness (values unrounded)."""
    card = ev.scorecard
    out: dict[str, Any] = {
        "framework": fw.id,
        "source": card.source,
        "total": card.total,
        "pengungkit": card.pengungkit,
        "hasil": card.hasil,
        "areas": _areas_dict(fw, card),
        "hasil_components": card.hasil_components,
        "hasil_items": {c: {"input": i.input, "points": i.points, "max": i.max} for c, i in card.hasil_items.items()},
        "predicate": ev.predicate,
        "holds_wbk": ev.holds_wbk,
        "rules": [r.to_dict() for r in ev.rules],
        "completeness": {"answered": card.completeness.answered, "total": card.completeness.total},
        "provisional": card.provisional,
    }
    if fw.has_halves:
        out["halves"] = card.halves
    if card.conservative is not None:
        cons = evaluate(fw, card.conservative, ev.holds_wbk)
        out["conservative"] = {"total": card.conservative.total, "pengungkit": card.conservative.pengungkit,
                               "hasil": card.conservative.hasil, "areas": _areas_dict(fw, card.conservative),
                               "predicate": cons.predicate}
    if card.sub_areas:
        out["sub_areas"] = [
            {"code": s.code, "name": s.name, "area": s.area, "half": s.half, "weight": s.weight, "score": s.score,
             "answered_items": s.answered_items, "total_items": s.total_items}
            for s in card.sub_areas.values()
        ]
    return out


def evaluate_request(data: Mapping[str, Any]) -> dict[str, Any]:
    """Score and evaluate one request (recap or answers form) and return the result document."""
    fw, card, holds = scorecard_from_request(data)
    return evaluation_to_dict(fw, evaluate(fw, card, holds))

"""Pure validation helpers: every value is checked and normalised here before any SQL runs, so a
refused input names what is wrong and where, and nothing has been written."""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Iterable, Mapping
from typing import Any

from zi_metrics.framework import Framework, FrameworkError, load_framework
from zi_metrics.quoting import quoted
from zi_metrics.scoring import ScoringInputError, normalize_answer, normalize_hasil_value, normalize_scale
from zi_metrics.store.errors import StoreValidationError, UnknownUnitError
from zi_metrics.store.model import (
    _LEVEL_RANK,
    _SLUG,
    BPK_OPINIONS,
    GRADES,
    INSTANSI_KINDS,
    LEVELS,
    MAX_TEXT,
    MAX_YEAR,
    MIN_YEAR,
    PREDICATES,
    PREREQUISITE_FIELDS,
    STAGES,
    Unit,
)


def _where(unit_id: str, year: int, stage: str) -> str:
    return f"{unit_id} {year} {stage}"


def _check_text(value: Any, what: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise StoreValidationError(f"{what} is required")
        return None
    if not isinstance(value, str):
        raise StoreValidationError(f"{what} must be text, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise StoreValidationError(f"{what} is required")
    if len(value) > max_len:
        raise StoreValidationError(f"{what} is longer than {max_len} characters")
    _check_storable(value, what)
    return value


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _check_storable(value: str, what: str) -> None:
    """Refuse what no backend stores as text: NUL (PostgreSQL refuses it) and lone surrogates
    (not Unicode text at all), so that both backends hold the same data."""
    bad = _UNSTORABLE.search(value)
    if bad is None:
        return
    where = bad.start() + 1
    if bad.group() == "\x00":
        raise StoreValidationError(f"{what} contains a NUL character (U+0000) at position {where}")
    raise StoreValidationError(f"{what} is not valid Unicode text (a lone surrogate at position {where})")


def _as_int(value: Any, what: str) -> int:
    """An int from an int-like value (numpy integers from a DataFrame included), else a clear error."""
    if isinstance(value, bool):
        raise StoreValidationError(f"{what} must be a whole number, got {quoted(value)}")
    try:
        return operator.index(value)
    except TypeError:
        raise StoreValidationError(f"{what} must be a whole number, got {quoted(value)}") from None


def _opt_int(value: Any, what: str) -> int | None:
    return None if value is None else _as_int(value, what)


def _check_year(year: Any, what: str = "year") -> int:
    year = _as_int(year, what)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise StoreValidationError(f"{what} {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def _check_stage(stage: Any, where: str = "") -> str:
    prefix = f"{where}: " if where else ""
    if stage not in STAGES:
        raise StoreValidationError(f"{prefix}stage {quoted(stage)} is not one of {', '.join(STAGES)}")
    return stage


def _check_date(value: Any, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise StoreValidationError(f"{what} {quoted(value)} is not a date (YYYY-MM-DD)") from None
    raise StoreValidationError(f"{what} must be a date, got {quoted(value)}")


def _check_predicate(predicate: Any) -> str:
    if predicate not in PREDICATES:
        raise StoreValidationError(f"predicate {quoted(predicate)} is not one of {', '.join(PREDICATES)}")
    return predicate


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _load_fw(framework_id: Any, where: str) -> Framework:
    try:
        return load_framework(framework_id)
    except FrameworkError as exc:
        raise StoreValidationError(f"{where}: {exc}") from None


def _coerce_unit(raw: Unit | Mapping[str, Any], n: int) -> Unit:
    if isinstance(raw, Unit):
        data = raw.to_dict()
    elif isinstance(raw, Mapping):
        data = dict(raw)
    else:
        raise StoreValidationError(f"units[{n}]: expected a Unit or a mapping, got {type(raw).__name__}")
    unknown = set(data) - set(Unit.__dataclass_fields__)
    if unknown:
        raise StoreValidationError(f"units[{n}]: unknown field(s) {', '.join(sorted(unknown))}")
    uid = data.get("id")
    if not isinstance(uid, str) or not _SLUG.match(uid):
        raise StoreValidationError(
            f"units[{n}]: id {quoted(uid)} must be a slug of lowercase letters, digits and single hyphens "
            "(e.g. 'kemendesa-itjen')"
        )
    where = f"unit {uid}"
    name = _check_text(data.get("name"), f"{where}: name", required=True, max_len=300)
    short = _check_text(data.get("short_name"), f"{where}: short_name", max_len=100)
    level = data.get("level")
    if level not in LEVELS:
        raise StoreValidationError(f"{where}: level {quoted(level)} is not one of {', '.join(LEVELS)}")
    kind = data.get("instansi_kind", "kementerian_lembaga")
    if kind not in INSTANSI_KINDS:
        raise StoreValidationError(
            f"{where}: instansi_kind {quoted(kind)} is not one of {', '.join(INSTANSI_KINDS)}"
        )
    parent = data.get("parent_id")
    if parent is not None and (not isinstance(parent, str) or not parent):
        raise StoreValidationError(f"{where}: parent_id must be a unit id or empty, got {quoted(parent)}")
    afirmasi = data.get("afirmasi", False)
    if not isinstance(afirmasi, bool):
        raise StoreValidationError(f"{where}: afirmasi must be true or false, got {quoted(afirmasi)}")
    return Unit(uid, name or "", level, kind, parent, short, afirmasi)


def _check_hierarchy(units: Mapping[str, Unit], ids: Iterable[str]) -> None:
    for uid in ids:
        u = units[uid]
        where = f"unit {uid}"
        if u.level == "instansi":
            if u.parent_id is not None:
                raise StoreValidationError(
                    f"{where}: an instansi has no parent (got parent_id {quoted(u.parent_id)})"
                )
            continue
        if u.parent_id is None:
            raise StoreValidationError(f"{where}: a unit of level {u.level} needs a parent_id")
        parent = units.get(u.parent_id)
        if parent is None:
            raise UnknownUnitError(u.parent_id, f"{where}: parent_id")
        if _LEVEL_RANK[parent.level] >= _LEVEL_RANK[u.level]:
            raise StoreValidationError(
                f"{where}: a {u.level} cannot sit under {parent.id}, which is a {parent.level}"
            )
        if parent.instansi_kind != u.instansi_kind:
            raise StoreValidationError(
                f"{where}: instansi_kind {u.instansi_kind} differs from its parent's ({parent.instansi_kind})"
            )


def _prepare_answers(
    fw: Framework, answers: Mapping[Any, Any], where: str
) -> list[tuple[int, str | None, float | None, str | None, str | None]]:
    rows = []
    seen: set[int] = set()
    for key, raw in answers.items():
        qid = key
        if isinstance(key, str) and key.strip().isdigit():
            qid = int(key.strip())
        if isinstance(qid, bool) or not isinstance(qid, int) or qid not in fw.questions:
            raise StoreValidationError(f"{where}: answers: {quoted(key)} is not a question id of {fw.id}")
        if qid in seen:
            raise StoreValidationError(f"{where}: answers: question {qid} is given twice")
        seen.add(qid)
        note = evidence = None
        if isinstance(raw, Mapping):
            extra = set(raw) - {"answer", "answer_text", "answer_number", "note", "evidence_ref"}
            if extra:
                raise StoreValidationError(
                    f"{where}: answers.{qid}: unknown field(s) {', '.join(sorted(extra))}"
                )
            value = raw.get("answer")
            for k in ("answer_text", "answer_number"):
                if raw.get(k) is not None:
                    if value is not None:
                        raise StoreValidationError(
                            f"{where}: answers.{qid}: more than one answer value given"
                        )
                    value = raw[k]
            note = _check_text(raw.get("note"), f"{where}: answers.{qid}.note")
            if isinstance(raw.get("evidence_ref"), (bytes, bytearray, memoryview)):
                raise StoreValidationError(
                    f"{where}: answers.{qid}.evidence_ref: store a link or file name, never the file itself"
                )
            evidence = _check_text(
                raw.get("evidence_ref"), f"{where}: answers.{qid}.evidence_ref", max_len=1000
            )
        else:
            value = raw
        if isinstance(value, str) and not value.strip():
            value = None
        text: str | None = None
        number: float | None = None
        if value is not None:
            question = fw.questions[qid]
            try:
                canon = normalize_answer(fw, question, value, f"answers.{qid}")
            except ScoringInputError as exc:
                raise StoreValidationError(f"{where}: {exc}") from None
            if question.kind == "option":
                text = canon
            else:
                number = float(canon)
        if value is None and note is None and evidence is None:
            continue  # nothing to keep: an unanswered question
        rows.append((qid, text, number, note, evidence))
    rows.sort()
    return rows


def _prepare_area_points(
    fw: Framework, area_points: Mapping[str, Any], where: str
) -> list[tuple[str, float]]:
    rows = []
    for code, value in area_points.items():
        if code not in fw.area_codes:
            raise StoreValidationError(
                f"{where}: area_points: unknown area {quoted(code)} for {fw.id} (known: {', '.join(fw.area_codes)})"
            )
        if value is None:
            continue
        amax = fw.area(code).max
        try:
            points = normalize_scale(value, f"area_points.{code}", 0.0, amax, f"{code} points")
        except ScoringInputError as exc:
            raise StoreValidationError(f"{where}: {exc}") from None
        rows.append((code, points))
    rows.sort()
    return rows


def _prepare_hasil(
    fw: Framework, hasil: Mapping[str, Any], answered: Mapping[int, Any], where: str
) -> list[tuple[str, float | None, str | None]]:
    items = fw.hasil_items
    rows = []
    for code, value in hasil.items():
        if code not in items:
            raise StoreValidationError(
                f"{where}: hasil: unknown item {quoted(code)} for {fw.id} (known: {', '.join(items)})"
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        item = items[code]
        try:
            canon = normalize_hasil_value(item, value, f"hasil.{code}")
        except ScoringInputError as exc:
            raise StoreValidationError(f"{where}: {exc}") from None
        if item.question is not None and item.question in answered:
            # Answers hold the hasil questions (125-127): the same value given twice is dropped,
            # a different one is refused (one source of truth per input).
            if answered[item.question] != canon:
                raise StoreValidationError(
                    f"{where}: hasil.{code} = {quoted(canon)} conflicts with answers.{item.question} = "
                    f"{quoted(answered[item.question])}"
                )
            continue
        if isinstance(canon, str):
            rows.append((code, None, canon))
        else:
            rows.append((code, float(canon), None))
    rows.sort()
    return rows


def _check_prerequisite_value(name: str, value: Any, year: int, where: str) -> Any:
    if value is None:
        return None
    kind = PREREQUISITE_FIELDS[name]
    what = f"{where}: {name}"
    if kind == "opinion":
        v = value.strip().upper() if isinstance(value, str) else value
        if v not in BPK_OPINIONS:
            raise StoreValidationError(f"{what} {quoted(value)} is not one of {', '.join(BPK_OPINIONS)}")
        return v
    if kind == "grade":
        v = value.strip().upper() if isinstance(value, str) else value
        if v not in GRADES:
            raise StoreValidationError(f"{what} {quoted(value)} is not one of {', '.join(GRADES)}")
        return v
    if kind == "bool":
        if not isinstance(value, bool):
            raise StoreValidationError(f"{what} must be true or false, got {quoted(value)}")
        return value
    if kind in ("percent", "spip"):
        high = 100.0 if kind == "percent" else 5.0
        if not _finite_number(value) or not 0 <= value <= high:
            raise StoreValidationError(f"{what} must be a number between 0 and {high:g}, got {quoted(value)}")
        return float(value)
    if kind == "eselon":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise StoreValidationError(f"{what} must be a whole number 1-4, got {quoted(value)}")
        return value
    if kind == "year":
        v = _check_year(value, what)
        if v > year:
            raise StoreValidationError(f"{what} {v} is after the year of the facts ({year})")
        return v
    raise AssertionError(kind)  # pragma: no cover



def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in row)

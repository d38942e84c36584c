"""Regulation frameworks: load one data file per regulation version and validate it.

A framework file (``frameworks/<id>.json``) states the structure of one version of the
Zona Integritas regulation: areas and their maximum points, the Pemenuhan/Reform halves where
the version has them, sub-areas with weights, questions with ids and answer types, computed
ratio items, hasil items, predicate thresholds and proposal prerequisites. Adding a version
means adding a file; this module holds no numbers of its own.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from zi_metrics.quoting import quoted

FRAMEWORK_DIR = Path(__file__).parent / "frameworks"
AREA_CODES = ("MP", "TT", "SDM", "AK", "PW", "PP")
_TOL = 1e-9


class FrameworkError(ValueError):
    """A framework id that does not exist, or a framework file that is broken."""


@dataclass(frozen=True)
class AnswerType:
    code: str
    label: str
    kind: str  # "option" | "count" | "survey"
    options: dict[str, float] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    type: str
    kind: str
    options: dict[str, float] | None
    area: str | None  # None for hasil questions
    half: str | None
    sub_area: str | None  # code of the scored sub-area (a part code for composite sub-areas)
    jawaban_row: int | None
    hasil_item: str | None = None  # hasil item code when this question feeds a hasil item
    # The official wording of each option (LKE criteria), where the framework file states it;
    # an option without text (e.g. "Tidak") is its own word.
    option_texts: dict[str, str] | None = None
    # Other wordings of the question in official forms (the Lampiran III form words the LHKPN
    # counts "- Kepala satuan kerja" where PortalRB says "Jumlah Kepala satuan kerja ...").
    form_texts: tuple[str, ...] = ()

    @property
    def best_answer(self) -> str | None:
        if not self.options:
            return None
        return max(self.options, key=lambda k: self.options[k])

    def option_text(self, option: str) -> str | None:
        """The official wording of ``option`` (e.g. the criterion of answer "B"), or None."""
        return (self.option_texts or {}).get(option)


@dataclass(frozen=True)
class Item:
    """One averaged item of a sub-area: an answer's multiplier or a computed ratio."""

    kind: str  # "answer" | "ratio" | "reduction"
    code: str
    name: str
    questions: tuple[int, ...]  # every question the item reads
    question: int | None = None  # for "answer"
    numerator: tuple[int, ...] = ()
    denominator: tuple[int, ...] = ()
    zero_denominator: float = 0.0
    before: int | None = None
    after: int | None = None
    both_zero: float = 1.0
    before_zero: float = 0.0


@dataclass(frozen=True)
class SubArea:
    code: str
    name: str
    area: str
    half: str | None
    weight: float
    questions: tuple[int, ...]
    items: tuple[Item, ...]
    parts: tuple[SubArea, ...] = ()  # composite sub-area: score is the sum of its parts
    form_texts: tuple[str, ...] = ()  # other names of the sub-area in official forms

    @property
    def is_composite(self) -> bool:
        return bool(self.parts)


@dataclass(frozen=True)
class Half:
    code: str
    max: float
    sub_areas: tuple[SubArea, ...]


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    name_en: str
    max: float
    halves: tuple[Half, ...]  # one pseudo-half with code None when the version has no split

    @property
    def sub_areas(self) -> tuple[SubArea, ...]:
        return tuple(s for h in self.halves for s in h.sub_areas)


@dataclass(frozen=True)
class HasilItem:
    code: str  # input key, e.g. survey_anti_korupsi, capaian_kinerja, tlhp_percent
    rule: str  # rule name, e.g. survey_anti_korupsi, capaian_kinerja, tlhp
    name: str
    kind: str  # "survey" (0..scale_max) | "option" | "percent" (0..100)
    points: float
    component: str
    scale_max: float | None = None
    answer_type: str | None = None
    options: dict[str, float] | None = None
    question: int | None = None
    name_en: str = ""  # English name (the Indonesian ``name`` when the file gives none)
    short: str = ""  # a short name for narrow places (a slide's rule table, a list of rules)
    short_en: str = ""


@dataclass(frozen=True)
class HasilComponent:
    code: str
    name: str
    max: float
    items: tuple[HasilItem, ...]
    name_en: str = ""  # English name (the Indonesian ``name`` when the file gives none)
    short: str = ""  # a short name for narrow places (a slide's rule table, a list of rules)
    short_en: str = ""


@dataclass(frozen=True)
class RuleDef:
    rule: str  # total | pengungkit | area | a hasil component code | a hasil item rule name
    min: float | None = None
    min_percent: float | None = None


@dataclass(frozen=True)
class PredicateDef:
    code: str
    name: str
    rules: tuple[RuleDef, ...]
    requires: str | None = None


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    first_year: int | None
    last_year: int | None
    answer_types: dict[str, AnswerType]
    pengungkit_max: float
    half_names: dict[str, str]
    areas: tuple[Area, ...]
    hasil_max: float
    hasil_components: tuple[HasilComponent, ...]
    predicates: tuple[PredicateDef, ...]
    prerequisites: tuple[dict[str, Any], ...]
    nomination_criteria: tuple[dict[str, Any], ...]
    questions: dict[int, Question] = field(repr=False)
    decided: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def area_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.areas)

    @property
    def has_halves(self) -> bool:
        return bool(self.half_names)

    @property
    def total_max(self) -> float:
        return self.pengungkit_max + self.hasil_max

    def area(self, code: str) -> Area:
        for a in self.areas:
            if a.code == code:
                return a
        raise FrameworkError(f"{self.id}: unknown area code {code!r} (known: {', '.join(self.area_codes)})")

    @property
    def hasil_items(self) -> dict[str, HasilItem]:
        return {i.code: i for c in self.hasil_components for i in c.items}

    def predicate(self, code: str) -> PredicateDef:
        for p in self.predicates:
            if p.code == code:
                return p
        raise FrameworkError(f"{self.id}: unknown predicate {code!r}")

    def sub_area(self, code: str) -> SubArea:
        for a in self.areas:
            for s in a.sub_areas:
                if s.code == code:
                    return s
                for p in s.parts:
                    if p.code == code:
                        return p
        raise FrameworkError(f"{self.id}: unknown sub-area {code!r}")

    @property
    def pengungkit_question_ids(self) -> tuple[int, ...]:
        return tuple(q for q, v in self.questions.items() if v.area is not None)


# ---------------------------------------------------------------------------------------------
# Loading


def list_frameworks() -> list[str]:
    """Ids of every framework file shipped in the package, sorted."""
    return sorted(p.stem for p in FRAMEWORK_DIR.glob("*.json"))


@cache
def load_framework(framework_id: str) -> Framework:
    """Load and validate the framework with this id (e.g. ``permenpanrb-90-2021``)."""
    if not isinstance(framework_id, str) or framework_id not in list_frameworks():
        raise FrameworkError(
            f"unknown framework {quoted(framework_id)}; known frameworks: {', '.join(list_frameworks())}"
        )
    return load_framework_file(FRAMEWORK_DIR / f"{framework_id}.json")


def load_framework_file(path: str | Path) -> Framework:
    """Load a framework file from any path and validate it; raise FrameworkError naming the problem."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{path.name}: cannot read framework file: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise FrameworkError(f"{path.name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    return parse_framework(raw, source=path.name)


def framework_for_year(year: int) -> str:
    """The framework id in force for evaluations of ``year``."""
    best: tuple[int, str] | None = None
    for fid in list_frameworks():
        fw = load_framework(fid)
        if fw.first_year is None or year < fw.first_year:
            continue
        if fw.last_year is not None and year > fw.last_year:
            continue
        if best is None or fw.first_year > best[0]:
            best = (fw.first_year, fid)
    if best is None:
        raise FrameworkError(f"no framework is in force for year {year}")
    return best[1]


# ---------------------------------------------------------------------------------------------
# Parsing and validation


class _Ctx:
    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str) -> FrameworkError:
        return FrameworkError(f"{self.source}: {where}: {message}")


def _req(ctx: _Ctx, obj: Any, key: str, where: str, kind: type | tuple[type, ...] | None = None) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise ctx.fail(where, f"missing {key!r}")
    value = obj[key]
    if kind is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is not bool):
        raise ctx.fail(where, f"{key!r} must be {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _num(ctx: _Ctx, obj: Any, key: str, where: str) -> float:
    value = _req(ctx, obj, key, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ctx.fail(where, f"{key!r} must be a non-negative number, got {value!r}")
    return float(value)


def _check_sum(ctx: _Ctx, where: str, parts: list[float], expected: float, what: str) -> None:
    total = sum(parts)
    if abs(total - expected) > 1e-6:
        raise ctx.fail(where, f"{what} sum to {total:g}, expected {expected:g}")


def _texts(ctx: _Ctx, raw: Any, where: str) -> tuple[str, ...]:
    texts = raw.get("form_texts", []) if isinstance(raw, dict) else []
    if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
        raise ctx.fail(where, "form_texts must be a list of non-empty texts")
    return tuple(texts)


def parse_framework(raw: Any, source: str = "<framework>") -> Framework:
    """Build a validated Framework from the decoded JSON of a framework file."""
    ctx = _Ctx(source)
    if not isinstance(raw, dict):
        raise ctx.fail("top level", "must be a JSON object")
    fid = _req(ctx, raw, "id", "top level", str)
    ctx = _Ctx(f"{source} ({fid})")

    answer_types: dict[str, AnswerType] = {}
    for code, spec in _req(ctx, raw, "answer_types", "top level", dict).items():
        where = f"answer_types.{code}"
        kind = _req(ctx, spec, "kind", where, str)
        if kind == "option":
            opts = _req(ctx, spec, "options", where, dict)
            if not opts:
                raise ctx.fail(where, "an option type needs at least one option")
            clean: dict[str, float] = {}
            for k, v in opts.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                    raise ctx.fail(where, f"multiplier of {k!r} must be within [0, 1], got {v!r}")
                if k.strip().casefold() in {c.casefold() for c in clean}:
                    raise ctx.fail(where, f"option {k!r} is listed twice")
                clean[k] = float(v)
            answer_types[code] = AnswerType(code, spec.get("label", code), kind, clean)
        elif kind == "count":
            answer_types[code] = AnswerType(code, spec.get("label", code), kind)
        elif kind == "survey":
            answer_types[code] = AnswerType(code, spec.get("label", code), kind, None,
                                            _num(ctx, spec, "min", where), _num(ctx, spec, "max", where))
        else:
            raise ctx.fail(where, f"unknown answer kind {kind!r} (option, count or survey)")

    peng = _req(ctx, raw, "pengungkit", "top level", dict)
    pengungkit_max = _num(ctx, peng, "max", "pengungkit")
    half_defs = peng.get("halves") or []
    half_names = {_req(ctx, h, "code", "pengungkit.halves", str): h.get("name", h["code"]) for h in half_defs}

    questions: dict[int, Question] = {}

    def add_question(qraw: Any, where: str, area: str | None, half: str | None, sub: str | None,
                     hasil_item: str | None = None) -> int:
        qid = _req(ctx, qraw, "id", where, int)
        if qid in questions:
            raise ctx.fail(where, f"question id {qid} is used twice")
        qtype = _req(ctx, qraw, "type", f"{where} (question {qid})", str)
        if qtype not in answer_types:
            raise ctx.fail(f"{where} (question {qid})", f"unknown answer type {qtype!r}")
        at = answer_types[qtype]
        texts = qraw.get("option_texts")
        if texts is not None:
            if at.kind != "option" or not isinstance(texts, dict):
                raise ctx.fail(f"{where} (question {qid})", "option_texts needs an option question and a mapping")
            for key, text in texts.items():
                if key not in (at.options or {}):
                    raise ctx.fail(f"{where} (question {qid})",
                                   f"option_texts names {key!r}, not an option of {qtype}")
                if not isinstance(text, str) or not text.strip():
                    raise ctx.fail(f"{where} (question {qid})", f"option_texts[{key!r}] must be a non-empty text")
        questions[qid] = Question(qid, str(qraw.get("text", "")), qtype, at.kind, at.options, area, half, sub,
                                  qraw.get("jawaban_row"), hasil_item, dict(texts) if texts else None,
                                  _texts(ctx, qraw, where))
        return qid

    def parse_items(sraw: dict, where: str, qids: tuple[int, ...]) -> tuple[Item, ...]:
        if "items" not in sraw:
            # Default: every option question is one averaged item.
            items = [Item("answer", f"q{q}", questions[q].text, (q,), question=q)
                     for q in qids if questions[q].kind == "option"]
        else:
            items = []
            for n, iraw in enumerate(_req(ctx, sraw, "items", where, list)):
                iw = f"{where}.items[{n}]"
                kind = _req(ctx, iraw, "kind", iw, str)
                if kind == "answer":
                    q = _req(ctx, iraw, "question", iw, int)
                    if q not in qids or questions[q].kind != "option":
                        raise ctx.fail(iw, f"question {q} is not an option question of this sub-area")
                    items.append(Item("answer", iraw.get("code", f"q{q}"), questions[q].text, (q,), question=q))
                elif kind == "ratio":
                    num = tuple(_req(ctx, iraw, "numerator", iw, list))
                    den = tuple(_req(ctx, iraw, "denominator", iw, list))
                    for q in num + den:
                        if q not in qids or questions[q].kind != "count":
                            raise ctx.fail(iw, f"question {q} is not a count question of this sub-area")
                    zero = _num(ctx, iraw, "zero_denominator", iw)
                    if zero > 1:
                        raise ctx.fail(iw, "zero_denominator must be within [0, 1]")
                    items.append(Item("ratio", _req(ctx, iraw, "code", iw, str), iraw.get("name", ""),
                                      num + den, numerator=num, denominator=den, zero_denominator=zero))
                elif kind == "reduction":
                    before = _req(ctx, iraw, "before", iw, int)
                    after = _req(ctx, iraw, "after", iw, int)
                    for q in (before, after):
                        if q not in qids or questions[q].kind != "count":
                            raise ctx.fail(iw, f"question {q} is not a count question of this sub-area")
                    items.append(Item("reduction", _req(ctx, iraw, "code", iw, str), iraw.get("name", ""),
                                      (before, after), before=before, after=after,
                                      both_zero=_num(ctx, iraw, "both_zero", iw),
                                      before_zero=_num(ctx, iraw, "before_zero", iw)))
                else:
                    raise ctx.fail(iw, f"unknown item kind {kind!r} (answer, ratio or reduction)")
        if not items:
            raise ctx.fail(where, "has no scored item")
        return tuple(items)

    def parse_sub_area(sraw: Any, where: str, area: str, half: str | None) -> SubArea:
        code = _req(ctx, sraw, "code", where, str)
        where = f"{where} ({code})"
        weight = _num(ctx, sraw, "weight", where)
        name = _req(ctx, sraw, "name", where, str)
        if "parts" in sraw:
            parts = tuple(parse_sub_area(p, f"{where}.parts[{i}]", area, half)
                          for i, p in enumerate(_req(ctx, sraw, "parts", where, list)))
            _check_sum(ctx, where, [p.weight for p in parts], weight, "part weights")
            return SubArea(code, name, area, half, weight, tuple(q for p in parts for q in p.questions), (), parts,
                           _texts(ctx, sraw, where))
        qids = tuple(add_question(q, f"{where}.questions[{i}]", area, half, code)
                     for i, q in enumerate(_req(ctx, sraw, "questions", where, list)))
        return SubArea(code, name, area, half, weight, qids, parse_items(sraw, where, qids),
                       form_texts=_texts(ctx, sraw, where))

    areas: list[Area] = []
    for ai, araw in enumerate(_req(ctx, raw, "areas", "top level", list)):
        code = _req(ctx, araw, "code", f"areas[{ai}]", str)
        where = f"areas[{ai}] ({code})"
        amax = _num(ctx, araw, "max", where)
        halves: list[Half] = []
        if half_names:
            hraws = _req(ctx, araw, "halves", where, list)
            for hi, hraw in enumerate(hraws):
                hcode = _req(ctx, hraw, "code", f"{where}.halves[{hi}]", str)
                if hcode not in half_names:
                    raise ctx.fail(f"{where}.halves[{hi}]", f"unknown half {hcode!r}")
                hw = f"{where}.{hcode}"
                hmax = _num(ctx, hraw, "max", hw)
                subs = tuple(parse_sub_area(s, f"{hw}.sub_areas[{i}]", code, hcode)
                             for i, s in enumerate(_req(ctx, hraw, "sub_areas", hw, list)))
                _check_sum(ctx, hw, [s.weight for s in subs], hmax, "sub-area weights")
                halves.append(Half(hcode, hmax, subs))
            if sorted(h.code for h in halves) != sorted(half_names):
                raise ctx.fail(where, f"must have exactly the halves {sorted(half_names)}")
            _check_sum(ctx, where, [h.max for h in halves], amax, "half maxima")
        else:
            subs = tuple(parse_sub_area(s, f"{where}.sub_areas[{i}]", code, None)
                         for i, s in enumerate(_req(ctx, araw, "sub_areas", where, list)))
            _check_sum(ctx, where, [s.weight for s in subs], amax, "sub-area weights")
            halves.append(Half("", amax, subs))
        areas.append(Area(code, _req(ctx, araw, "name", where, str), araw.get("name_en", araw["name"]), amax,
                          tuple(halves)))
    codes = [a.code for a in areas]
    if sorted(codes) != sorted(AREA_CODES):
        raise ctx.fail("areas", f"must be exactly the six areas {', '.join(AREA_CODES)}, got {', '.join(codes)}")
    _check_sum(ctx, "areas", [a.max for a in areas], pengungkit_max, "area maxima")
    for hcode, hd in zip(half_names, half_defs, strict=True):
        _check_sum(ctx, f"pengungkit.halves ({hcode})",
                   [h.max for a in areas for h in a.halves if h.code == hcode], _num(ctx, hd, "max", "half"),
                   f"the areas' {hcode} maxima")

    hraw = _req(ctx, raw, "hasil", "top level", dict)
    hasil_max = _num(ctx, hraw, "max", "hasil")
    components: list[HasilComponent] = []
    seen_items: set[str] = set()
    for ci, craw in enumerate(_req(ctx, hraw, "components", "hasil", list)):
        ccode = _req(ctx, craw, "code", f"hasil.components[{ci}]", str)
        cw = f"hasil.{ccode}"
        items: list[HasilItem] = []
        for ii, iraw in enumerate(_req(ctx, craw, "items", cw, list)):
            icode = _req(ctx, iraw, "code", f"{cw}.items[{ii}]", str)
            iw = f"{cw}.{icode}"
            if icode in seen_items:
                raise ctx.fail(iw, "hasil item code is used twice")
            seen_items.add(icode)
            kind = _req(ctx, iraw, "kind", iw, str)
            options = None
            scale_max = None
            if kind == "option":
                atype = _req(ctx, iraw, "answer_type", iw, str)
                if atype not in answer_types or answer_types[atype].kind != "option":
                    raise ctx.fail(iw, f"answer_type {atype!r} is not an option type")
                options = answer_types[atype].options
            elif kind in ("survey", "percent"):
                scale_max = _num(ctx, iraw, "scale_max", iw)
                if scale_max <= 0:
                    raise ctx.fail(iw, "scale_max must be positive")
            else:
                raise ctx.fail(iw, f"unknown hasil item kind {kind!r}")
            qid = None
            if "question" in iraw:
                qid = add_question(iraw["question"], f"{iw}.question", None, None, None, icode)
            iname = _req(ctx, iraw, "name", iw, str)
            items.append(HasilItem(icode, iraw.get("rule", icode), iname, kind,
                                   _num(ctx, iraw, "points", iw), ccode, scale_max, iraw.get("answer_type"),
                                   options, qid, str(iraw.get("name_en") or iname), str(iraw.get("short") or iname),
                                   str(iraw.get("short_en") or iraw.get("name_en") or iname)))
        cmax = _num(ctx, craw, "max", cw)
        _check_sum(ctx, cw, [i.points for i in items], cmax, "item points")
        cname = _req(ctx, craw, "name", cw, str)
        components.append(HasilComponent(ccode, cname, cmax, tuple(items), str(craw.get("name_en") or cname),
                                         str(craw.get("short") or cname),
                                         str(craw.get("short_en") or craw.get("name_en") or cname)))
    _check_sum(ctx, "hasil", [c.max for c in components], hasil_max, "component maxima")

    measures = {"total", "pengungkit", "area"} | {c.code for c in components} | {
        i.rule for c in components for i in c.items}
    predicates: list[PredicateDef] = []
    for pi, praw in enumerate(_req(ctx, raw, "predicates", "top level", list)):
        pcode = _req(ctx, praw, "code", f"predicates[{pi}]", str)
        pw = f"predicates.{pcode}"
        rules: list[RuleDef] = []
        for ri, rraw in enumerate(_req(ctx, praw, "rules", pw, list)):
            rname = _req(ctx, rraw, "rule", f"{pw}.rules[{ri}]", str)
            rw = f"{pw}.rules[{ri}] ({rname})"
            if rname not in measures:
                raise ctx.fail(rw, f"unknown rule; known: {', '.join(sorted(measures))}")
            if rname == "area":
                rules.append(RuleDef(rname, min_percent=_num(ctx, rraw, "min_percent", rw)))
            else:
                rules.append(RuleDef(rname, min=_num(ctx, rraw, "min", rw)))
        if not any(r.rule == "total" for r in rules):
            raise ctx.fail(pw, "has no threshold for 'total'")
        if len({r.rule for r in rules}) != len(rules):
            raise ctx.fail(pw, "lists a rule twice")
        requires = praw.get("requires")
        if requires is not None and requires not in [p.code for p in predicates]:
            raise ctx.fail(pw, f"requires {requires!r}, which is not defined before it")
        predicates.append(PredicateDef(pcode, praw.get("name", pcode), tuple(rules), requires))
    if [p.code for p in predicates] != ["WBK", "WBBM"]:
        raise ctx.fail("predicates", "must define WBK then WBBM")

    prereqs = tuple(raw.get("prerequisites", []))
    for i, p in enumerate(prereqs):
        for key in ("code", "name", "level", "kind", "input"):
            _req(ctx, p, key, f"prerequisites[{i}]")
    return Framework(
        id=fid, name=str(raw.get("name", fid)), first_year=raw.get("first_year"), last_year=raw.get("last_year"),
        answer_types=answer_types, pengungkit_max=pengungkit_max, half_names=half_names, areas=tuple(areas),
        hasil_max=hasil_max, hasil_components=tuple(components), predicates=tuple(predicates),
        prerequisites=prereqs, nomination_criteria=tuple(raw.get("nomination_criteria", [])),
        questions=dict(sorted(questions.items())), decided=tuple(raw.get("decided", [])),
        sources=tuple(raw.get("sources", [])),
    )

"""The unit registry: check units (from a file or one at a time) against the stored ones, say what
saving them would change, and save them with the instansi facts in ONE transaction.

A units file (:mod:`zi_metrics.units_file`) has the columns ``id, name, parent_id, level`` and
optionally ``short_name, instansi_kind, afirmasi`` and, for the prerequisites, ``year`` with any of
the prerequisite fields (``bpk_opinion, sakip_grade, indeks_rb_grade, spip_level, ...``).

Rules (every refusal names the line and column; with one refusal nothing is written):

* ``id`` is a slug (``kemendesa-itjen``) given once in the file; ``name`` is never empty;
* ``parent_id`` names a unit of the file or of the database; following parents never comes back
  to the unit (a cycle); an instansi has no parent, every other level has one of a higher level
  and of the same instansi kind;
* a blank ``level`` is the stored one, else the level under the parent's (an instansi without a
  parent); a blank ``instansi_kind`` or ``afirmasi`` is the stored one, else the parent's kind /
  false; a blank ``short_name`` keeps the stored one. Units of the database that sit under a unit
  of the file must still fit under it;
* facts need a year (the ``year`` column, or the year given with the file); a blank fact keeps
  the stored value; the rest of the stored facts of that unit and year are kept.

Importing the same file twice writes nothing the second time (no audit row either).
Messages are i18n keys (``registry.problem.<code>``) with parameters, in the caller's language.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.i18n import t
from zi_metrics.store import (
    INSTANSI_KINDS,
    LEVELS,
    MAX_YEAR,
    MIN_YEAR,
    Store,
    StoreError,
    Unit,
)
from zi_metrics.unit_values import (
    KIND_WORDS,
    LEVEL_WORDS,
    bool_of,
    fact_value,
    shown,
    suggest_id,
    text_of,
    unquote_formula,
    whole_of,
    word_of,
)
from zi_metrics.units_file import FACT_FIELDS, REQUIRED_FIELDS, Cell, RawFile, RawRecord, blank, read_units_file

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
NAME_MAX, SHORT_MAX = 300, 100


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class UnitProblem:
    """One thing wrong with a unit row. ``line`` is the file's line (None: the whole file or a
    command-line unit); ``column`` names the column (``C (parent_id)``) or the option."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None
    column: str | None = None
    fatal: bool = True

    def where(self, lang: str = "en") -> str:
        if self.line is not None and self.column:
            return t("registry.where.line_column", lang, line=self.line, column=self.column)
        if self.line is not None:
            return t("registry.where.line", lang, line=self.line)
        return self.column or ""

    def text(self, lang: str = "en") -> str:
        """The problem alone, in ``lang`` (without where it is)."""
        return t(f"registry.problem.{self.code}", lang, **self.params)

    def message(self, lang: str = "en") -> str:
        where = self.where(lang)
        return f"{where}: {self.text(lang)}" if where else self.text(lang)

    def __str__(self) -> str:
        return self.message("en")


def _problem(code: str, cell: Cell | None = None, *, line: int | None = None, column: str | None = None,
             fatal: bool = True, **params: Any) -> UnitProblem:
    if cell is not None:
        line = cell.line if line is None else line
        column = cell.column if column is None else column
    return UnitProblem(code, params, line, column, fatal)


# ---------------------------------------------------------------------------------------------
# Plans


@dataclass
class UnitDraft:
    """One unit row after its own checks (values None where blank or refused)."""

    line: int | None
    record: RawRecord
    id: str | None = None
    name: str | None = None
    parent_id: str | None = None
    level: str | None = None
    short_name: str | None = None
    instansi_kind: str | None = None
    afirmasi: bool | None = None
    year: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    ok: bool = True  # False when a problem makes the row unusable for the hierarchy checks

    def cell(self, name: str) -> Cell | None:
        return self.record.cells.get(name)


@dataclass(frozen=True)
class UnitChange:
    unit: Unit
    status: str  # "new" | "changed" | "unchanged"
    line: int | None
    before: Unit | None = None


@dataclass(frozen=True)
class FactsChange:
    unit_id: str
    year: int
    values: Mapping[str, Any]  # the fields given in the file (merged with the stored ones on save)
    status: str  # "new" | "changed" | "unchanged"
    line: int | None


@dataclass
class UnitPlan:
    """What saving a units file (or one unit) would do; nothing is written by making it."""

    source: str  # the file name, or "add-unit"
    sha256: str | None
    units: list[UnitChange] = field(default_factory=list)
    facts: list[FactsChange] = field(default_factory=list)
    problems: list[UnitProblem] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    @property
    def blocking(self) -> list[UnitProblem]:
        return [p for p in self.problems if p.fatal]

    @property
    def warnings(self) -> list[UnitProblem]:
        return [p for p in self.problems if not p.fatal]

    @property
    def changes(self) -> bool:
        return any(c.status != "unchanged" for c in (*self.units, *self.facts))

    def count(self, status: str) -> int:
        return sum(1 for c in self.units if c.status == status)


@dataclass
class UnitResult:
    plan: UnitPlan
    written: bool = False
    problems: list[UnitProblem] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    def summary(self) -> str:
        p = self.plan
        if self.fatal:
            return f"{p.source}: nothing saved"
        counts = f"{p.count('new')} new, {p.count('changed')} changed, {p.count('unchanged')} unchanged"
        facts = sum(1 for f in p.facts if f.status != "unchanged")
        extra = f"; prerequisite facts of {facts} unit-year(s) saved" if facts else ""
        verb = "saved" if self.written else "already up to date, nothing written"
        return f"{p.source}: {len(p.units)} unit(s) {verb} ({counts}){extra}"


def _draft(rec: RawRecord, problems: list[UnitProblem], default_year: int | None) -> UnitDraft:
    d = UnitDraft(rec.line, rec)
    cells = rec.cells
    raw_id = rec.value("id")
    if blank(raw_id):
        problems.append(_problem("empty_id", cells.get("id"), line=rec.line))
        d.ok = False
    else:
        uid = text_of(raw_id)
        if _SLUG.match(uid):
            d.id = uid
        else:
            problems.append(_problem("bad_id", cells["id"], value=shown(uid), suggestion=suggest_id(uid) or "unit-1"))
            d.ok = False
    name = unquote_formula(text_of(rec.value("name")))
    if not name:
        problems.append(_problem("empty_name", cells.get("name"), line=rec.line))
        d.ok = False
    elif len(name) > NAME_MAX:
        problems.append(_problem("too_long", cells["name"], field="name", limit=NAME_MAX))
        d.ok = False
    else:
        d.name = name
    if not blank(rec.value("parent_id")):
        parent = text_of(rec.value("parent_id"))
        if _SLUG.match(parent):
            d.parent_id = parent
        else:
            problems.append(_problem("unknown_parent", cells["parent_id"], value=shown(parent)))
            d.ok = False
    if not blank(rec.value("level")):
        level = LEVEL_WORDS.get(word_of(rec.value("level")))
        if level is None:
            problems.append(_problem("bad_level", cells["level"], value=shown(text_of(rec.value("level"))),
                                     allowed=", ".join(LEVELS)))
            d.ok = False
        d.level = level
    if not blank(rec.value("short_name")):
        short = unquote_formula(text_of(rec.value("short_name")))
        if len(short) > SHORT_MAX:
            problems.append(_problem("too_long", cells["short_name"], field="short_name", limit=SHORT_MAX))
        else:
            d.short_name = short
    if not blank(rec.value("instansi_kind")):
        kind = KIND_WORDS.get(word_of(rec.value("instansi_kind")))
        if kind is None:
            problems.append(_problem("bad_kind", cells["instansi_kind"],
                                     value=shown(text_of(rec.value("instansi_kind"))),
                                     allowed=", ".join(INSTANSI_KINDS)))
            d.ok = False
        d.instansi_kind = kind
    if not blank(rec.value("afirmasi")):
        afirmasi = bool_of(rec.value("afirmasi"))
        if afirmasi is None:
            problems.append(_problem("bad_bool", cells["afirmasi"], field="afirmasi",
                                     value=shown(text_of(rec.value("afirmasi")))))
        d.afirmasi = afirmasi
    _draft_facts(d, problems, default_year)
    return d


def _draft_facts(d: UnitDraft, problems: list[UnitProblem], default_year: int | None) -> None:
    rec = d.record
    given = {f: rec.cells[f] for f in FACT_FIELDS[1:] if f in rec.cells and not blank(rec.cells[f].value)}
    year = default_year
    if not blank(rec.value("year")):
        year = whole_of(rec.value("year"))
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            problems.append(_problem("bad_year", rec.cells["year"], value=shown(text_of(rec.value("year"))),
                                     low=MIN_YEAR, high=MAX_YEAR))
            return
    if not given:
        return
    if year is None:
        first = next(iter(given.values()))
        problems.append(_problem("facts_need_year", rec.cells.get("year"), line=d.line,
                                 column=None if "year" in rec.cells else first.column))
        return
    d.year = year
    for name, cell in given.items():
        value, bad = fact_value(name, cell.value, year)
        if bad is not None:
            problems.append(_problem("bad_fact", cell, **bad))
        else:
            d.facts[name] = value


def _resolve(drafts: dict[str, UnitDraft], stored: Mapping[str, Unit], problems: list[UnitProblem],
             from_file: bool = True) -> dict[str, Unit]:
    """The units of the file as they would be saved (hierarchy checked against the stored ones)."""
    parent_of = {uid: u.parent_id for uid, u in stored.items()}
    parent_of.update({uid: d.parent_id for uid, d in drafts.items()})
    known = set(stored) | set(drafts)
    bad = {uid for uid, d in drafts.items() if not d.ok}  # refused rows: their sub-units wait silently
    for uid, d in drafts.items():
        if d.parent_id is not None and d.parent_id not in known:
            problems.append(_problem("unknown_parent" if from_file else "unregistered_parent", d.cell("parent_id"),
                                     value=d.parent_id))
            bad.add(uid)
    reported: set[str] = set()
    for uid in sorted(drafts, key=lambda u: drafts[u].line or 0):
        chain = [uid]
        node = parent_of.get(uid)
        while node is not None and node in known and node not in chain and len(chain) <= len(known):
            chain.append(node)
            node = parent_of.get(node)
        if node == uid:
            cycle = chain
            if not reported & set(cycle):
                path = " → ".join([*cycle, uid])
                problems.append(_problem("cycle", drafts[uid].cell("parent_id"), line=drafts[uid].line, path=path))
            reported |= set(cycle)
            bad |= {u for u in cycle if u in drafts}
    resolved: dict[str, Unit] = {}

    def unit(uid: str) -> Unit | None:
        if uid in resolved:
            return resolved[uid]
        if uid not in drafts:
            return stored.get(uid)
        if uid in bad:
            return None
        d = drafts[uid]
        before = stored.get(uid)
        parent = unit(d.parent_id) if d.parent_id is not None else None
        if d.parent_id is not None and parent is None:
            bad.add(uid)
            return None
        level = d.level
        if level is None:
            if before is not None and (parent is None) == (before.level == "instansi") and (
                    parent is None or _RANK[parent.level] < _RANK[before.level]):
                level = before.level
            elif parent is None:
                level = "instansi"
            elif parent.level == "satker":
                problems.append(_problem("under_satker", d.cell("parent_id"), line=d.line, parent=parent.id))
                bad.add(uid)
                return None
            else:
                level = LEVELS[_RANK[parent.level] + 1]
        kind = d.instansi_kind or (before.instansi_kind if before else None) or (
            parent.instansi_kind if parent else None)
        if kind is None:  # a new instansi without its kind: the prerequisites' thresholds depend on it
            kind = "kementerian_lembaga"
            problems.append(_problem("kind_assumed", d.cell("instansi_kind") or d.cell("id"), line=d.line,
                                     fatal=False, kind=kind))
        short = d.short_name if d.short_name is not None else (before.short_name if before else None)
        afirmasi = d.afirmasi if d.afirmasi is not None else (before.afirmasi if before else False)
        u = Unit(uid, d.name or "", level, kind, d.parent_id, short, afirmasi)
        ok = True
        if level == "instansi" and parent is not None:
            problems.append(_problem("instansi_with_parent", d.cell("parent_id"), line=d.line, parent=parent.id))
            ok = False
        elif level != "instansi" and parent is None:
            problems.append(_problem("needs_parent", d.cell("parent_id"), line=d.line,
                                     column=None if d.cell("parent_id") else _col(d, "level"), level=level))
            ok = False
        elif parent is not None and _RANK[parent.level] >= _RANK[level]:
            problems.append(_problem("level_under", d.cell("level") or d.cell("parent_id"), line=d.line,
                                     level=level, parent=parent.id, parent_level=parent.level))
            ok = False
        elif parent is not None and parent.instansi_kind != kind:
            problems.append(_problem("kind_differs", d.cell("instansi_kind") or d.cell("parent_id"), line=d.line,
                                     kind=kind, parent=parent.id, parent_kind=parent.instansi_kind))
            ok = False
        if not ok:
            bad.add(uid)
            return None
        resolved[uid] = u
        return u

    for uid in drafts:
        unit(uid)
    # Stored units that stay under a unit of the file must still fit under it.
    for uid, child in stored.items():
        if uid in drafts or child.parent_id not in resolved:
            continue
        parent = resolved[child.parent_id]
        d = drafts[parent.id]
        if _RANK[parent.level] >= _RANK[child.level]:
            problems.append(_problem("child_conflict", d.cell("level") or d.cell("id"), line=d.line, child=uid,
                                     child_level=child.level, level=parent.level))
        elif parent.instansi_kind != child.instansi_kind:
            problems.append(_problem("child_kind_conflict", d.cell("instansi_kind") or d.cell("id"), line=d.line,
                                     child=uid, kind=parent.instansi_kind, child_kind=child.instansi_kind))
    return resolved


def _col(d: UnitDraft, name: str) -> str | None:
    cell = d.cell(name)
    return cell.column if cell else None


def _plan_records(store: Store | None, raw: RawFile, source: str, sha: str | None,
                  default_year: int | None, *, new_only: bool = False) -> UnitPlan:
    plan = UnitPlan(source, sha)
    for issue in raw.issues:
        plan.problems.append(UnitProblem(issue.code, issue.params, issue.line, issue.column, issue.fatal))
    if any(p.fatal for p in plan.problems):
        return plan
    missing = [f for f in REQUIRED_FIELDS if f not in raw.columns]
    if missing:
        plan.problems.append(UnitProblem("missing_columns", {"columns": ", ".join(missing)}, None, None))
        return plan
    if not raw.records:
        plan.problems.append(UnitProblem("no_rows", {}, None, None))
        return plan
    problems = plan.problems
    drafts: dict[str, UnitDraft] = {}
    for rec in raw.records:
        d = _draft(rec, problems, default_year)
        if d.id is None:
            continue
        if d.id in drafts:
            problems.append(_problem("duplicate_id", d.cell("id"), value=d.id, first=drafts[d.id].line or "?"))
            continue
        drafts[d.id] = d
    try:
        stored = {u.id: u for u in store.list_units()} if store is not None else {}
    except StoreError as exc:
        problems.append(UnitProblem("store", {"message": str(exc)}))
        return plan
    if new_only:
        for uid, d in drafts.items():
            if uid in stored:
                problems.append(_problem("id_exists", d.cell("id"), value=uid, name=stored[uid].name))
    resolved = _resolve(drafts, stored, problems, from_file=source != "add-unit")
    problems.sort(key=lambda p: (p.line or 0) if p.line is not None else -1)  # stable: file order
    if plan.fatal:
        return plan
    for uid, d in drafts.items():
        u = resolved[uid]
        before = stored.get(uid)
        status = "new" if before is None else "unchanged" if before == u else "changed"
        plan.units.append(UnitChange(u, status, d.line, before))
    plan.facts = _plan_facts(store, drafts)
    return plan


def _plan_facts(store: Store | None, drafts: Mapping[str, UnitDraft]) -> list[FactsChange]:
    wanted = [(uid, d) for uid, d in drafts.items() if d.facts and d.year is not None]
    out = []
    by_year: dict[int, dict[str, dict[str, Any]]] = {}
    for uid, d in wanted:
        assert d.year is not None
        if store is not None and d.year not in by_year:
            by_year[d.year] = store.prerequisites_for_year(d.year, inherit=False)
        before = by_year.get(d.year, {}).get(uid)
        if before is None:
            status = "new"
        else:
            status = "unchanged" if all(before.get(k) == v for k, v in d.facts.items()) else "changed"
        out.append(FactsChange(uid, d.year, dict(d.facts), status, d.line))
    return out


def plan_units_file(store: Store | None, data: bytes, name: str, *, year: int | None = None) -> UnitPlan:
    """Read and check a units file against the database (nothing is written). ``year`` is the year
    of the facts when the file has no ``year`` column."""
    raw = read_units_file(data, name)
    return _plan_records(store, raw, name, hashlib.sha256(data).hexdigest(), year)


OPTION_OF = {"id": "--id", "name": "--name", "parent_id": "--parent", "level": "--level",
             "short_name": "--short-name", "instansi_kind": "--instansi-kind", "afirmasi": "--afirmasi"}


def plan_unit(store: Store | None, values: Mapping[str, Any], *, labels: Mapping[str, str] | None = None,
              new_only: bool = True) -> UnitPlan:
    """Check one unit given field by field (the ``add-unit`` command, the page's form). Problems
    name the field by ``labels`` (default: the command's options); ``new_only`` refuses an id that
    is already registered."""
    labels = labels or OPTION_OF
    rec = RawRecord(None, {f: Cell(v, None, labels.get(f, f)) for f, v in values.items()
                           if f in OPTION_OF})
    for required in REQUIRED_FIELDS:
        rec.cells.setdefault(required, Cell(None, None, labels.get(required, required)))
    raw = RawFile([rec], list(rec.cells), [])
    return _plan_records(store, raw, "add-unit", None, None, new_only=new_only)


def save_plan(store: Store, plan: UnitPlan, *, actor: str, action: str = "import_units") -> UnitResult:
    """Save a plan's units and facts in ONE transaction (nothing when it has a blocking problem or
    changes nothing). The hierarchy is checked again inside the transaction."""
    result = UnitResult(plan, problems=list(plan.problems))
    if plan.fatal or not plan.changes:
        return result
    units = [c.unit for c in plan.units if c.status != "unchanged"]
    facts = [f for f in plan.facts if f.status != "unchanged"]
    detail = {"units": [f"{c.unit.id}: {c.status}" for c in plan.units if c.status != "unchanged"],
              "facts": [f"{f.unit_id} {f.year}: {f.status}" for f in facts]}
    file_name = plan.source if plan.sha256 else None
    try:
        store.save_units_and_facts(units, [(f.unit_id, f.year, f.values) for f in facts], actor=actor,
                                   action=action, detail=detail, file_name=file_name, file_sha256=plan.sha256)
    except StoreError as exc:
        result.problems.append(UnitProblem("store", {"message": str(exc)}))
        return result
    result.written = True
    return result


def save_units_file(store: Store, data: bytes, name: str, *, actor: str, year: int | None = None) -> UnitResult:
    """:func:`plan_units_file` then :func:`save_plan`."""
    return save_plan(store, plan_units_file(store, data, name, year=year), actor=actor)

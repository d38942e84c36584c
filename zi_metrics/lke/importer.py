"""Import an LKE upload into the store: preview first, then confirm.

The page (or the CLI) calls :func:`prepare_import` with the uploaded bytes and the unit, year and
stage the user chose; the returned :class:`ImportPreview` holds what was read, every problem, the
rounds that would be saved with their scores, and (given a store) whether each round is new,
changed or already stored. :func:`commit_import` then saves every round in one transaction,
with the file's name and SHA-256 in the audit log. A preview with any fatal problem is never
written, and importing the same file again writes nothing at all.

Which answers become which round:

* Lampiran III workbook: one answer set, saved under the stage the user names (required);
* PortalRB Jawaban workbook, agency exports and payload: each assessor's answers become that
  stage's round (``Jawaban Unit`` / ``jawaban_unit`` -> ``mandiri``, ``Jawaban TPI`` /
  ``jawaban_tpi`` -> ``tpi``, ``Jawaban TPI Itjen`` -> ``tpi`` and then ``Jawaban TPI`` ->
  ``tpi_eselon1``, ``Jawaban TPN`` -> ``tpn``: :mod:`zi_metrics.lke.assessors`); ``stage`` keeps
  one of them; a set without any answer is skipped;

Every assessor's round (not the unit's own) carries its follow-ups (Tindak lanjut): one per item
with the assessor's note or with follow-up columns (flags, PIC, status, due date); the store
replaces the round's imported follow-ups with them and keeps those an editor changed.
* recap: one round per row (unit, year and stage come from the row; the arguments, when given,
  keep only the matching rows).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.framework import Framework, load_framework
from zi_metrics.lke.assessors import AssessorSet, FollowUpFacts, derived_status
from zi_metrics.lke.common import (
    STAGES,
    LkeFileError,
    ParsedLke,
    Problem,
    Source,
    file_name_of,
    problem,
    read_source,
    sha256_hex,
    shown,
)
from zi_metrics.lke.limits import read_limits
from zi_metrics.lke.reader import Parsed, read_bytes, workbook_json
from zi_metrics.lke.recap import ParsedRecap
from zi_metrics.rules import Evaluation, evaluate, held_predicate
from zi_metrics.scoring import score_answers, score_areas
from zi_metrics.stages import ASSESSOR_STAGES
from zi_metrics.store import RoundStatus, Store, StoreError, UnknownUnitError, round_statuses, save_rounds


@dataclass(frozen=True)
class PlannedRound:
    """One evaluation the import would save, already scored."""

    unit_id: str
    year: int
    stage: str
    framework_id: str
    source: str  # "answers" | "recap"
    origin: str  # where it came from: "K" (unit answers), "N" (TPI answers), "row 3", ...
    answers: dict[int, dict[str, Any]] | None = None  # question -> {answer, note, evidence_ref}
    area_points: dict[str, float] | None = None
    hasil: dict[str, Any] | None = None
    evaluation: Evaluation | None = None
    workbook: dict[str, Any] | None = None  # the file's own total, when it carries cached results
    # an assessor's round: question -> follow-up fields (store.follow_ups); None for the unit's own
    follow_ups: dict[int, dict[str, Any]] | None = None

    def store_arguments(self) -> dict[str, Any]:
        """The keyword arguments of :meth:`Store.save_evaluation` (and of store.save_rounds)."""
        out: dict[str, Any] = {"unit_id": self.unit_id, "year": self.year, "stage": self.stage,
                               "framework_id": self.framework_id}
        if self.source == "answers":
            out["answers"] = self.answers or {}
            if self.workbook is not None:
                out["workbook"] = self.workbook
            if self.follow_ups is not None:
                out["follow_ups"] = self.follow_ups
        else:
            out["area_points"] = self.area_points or {}
            out["hasil"] = self.hasil or {}
        return out


@dataclass
class ImportPreview:
    file_name: str
    sha256: str | None
    parsed: Parsed | None
    rounds: list[PlannedRound] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    statuses: list[RoundStatus] | None = None  # with a store: new / changed / unchanged per round

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    @property
    def layout(self) -> str:
        return self.parsed.layout if self.parsed is not None else "unknown"

    @property
    def changes(self) -> bool | None:
        """Whether confirming would write anything (None without a store to compare with)."""
        if self.statuses is None:
            return None
        return any(s.status != "unchanged" for s in self.statuses)


@dataclass
class ImportResult:
    preview: ImportPreview
    statuses: list[RoundStatus] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(p.fatal for p in self.problems)

    @property
    def written(self) -> bool:
        return not self.fatal and any(s.status != "unchanged" for s in self.statuses)

    def summary(self) -> str:
        if self.fatal:
            return "nothing imported"
        parts = [f"{s.unit_id} {s.year} {s.stage}: {s.status}" for s in self.statuses]
        verb = "imported" if self.written else "already up to date, nothing written"
        return f"{self.preview.file_name} ({self.preview.layout}) {verb}: " + "; ".join(parts)


def _fatal(message: str, cell: str = "") -> Problem:
    return Problem("", cell, message)


def _year_problem(fw: Framework, year: int) -> Problem | None:
    if fw.first_year is not None and year < fw.first_year or fw.last_year is not None and year > fw.last_year:
        span = f"{fw.first_year or '...'}-{fw.last_year or ''}"
        return problem("import.wrong_year", framework=fw.id, span=span, year=year)
    return None


def _holds_wbk(store: Store | None, unit_id: str, year: int) -> bool:
    if store is None:
        return False
    try:
        return held_predicate(store.awards(unit_id), year) is not None
    except StoreError:
        return False


def _awards_by_unit(store: Store | None) -> dict[str, list[dict[str, Any]]]:
    """Every unit's award history in one read (a recap names many units: one read per row made a
    national recap take minutes)."""
    if store is None:
        return {}
    try:
        awards = store.awards()
    except StoreError:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for award in awards:
        out.setdefault(award["unit_id"], []).append(award)
    return out


def _answer_rows(answers: dict[int, Any], notes: dict[int, str], evidence: dict[int, str]
                 ) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for qid in sorted(set(answers) | set(notes) | set(evidence)):
        row: dict[str, Any] = {"answer": answers.get(qid)}
        if notes.get(qid):
            row["note"] = notes[qid]
        if evidence.get(qid):
            row["evidence_ref"] = evidence[qid]
        out[qid] = row
    return out


def _follow_ups(stage: str, notes: dict[int, str], facts: dict[int, FollowUpFacts]) -> dict[int, dict[str, Any]] | None:
    """The follow-ups of an assessor's round (every note, and every item with follow-up facts);
    None for the unit's own round. Without a status column the status follows the checks."""
    if stage not in ASSESSOR_STAGES:
        return None
    out: dict[int, dict[str, Any]] = {}
    for qid in sorted(set(notes) | set(facts)):
        f = facts.get(qid) or FollowUpFacts()
        out[qid] = {"pic": f.pic or None, "due_date": f.due_date,
                    "status": f.status or derived_status(f.addressed, f.period_ok, f.named_ok),
                    "note_addressed": f.addressed, "evidence_period_ok": f.period_ok,
                    "evidence_named_ok": f.named_ok, "evidence_url": f.evidence_url or None}
    return out


def _answer_sets(parsed: ParsedLke) -> list[AssessorSet]:
    """Every assessor's answer set of a PortalRB / agency export or payload, in stage order."""
    if parsed.assessors:
        return list(parsed.assessors)
    unit_col, tpi_col = ("K", "N") if parsed.layout == "jawaban" else ("jawaban_unit", "jawaban_tpi")
    links = {q: link for q, text in parsed.evidence.items() if (link := _first_link(text))}
    tpi_facts = {q: FollowUpFacts(evidence_url=links.get(q, "")) for q in parsed.tpi_notes}
    return [AssessorSet("mandiri", unit_col, unit_col, parsed.answers, parsed.notes, parsed.evidence),
            AssessorSet("tpi", tpi_col, tpi_col, parsed.tpi_answers or {}, parsed.tpi_notes, {}, tpi_facts)]


def _first_link(text: str) -> str:
    return next((w for w in text.replace("(", " ").replace(")", " ").split()
                 if w.lower().startswith(("http://", "https://"))), "")


def _plan_lke(parsed: ParsedLke, unit_id: str | None, year: int | None, stage: str | None,
              store: Store | None) -> tuple[list[PlannedRound], list[Problem]]:
    problems: list[Problem] = []
    if not unit_id:
        problems.append(problem("import.choose_unit"))
    if year is None:
        problems.append(problem("import.choose_year"))
    if stage is not None and stage not in STAGES:
        problems.append(problem("import.bad_stage", stages=", ".join(STAGES), stage=shown(stage)))
    fw = load_framework(parsed.framework_id or "")
    sets: list[AssessorSet] = []
    if parsed.layout == "lampiran3":
        if stage is None:
            problems.append(problem("import.choose_stage", stages=", ".join(STAGES)))
        else:
            facts = {q: FollowUpFacts(evidence_url=link) for q in parsed.notes
                     if (link := _first_link(parsed.evidence.get(q, "")))}
            sets.append(AssessorSet(stage, "K", "K", parsed.answers, parsed.notes, parsed.evidence, facts))
    else:
        available = [s for s in _answer_sets(parsed) if s.answers]
        if stage is not None and stage in STAGES:
            chosen = [s for s in available if s.stage == stage]
            if not chosen:
                have = ", ".join(f"{s.stage} ({s.column})" for s in available) or "-"
                problems.append(problem("import.stage_not_in_file", stage=stage, have=have))
            sets = chosen
        else:
            sets = available
    if not problems and not any(s.answers for s in sets):
        problems.append(problem("import.no_answers"))
    if year is not None:
        p = _year_problem(fw, year)
        if p:
            problems.append(p)
    if problems:
        return [], problems
    assert unit_id is not None and year is not None
    holds = _holds_wbk(store, unit_id, year)
    rounds = []
    for s in sets:
        if not s.answers:
            continue
        ev = evaluate(fw, score_answers(fw, s.answers), holds)
        check = parsed.workbook if parsed.layout == "lampiran3" else None
        rounds.append(PlannedRound(unit_id, year, s.stage, fw.id, "answers", s.column,
                                   answers=_answer_rows(s.answers, s.notes, s.evidence), evaluation=ev,
                                   workbook=workbook_json(check) if check is not None else None,
                                   follow_ups=_follow_ups(s.stage, s.notes, s.followups)))
    return rounds, []


def _plan_recap(parsed: ParsedRecap, unit_id: str | None, year: int | None, stage: str | None,
                store: Store | None) -> tuple[list[PlannedRound], list[Problem]]:
    rows = [r for r in parsed.rows if (unit_id is None or r.unit_id == unit_id)
            and (year is None or r.year == year) and (stage is None or r.stage == stage)]
    if not rows:
        return [], [problem("import.no_recap_row")]
    rounds = []
    awards = _awards_by_unit(store)
    for r in rows:
        fw = load_framework(r.framework_id)
        holds = held_predicate(awards.get(r.unit_id, []), r.year) is not None
        ev = evaluate(fw, score_areas(fw, r.areas, r.hasil), holds)
        rounds.append(PlannedRound(r.unit_id, r.year, r.stage, fw.id, "recap", r.where, area_points=r.areas,
                                   hasil=r.hasil, evaluation=ev))
    return rounds, []


def _check_units(store: Store, rounds: list[PlannedRound], unit_id: str | None) -> list[Problem]:
    try:
        known = {u.id for u in store.list_units()}
    except StoreError as exc:
        return [_fatal(str(exc))]
    wanted = [unit_id] if unit_id else []
    wanted += [r.unit_id for r in rounds]
    out, seen = [], set()
    for uid in wanted:
        if uid in known or uid in seen:
            continue
        seen.add(uid)
        where = next((r.origin for r in rounds if r.unit_id == uid and r.source == "recap"), "")
        out.append(problem("import.unknown_unit", "", where, unit=shown(uid)))
    return out


def prepare_import(source: Source, *, name: str | None = None, unit_id: str | None = None,
                   year: int | None = None, stage: str | None = None, store: Store | None = None,
                   framework_id: str | None = None, max_bytes: int | None = None) -> ImportPreview:
    """Read an upload and plan its import (nothing is written). With ``store``, unknown units are
    fatal problems and ``statuses`` says what confirming would change."""
    label = file_name_of(source, name)
    try:
        limits = read_limits()
        data = read_source(source, name, max_bytes or limits.max_file_bytes)
    except LkeFileError as exc:
        return ImportPreview(label, None, None, problems=[exc.problem])
    except ValueError as exc:  # a ZI_MAX_... setting that is not a number
        return ImportPreview(label, None, None, problems=[_fatal(str(exc))])
    preview = ImportPreview(label, sha256_hex(data), read_bytes(data, label, framework_id, limits))
    parsed = preview.parsed
    assert parsed is not None
    preview.problems = list(parsed.problems)
    with ExitStack() as reads:
        if store is not None:
            try:  # the checks below read the database several times: through one connection
                reads.enter_context(store.reads_together())
            except StoreError:
                pass  # each check below reports it in its own words
        _plan_with_store(preview, parsed, unit_id, year, stage, store)
    return preview


def _plan_with_store(preview: ImportPreview, parsed: Any, unit_id: str | None, year: int | None,
                     stage: str | None, store: Store | None) -> None:
    if store is not None and unit_id:
        try:
            store.get_unit(unit_id)
        except UnknownUnitError:
            preview.problems.append(problem("import.unknown_unit", unit=shown(unit_id)))
            return
        except StoreError as exc:
            preview.problems.append(_fatal(str(exc)))
            return
    if parsed.fatal:
        return
    if isinstance(parsed, ParsedRecap):
        rounds, problems = _plan_recap(parsed, unit_id, year, stage, store)
    else:
        rounds, problems = _plan_lke(parsed, unit_id, year, stage, store)
    preview.rounds = rounds
    preview.problems += problems
    if store is not None and not preview.fatal:
        preview.problems += _check_units(store, rounds, unit_id)
        if not preview.fatal:
            try:
                preview.statuses = round_statuses(store, [r.store_arguments() for r in rounds])
            except StoreError as exc:
                preview.problems.append(_fatal(str(exc)))


def commit_import(store: Store, preview: ImportPreview, *, actor: str) -> ImportResult:
    """Save a preview's rounds in one transaction (nothing when it has a fatal problem, and nothing
    when every round is already stored identically)."""
    result = ImportResult(preview, problems=list(preview.problems))
    if preview.fatal:
        return result
    if not preview.rounds:
        result.problems.append(problem("import.nothing"))
        return result
    detail = {"layout": preview.layout, "file": preview.file_name}
    try:
        result.statuses = save_rounds(store, [r.store_arguments() for r in preview.rounds], actor=actor,
                                      action="import_lke", detail=detail, file_name=preview.file_name,
                                      file_sha256=preview.sha256)
    except StoreError as exc:
        result.problems.append(problem("import.failed", reason=str(exc)))
    return result


def import_file(store: Store, source: Source, *, actor: str, name: str | None = None,
                unit_id: str | None = None, year: int | None = None, stage: str | None = None,
                framework_id: str | None = None, max_bytes: int | None = None) -> ImportResult:
    """Read, check and save an upload in one go (:func:`prepare_import` + :func:`commit_import`)."""
    preview = prepare_import(source, name=name, unit_id=unit_id, year=year, stage=stage, store=store,
                             framework_id=framework_id, max_bytes=max_bytes)
    return commit_import(store, preview, actor=actor)

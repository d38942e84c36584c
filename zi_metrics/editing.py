"""What the Kelola data page needs on top of :mod:`zi_metrics.lke` and the store: an upload's
preview compared with what is stored (total and predicate before / after), imports of several
files with progress, deleting one round, and which exports a round can give.

Thin and pure: every read and write goes through :class:`zi_metrics.store.Store`,
:mod:`zi_metrics.lke` and :mod:`zi_metrics.analytics`. Never imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zi_metrics.analytics import RoundInput, ScoredRound, score_input
from zi_metrics.lke import ImportPreview, ImportResult, Problem, commit_import, prepare_import
from zi_metrics.store import Store, StoreError, UnknownEvaluationError


@dataclass(frozen=True)
class RoundChange:
    """What importing one planned round would change for its unit, year and stage."""

    unit_id: str
    year: int
    stage: str
    status: str  # "new" | "changed" | "unchanged" ("unknown" without a comparison)
    total_before: float | None
    total_after: float
    predicate_before: str | None
    predicate_after: str | None
    completeness_after: float  # answered / total questions of the new round (1.0 for a recap)
    provisional_after: bool


def prepare_upload(store: Store, data: bytes, name: str, *, unit_id: str | None, year: int | None,
                   stage: str | None) -> ImportPreview:
    """Plan the import of one uploaded file (nothing is written). A recap names its units, years and
    stages in its rows, so every row of a recap is planned whatever unit, year and stage are chosen;
    the other layouts take them from the arguments."""
    preview = prepare_import(data, name=name, unit_id=unit_id, year=year, stage=stage, store=store)
    if preview.layout == "recap" and (unit_id, year, stage) != (None, None, None):
        preview = prepare_import(data, name=name, store=store)
    return preview


def stored_round(store: Store, unit_id: str, year: int, stage: str) -> ScoredRound | None:
    """The stored evaluation of (unit, year, stage), scored; None when there is none."""
    eid = store.evaluation_id(unit_id, year, stage)
    if eid is None:
        return None
    meta = store.get_evaluation(eid)
    if meta["source"] == "answers":
        rnd = RoundInput(eid, unit_id, year, stage, meta["framework_id"], "answers",
                         answers=store.answer_values(eid), hasil=store.hasil_for(eid))
    else:
        rnd = RoundInput(eid, unit_id, year, stage, meta["framework_id"], "recap",
                         area_points=store.area_points_for(eid), hasil=store.hasil_for(eid))
    return score_input(rnd, store.awards(unit_id))


def compare_with_stored(store: Store, preview: ImportPreview) -> list[RoundChange]:
    """For every round the preview would save: the stored total and predicate beside the new ones."""
    statuses = {(s.unit_id, s.year, s.stage): s.status for s in preview.statuses or []}
    out = []
    for r in preview.rounds:
        if r.evaluation is None:
            continue
        before = stored_round(store, r.unit_id, r.year, r.stage)
        card = r.evaluation.scorecard
        out.append(RoundChange(
            unit_id=r.unit_id, year=r.year, stage=r.stage,
            status=statuses.get((r.unit_id, r.year, r.stage), "unknown"),
            total_before=before.scorecard.total if before else None,
            total_after=card.total,
            predicate_before=before.evaluation.predicate if before else None,
            predicate_after=r.evaluation.predicate,
            completeness_after=card.completeness.ratio,
            provisional_after=card.provisional,
        ))
    return out


def importable(preview: ImportPreview) -> bool:
    """Whether confirming this preview would write something (no fatal problem, a change to save)."""
    return not preview.fatal and bool(preview.rounds) and preview.changes is not False


def import_previews(store: Store, previews: Sequence[ImportPreview], *, actor: str,
                    progress: Callable[[int, int, ImportResult], None] | None = None) -> list[ImportResult]:
    """Import each importable preview in its own transaction (one file = all or nothing), in order;
    ``progress(done, total, result)`` is called after each file. A file that fails (database busy,
    validation) is reported in its result's problems and the next file is still tried."""
    todo = [p for p in previews if importable(p)]
    results = []
    for n, preview in enumerate(todo, start=1):
        try:
            result = commit_import(store, preview, actor=actor)
        except StoreError as exc:  # commit_import reports store errors itself; belt and braces
            result = ImportResult(preview, problems=[Problem("", "", f"nothing was imported: {exc}")])
        results.append(result)
        if progress is not None:
            progress(n, len(todo), result)
    return results


def delete_round(store: Store, unit_id: str, year: int, stage: str, *, actor: str) -> int:
    """Delete the stored evaluation of (unit, year, stage) with its answers (one audited
    transaction); returns its id. UnknownEvaluationError when there is none."""
    eid = store.evaluation_id(unit_id, year, stage)
    if eid is None:
        raise UnknownEvaluationError(f"{unit_id} {year} {stage}")
    store.delete_evaluation(eid, actor=actor)
    return eid


def lke_exportable(store: Store, unit_id: str, year: int, stage: str) -> bool:
    """Whether (unit, year, stage) is stored with answers (so it has an LKE workbook to export)."""
    eid = store.evaluation_id(unit_id, year, stage)
    return eid is not None and store.get_evaluation(eid)["source"] == "answers"


def payload_exportable(store: Store, unit_id: str, year: int) -> bool:
    """Whether the unit has a mandiri or tpi round with answers in ``year`` (a PortalRB payload)."""
    return any(lke_exportable(store, unit_id, year, stage) for stage in ("mandiri", "tpi"))

"""A stored round as the ``score-lke`` JSON document (the ``show`` command).

The document has every key ``score-lke`` prints for one LKE (``evaluation_to_dict``: scores,
rules, completeness, conservative figures, sub-areas; then ``layout`` and ``problems``), computed
from the stored answers or area recap with the unit's predicate history (``holds_wbk``), plus the
round it is (``unit_id``, ``year``, ``stage``), and ``workbook`` (the imported workbook's own total
and its differences explained by row) when the file carried cached results. ``layout`` is
``"stored"`` and ``problems`` is empty: what was wrong with the file was shown when it was imported.
"""

from __future__ import annotations

from typing import Any

from zi_metrics.analytics import RoundInput, score_input
from zi_metrics.evaluation_io import evaluation_to_dict
from zi_metrics.store import Store

STORED_LAYOUT = "stored"


class UnknownRoundError(LookupError):
    """No such stored round; the message lists the rounds the unit has."""


def show_document(store: Store, unit_id: str, year: int, stage: str) -> dict[str, Any]:
    """The ``score-lke`` document of the stored round (unit, year, stage).

    Raises UnknownUnitError (a StoreError) for an unknown unit and UnknownRoundError when the unit
    has no such round."""
    store.get_unit(unit_id)
    eid = store.evaluation_id(unit_id, year, stage)
    if eid is None:
        rounds = store.evaluations(unit_id=unit_id)
        have = ", ".join(f"{int(r.year)} {r.stage}" for r in rounds.itertuples(index=False)) or "none"
        raise UnknownRoundError(f"{unit_id} has no {stage} round in {year} (stored rounds: {have})")
    meta = store.get_evaluation(eid)
    if meta["source"] == "answers":
        rnd = RoundInput(eid, unit_id, year, stage, meta["framework_id"], "answers",
                         answers=store.answer_values(eid), hasil=store.hasil_for(eid))
    else:
        rnd = RoundInput(eid, unit_id, year, stage, meta["framework_id"], "recap",
                         area_points=store.area_points_for(eid), hasil=store.hasil_for(eid))
    scored = score_input(rnd, store.awards(unit_id))
    doc = evaluation_to_dict(scored.framework, scored.evaluation)
    doc["layout"] = STORED_LAYOUT
    doc["problems"] = []
    doc["unit_id"] = unit_id
    doc["year"] = int(year)
    doc["stage"] = stage
    workbook = store.workbook_result(unit_id, year, stage)
    if workbook is not None:  # the imported workbook's own total, as score-lke showed it
        doc["workbook"] = workbook
    return doc


__all__ = ["STORED_LAYOUT", "UnknownRoundError", "show_document"]

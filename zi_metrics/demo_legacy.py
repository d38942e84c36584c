"""Databases made before demo rows were marked one by one (schema version 4): a database the demo
filled and nothing else was marked whole by the migration; one where real data was added after the
demo only said "real", and its 143 synthetic evaluations passed for official ones. Here its demo
rows are recognised exactly: a row is a demo row when it is identical to what the demo generator
writes with the database's recorded seed (a demo round re-imported with other answers is real).
"""

from __future__ import annotations

from typing import Any

from zi_metrics.store import Store, StoreError


def needs_recognition(store: Store) -> bool:
    """A database upgraded from before demo marks, once holding the demo, now also real data."""
    meta = store.meta()
    return meta.get("dataset") == "real" and "demo_seed" in meta


def _same_facts(stored: dict[str, Any] | None, facts: dict[str, Any]) -> bool:
    if stored is None:
        return False
    return all(stored.get(k) == v for k, v in facts.items()) and all(
        v is None for k, v in stored.items() if k not in facts)


def recognise_demo_rows(store: Store, *, actor: str = "system") -> int:
    """Mark the demo rows of such a database (one transaction); returns how many were marked.
    Does nothing on any other database."""
    from zi_metrics.demo import generate_demo  # the generator is only needed here
    from zi_metrics.store import round_statuses

    if not needs_recognition(store):
        return 0
    try:
        seed = int(store.meta()["demo_seed"])
    except (KeyError, ValueError):
        return 0
    data = generate_demo(seed)
    stored_units = {u.id: u for u in store.list_units()}
    units = [u.id for u in data.units if stored_units.get(u.id) == u]
    specs = [{"unit_id": r.unit_id, "year": r.year, "stage": r.stage, "framework_id": r.framework_id,
              "evaluated_on": r.evaluated_on, "answers": r.answers, "area_points": r.area_points,
              "hasil": r.hasil} for r in data.rounds if r.unit_id in stored_units]
    try:
        statuses = round_statuses(store, specs)
    except StoreError:
        statuses = []
    rounds = [(s.unit_id, s.year, s.stage) for s in statuses if s.status == "unchanged"]
    facts = []
    for year in sorted({y for _, y, _ in data.prerequisites}):
        stored = store.prerequisites_for_year(year, inherit=False)
        facts += [(u, y) for u, y, f in data.prerequisites if y == year and _same_facts(stored.get(u), f)]
    awarded = {(a["unit_id"], a["year"], a["predicate"]): a.get("decree_ref") for a in store.awards()}
    awards = [(a["unit_id"], a["year"], a["predicate"]) for a in data.awards
              if awarded.get((a["unit_id"], a["year"], a["predicate"]), object()) == a.get("decree_ref")]
    return store.mark_demo(units=units, rounds=rounds, facts=facts, awards=awards, actor=actor)

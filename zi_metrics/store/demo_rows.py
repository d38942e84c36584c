"""Synthetic demo rows, marked row by row (column ``demo`` of units, evaluations, prerequisites and
predicate awards) so that real data and the demo can share a database without passing for one
another.

* :meth:`DemoStore.demo_rows` says which rows are demo rows; :meth:`DemoRows.shown` whether a view
  of a unit, a round or both shows any of them (the "Data sintetis (demo)" banner);
* :meth:`DemoStore.remove_demo` deletes exactly the demo rows in one transaction. A demo unit that
  real rows still need (a real evaluation, fact or award, or a real sub-unit under it) is kept and
  becomes a real unit: nothing real is ever deleted with the demo;
* :meth:`DemoStore.mark_demo` marks given rows as demo rows (an older database whose demo rows were
  only recognised after the fact).

Writes other than the demo's write real rows: registering a unit with a demo unit's id, or
importing a round over a demo round, makes that row real.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass

from zi_metrics.store.base import StoreBase
from zi_metrics.store.schema import DEMO_MARKED_TABLES
from zi_metrics.store.sql import Connection

# Rows that belong to an evaluation (keyed by evaluation_id): deleted with a demo round. Tables a
# later schema adds (the assessors' follow-ups) are taken when the database has them.
_CHILD_TABLES = ("answers", "area_points", "hasil_inputs", "workbook_results", "follow_ups")


class DemoRounds(Set):
    """The demo rounds as a read-only set of (unit id, year, stage), kept as one set of unit ids
    per (year, stage): a national demo holds tens of thousands of rounds, and a tuple of three
    objects each (with two indexes of them) cost the dashboard 15 MiB for a banner."""

    __slots__ = ("_by_round",)

    def __init__(self, by_round: Mapping[tuple[int, str], frozenset[str]]):
        self._by_round = dict(by_round)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 3:
            return False
        unit_id, year, stage = item
        return unit_id in self._by_round.get((year, stage), ())

    def __iter__(self) -> Iterator[tuple[str, int, str]]:
        for (year, stage), units in self._by_round.items():
            for unit_id in units:
                yield unit_id, year, stage

    def __len__(self) -> int:
        return sum(len(units) for units in self._by_round.values())

    def __repr__(self) -> str:
        return f"DemoRounds({len(self)} rounds in {len(self._by_round)} year/stage pairs)"

    __hash__ = Set._hash

    def of_round(self, year: int | None, stage: str | None) -> bool:
        """Whether a round of ``year`` / ``stage`` (None: any) holds a demo row."""
        return any((year is None or y == year) and (stage is None or s == stage) for y, s in self._by_round)

    def of_unit(self, unit_id: str, year: int | None, stage: str | None) -> bool:
        """Whether ``unit_id`` has a demo round of ``year`` / ``stage`` (None: any)."""
        return any(unit_id in units for (y, s), units in self._by_round.items()
                   if (year is None or y == year) and (stage is None or s == stage))


@dataclass(frozen=True, init=False)
class DemoRows:
    """Which rows of the database are demo rows."""

    units: frozenset[str]
    rounds: DemoRounds  # a set of (unit id, year, stage)
    fact_units: frozenset[str]  # units with demo prerequisite facts
    award_units: frozenset[str]  # units with demo predicate awards

    def __init__(self, units: Iterable[str] = (), rounds: Iterable[tuple[str, int, str]] = (),
                 fact_units: Iterable[str] = (), award_units: Iterable[str] = ()):
        by_round: dict[tuple[int, str], list[str]] = {}
        for u, y, s in rounds:
            by_round.setdefault((int(y), str(s)), []).append(u)
        self._fill(units, by_round, fact_units, award_units)

    def _fill(self, units: Iterable[str], by_round: Mapping[tuple[int, str], Iterable[str]],
              fact_units: Iterable[str], award_units: Iterable[str]) -> None:
        # One str object per unit id across the sets (each query returns its own copies), and one
        # set for equal sets (a national demo: every unit demo, evaluated at every stage).
        same: dict[str, str] = {}
        one = lambda u: same.setdefault(str(u), str(u))  # noqa: E731
        sets: dict[frozenset[str], frozenset[str]] = {}

        def shared(ids: Iterable[str]) -> frozenset[str]:
            made = frozenset(one(u) for u in ids)
            return sets.setdefault(made, made)

        object.__setattr__(self, "units", shared(units))
        object.__setattr__(self, "rounds", DemoRounds({(int(y), str(stage)): shared(ids)
                                                       for (y, stage), ids in by_round.items()}))
        object.__setattr__(self, "fact_units", shared(fact_units))
        object.__setattr__(self, "award_units", shared(award_units))

    @classmethod
    def of(cls, units: Iterable[str], rounds: Iterable[tuple[str, int, str]], fact_units: Iterable[str],
           award_units: Iterable[str]) -> DemoRows:
        return cls(units, rounds, fact_units, award_units)

    def any(self) -> bool:
        return bool(self.units or self.rounds or self.fact_units or self.award_units)

    def shown(self, *, unit_id: str | None = None, year: int | None = None, stage: str | None = None) -> bool:
        """Whether a view of ``unit_id`` (all its rounds, or those of ``year``/``stage``), or of a
        round of every unit (``year``/``stage`` without a unit), shows a demo row. Nothing given:
        whether the database holds any demo row."""
        if unit_id is not None:
            if unit_id in self.units or unit_id in self.fact_units or unit_id in self.award_units:
                return True
            return self.rounds.of_unit(unit_id, year, stage)
        if year is None and stage is None:
            return self.any()
        return self.rounds.of_round(year, stage)


@dataclass(frozen=True)
class DemoRemoval:
    """What removing the demo rows did."""

    units: int
    rounds: int
    facts: int
    awards: int
    kept_units: tuple[str, ...] = ()  # demo units real rows still need: kept, now real units


def _read_demo_rows(con: Connection) -> DemoRows:
    units = [r[0] for r in con.execute("SELECT id FROM units WHERE demo").fetchall()]
    # as columns, a round at a time: no Python tuple per demo evaluation (30,000 in a national demo)
    pairs = con.execute("SELECT DISTINCT year, stage FROM evaluations WHERE demo").fetchall()
    by_round = {(int(y), str(s)): con.execute("SELECT unit_id FROM evaluations WHERE demo AND year = ? AND stage = ?",
                                              [y, s]).fetchnumpy()["unit_id"].tolist() for y, s in pairs}
    facts = [r[0] for r in con.execute("SELECT DISTINCT unit_id FROM prerequisites WHERE demo").fetchall()]
    awards = [r[0] for r in con.execute("SELECT DISTINCT unit_id FROM predicate_awards WHERE demo").fetchall()]
    rows = DemoRows()
    rows._fill(units, by_round, facts, awards)
    return rows


def demo_kind(con: Connection) -> str:
    """'empty', 'demo' (demo rows only), 'real' (no demo row) or 'mixed'."""
    demo = real = False
    for table in DEMO_MARKED_TABLES:  # module constants
        d, r = con.execute(f"SELECT count(*) FILTER (WHERE demo), count(*) FILTER (WHERE NOT coalesce(demo, FALSE)) "
                           f"FROM {table}").fetchone()
        demo, real = demo or d > 0, real or r > 0
    if demo and real:
        return "mixed"
    return "demo" if demo else "real" if real else "empty"


def mark_all_demo(con: Connection) -> None:
    """Inside a write that has just filled an emptied database with the demo: every row is a demo row."""
    for table in DEMO_MARKED_TABLES:  # module constants
        con.execute(f"UPDATE {table} SET demo = TRUE")


def _unit_tree(con: Connection) -> tuple[dict[str, str | None], set[str]]:
    rows = con.execute("SELECT id, parent_id, coalesce(demo, FALSE) FROM units").fetchall()
    return {r[0]: r[1] for r in rows}, {r[0] for r in rows if r[2]}


def _remove_demo(con: Connection) -> DemoRemoval:
    ids = [int(r[0]) for r in con.execute("SELECT id FROM evaluations WHERE demo").fetchall()]
    if ids:
        present = con.dialect.table_names(con)
        for table in (t for t in _CHILD_TABLES if t in present):  # module constants
            con.execute(f"DELETE FROM {table} WHERE evaluation_id IN (SELECT unnest(?::INTEGER[]))", [ids])
        con.execute("DELETE FROM evaluations WHERE demo")
    facts = con.execute("SELECT count(*) FROM prerequisites WHERE demo").fetchone()[0]
    con.execute("DELETE FROM prerequisites WHERE demo")
    awards = con.execute("SELECT count(*) FROM predicate_awards WHERE demo").fetchone()[0]
    con.execute("DELETE FROM predicate_awards WHERE demo")
    parent_of, demo_units = _unit_tree(con)
    used = {r[0] for r in con.execute(
        "SELECT unit_id FROM evaluations UNION SELECT unit_id FROM prerequisites "
        "UNION SELECT unit_id FROM predicate_awards").fetchall()}
    # A unit is needed when it is real, holds real rows, or is an ancestor of a needed unit.
    needed: set[str] = set()
    for uid in parent_of:
        if uid in demo_units and uid not in used:
            continue
        node, seen = uid, set()
        while node is not None and node in parent_of and node not in needed and node not in seen:
            seen.add(node)
            needed.add(node)
            node = parent_of[node]
    removed = sorted(demo_units - needed)
    kept = tuple(sorted(demo_units & needed))
    if removed:
        con.execute("DELETE FROM units WHERE id IN (SELECT unnest(?::VARCHAR[]))", [removed])
    if kept:
        con.execute("UPDATE units SET demo = FALSE WHERE id IN (SELECT unnest(?::VARCHAR[]))", [list(kept)])
    if demo_kind(con) != "demo":
        con.execute("DELETE FROM meta WHERE key IN ('demo_seed', 'demo_notice', 'dataset')")
    return DemoRemoval(len(removed), len(ids), int(facts), int(awards), kept)


class DemoStore(StoreBase):
    def demo_rows(self) -> DemoRows:
        """Which units, rounds, facts and awards are synthetic demo rows (four small queries)."""
        with self.reading() as con:
            return _read_demo_rows(con)

    def shows_demo(self, *, unit_id: str | None = None, year: int | None = None, stage: str | None = None) -> bool:
        """Whether a view of this unit and/or round shows a demo row (see :meth:`DemoRows.shown`)."""
        return self.demo_rows().shown(unit_id=unit_id, year=year, stage=stage)

    def remove_demo(self, *, actor: str) -> DemoRemoval:
        """Delete every demo row in ONE transaction; real rows stay as they are (a demo unit that
        real rows still need is kept as a real unit, and said so)."""
        before = self.demo_rows()
        detail = {"units": len(before.units), "rounds": len(before.rounds)}
        with self.writing(actor, "remove_demo", detail) as con:
            return _remove_demo(con)

    def mark_demo(self, *, units: Sequence[str] = (), rounds: Sequence[tuple[str, int, str]] = (),
                  facts: Sequence[tuple[str, int]] = (), awards: Sequence[tuple[str, int, str]] = (),
                  actor: str) -> int:
        """Mark the given rows as demo rows in one transaction; returns how many rows were marked.
        The legacy whole-database flag (meta ``dataset``) is dropped in the same transaction."""
        detail = {"units": len(units), "rounds": len(rounds), "facts": len(facts), "awards": len(awards)}
        with self.writing(actor, "mark_demo", detail) as con:
            if units:
                con.execute("UPDATE units SET demo = TRUE WHERE id IN (SELECT unnest(?::VARCHAR[]))", [list(units)])
            for sql, keys in (
                ("UPDATE evaluations SET demo = TRUE WHERE unit_id = ? AND year = ? AND stage = ?", rounds),
                ("UPDATE prerequisites SET demo = TRUE WHERE unit_id = ? AND year = ?", facts),
                ("UPDATE predicate_awards SET demo = TRUE WHERE unit_id = ? AND year = ? AND predicate = ?", awards),
            ):
                for key in keys:
                    con.execute(sql, list(key))
            con.execute("DELETE FROM meta WHERE key = 'dataset'")
        return sum(detail.values())

"""Units: the organisation tree (instansi > eselon 1 > eselon 2 > satker)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Any

from zi_metrics.quoting import quoted
from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreValidationError, UnknownUnitError
from zi_metrics.store.model import Unit
from zi_metrics.store.sql import Connection
from zi_metrics.store.validation import _check_hierarchy, _coerce_unit

_UNIT_SELECT = "SELECT id, name, level, instansi_kind, parent_id, short_name, afirmasi FROM units"
_UNIT_COLS = (
    ("id", "VARCHAR"),
    ("name", "VARCHAR"),
    ("short_name", "VARCHAR"),
    ("parent_id", "VARCHAR"),
    ("level", "VARCHAR"),
    ("instansi_kind", "VARCHAR"),
    ("afirmasi", "BOOLEAN"),
    ("demo", "BOOLEAN"),
)
# Registering a unit under a demo unit's id makes it a real unit (demo = excluded.demo, false).
_UNIT_UPSERT = (
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, short_name = excluded.short_name, "
    "parent_id = excluded.parent_id, level = excluded.level, instansi_kind = excluded.instansi_kind, "
    "afirmasi = excluded.afirmasi, demo = excluded.demo"
)


def _unit_exists(con: Connection, unit_id: str) -> bool:
    return con.execute("SELECT count(*) FROM units WHERE id = ?", [unit_id]).fetchone()[0] > 0


def _require_unit(con: Connection, unit_id: Any, where: str = "", known_units: Set[str] | None = None) -> str:
    """The unit id if the unit exists (``known_units``: ids already read in this transaction)."""
    if not isinstance(unit_id, str):
        raise UnknownUnitError(str(unit_id), where)
    exists = unit_id in known_units if known_units is not None else _unit_exists(con, unit_id)
    if not exists:
        raise UnknownUnitError(unit_id, where)
    return unit_id


def _require_units(con: Connection, unit_ids: Set[str], where: str = "save_evaluation") -> None:
    """UnknownUnitError unless every one of ``unit_ids`` exists (one query)."""
    ids = sorted(unit_ids)
    found = {r[0] for r in con.execute("SELECT id FROM units WHERE id IN (SELECT unnest(?::VARCHAR[]))",
                                       [ids]).fetchall()}
    missing = [u for u in ids if u not in found]
    if missing:
        raise UnknownUnitError(missing[0], where)


def _all_units(con: Connection) -> dict[str, Unit]:
    rows = con.execute(f"{_UNIT_SELECT} ORDER BY id").fetchall()
    return {r[0]: Unit(*r[:6], bool(r[6])) for r in rows}


def _write_units(con: Connection, units: Iterable[Unit | Mapping[str, Any]], demo: bool = False) -> list[str]:
    """Insert or update units (hierarchy checked) as real units, or as demo units with ``demo``."""
    batch: dict[str, Unit] = {}
    for n, raw in enumerate(units):
        u = _coerce_unit(raw, n)
        if u.id in batch:
            raise StoreValidationError(f"units[{n}]: unit {quoted(u.id)} is given twice")
        batch[u.id] = u
    if not batch:
        return []
    merged = _all_units(con)
    merged.update(batch)
    affected = set(batch) | {uid for uid, u in merged.items() if u.parent_id in batch}
    _check_hierarchy(merged, sorted(affected))
    rows = [
        (u.id, u.name, u.short_name, u.parent_id, u.level, u.instansi_kind, u.afirmasi, demo)
        for u in batch.values()
    ]
    con.dialect.insert_rows(con, "units", _UNIT_COLS, rows, _UNIT_UPSERT)
    return list(batch)


class UnitStore(StoreBase):
    def list_units(self) -> list[Unit]:
        """Every unit, ordered by id."""
        with self.reading() as con:
            return list(_all_units(con).values())

    def get_unit(self, unit_id: str) -> Unit:
        with self.reading() as con:
            row = con.execute(f"{_UNIT_SELECT} WHERE id = ?", [unit_id]).fetchone()
        if row is None:
            raise UnknownUnitError(unit_id)
        return Unit(*row[:6], bool(row[6]))

    def upsert_units(
        self,
        units: Iterable[Unit | Mapping[str, Any]],
        *,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> list[str]:
        """Insert or update units (hierarchy checked); returns their ids."""
        units = list(units)
        with self.writing(actor, "upsert_units", {"count": len(units)}, file_name, file_sha256) as con:
            ids = _write_units(con, units)
        return ids

    def upsert_unit(self, unit: Unit | Mapping[str, Any], *, actor: str) -> str:
        return self.upsert_units([unit], actor=actor)[0]

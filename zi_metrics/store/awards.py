"""Prerequisites (the yearly facts that gate a predicate: BPK opinion, SAKIP, LHKPN, ...) and
predicate awards with their revocations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence, Set
from typing import Any

import pandas as pd

from zi_metrics.store.base import StoreBase
from zi_metrics.store.errors import StoreValidationError, UnknownUnitError
from zi_metrics.store.model import INSTANSI_FIELDS, PREREQUISITE_FIELDS, Unit
from zi_metrics.store.sql import Connection
from zi_metrics.store.units import _all_units, _require_unit, _write_units
from zi_metrics.store.validation import (
    _as_int,
    _check_date,
    _check_predicate,
    _check_prerequisite_value,
    _check_text,
    _check_year,
)


def _prepare_prerequisites(
    con: Connection,
    unit_id: Any,
    year: Any,
    values: Mapping[str, Any],
    known_units: Set[str] | None = None,
) -> tuple[str, int, dict[str, Any]]:
    _require_unit(con, unit_id, "save_prerequisites", known_units)
    year = _check_year(year)
    where = f"prerequisites of {unit_id} {year}"
    if not isinstance(values, Mapping):
        raise StoreValidationError(f"{where}: expected a mapping of field -> value")
    unknown = set(values) - set(PREREQUISITE_FIELDS)
    if unknown:
        raise StoreValidationError(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}; known: "
            f"{', '.join(PREREQUISITE_FIELDS)}"
        )
    clean = {
        name: _check_prerequisite_value(name, values.get(name), year, where) for name in PREREQUISITE_FIELDS
    }
    return unit_id, year, clean


def _write_prerequisites(
    con: Connection, unit_id: str, year: int, clean: Mapping[str, Any]
) -> None:
    _write_prerequisites_many(con, [(unit_id, year, clean)])


def _write_prerequisites_many(
    con: Connection, rows: Sequence[tuple[str, int, Mapping[str, Any]]]
) -> None:
    """Replace the (unit, year) rows wholly, in three statements whatever their number."""
    if not rows:
        return
    con.execute(
        "DELETE FROM prerequisites p USING "
        "(SELECT unnest(?::VARCHAR[]) AS unit_id, unnest(?::INTEGER[]) AS year) k "
        "WHERE p.unit_id = k.unit_id AND p.year = k.year",
        [[r[0] for r in rows], [r[1] for r in rows]],
    )
    types = {
        "opinion": "VARCHAR",
        "grade": "VARCHAR",
        "bool": "BOOLEAN",
        "percent": "DOUBLE",
        "spip": "DOUBLE",
        "eselon": "INTEGER",
        "year": "INTEGER",
    }
    cols = (
        ("unit_id", "VARCHAR"),
        ("year", "INTEGER"),
        *((name, types[kind]) for name, kind in PREREQUISITE_FIELDS.items()),
    )
    con.dialect.insert_rows(
        con, "prerequisites", cols, [(u, y, *(c[n] for n in PREREQUISITE_FIELDS)) for u, y, c in rows]
    )


def _award(con: Connection, unit_id: Any, year: Any, predicate: Any, decree_ref: Any) -> None:
    _require_unit(con, unit_id, "award_predicate")
    year = _check_year(year)
    predicate = _check_predicate(predicate)
    decree_ref = _check_text(decree_ref, f"award {predicate} {unit_id} {year}: decree_ref", max_len=300)
    row = con.execute(
        "SELECT revoked, revoked_on FROM predicate_awards WHERE unit_id = ? AND year = ? AND predicate = ?",
        [unit_id, year, predicate],
    ).fetchone()
    if row is None:
        con.execute(
            "INSERT INTO predicate_awards (unit_id, year, predicate, decree_ref, revoked) "
            "VALUES (?, ?, ?, ?, FALSE)",
            [unit_id, year, predicate, decree_ref],
        )
    elif row[0]:
        raise StoreValidationError(
            f"award {predicate} {unit_id} {year}: this award was revoked on {row[1]}; a revoked award is not "
            "re-issued, record the new award under the year of its decree"
        )
    else:
        con.execute(
            "UPDATE predicate_awards SET decree_ref = ?, demo = FALSE WHERE unit_id = ? AND year = ? AND predicate = ?",
            [decree_ref, unit_id, year, predicate],
        )


def _revoke(
    con: Connection, unit_id: Any, year: Any, predicate: Any, revoked_on: Any, reason: Any
) -> None:
    _require_unit(con, unit_id, "revoke_predicate")
    year = _check_year(year)
    predicate = _check_predicate(predicate)
    where = f"revoke {predicate} {unit_id} {year}"
    when = _check_date(revoked_on, f"{where}: revoked_on")
    if when is None:
        raise StoreValidationError(f"{where}: revoked_on (the date of revocation) is required")
    if when.year < year:
        raise StoreValidationError(f"{where}: revoked_on {when} is before the award year {year}")
    reason = _check_text(reason, f"{where}: reason", max_len=1000)
    row = con.execute(
        "SELECT count(*) FROM predicate_awards WHERE unit_id = ? AND year = ? AND predicate = ?",
        [unit_id, year, predicate],
    ).fetchone()
    if not row[0]:
        raise StoreValidationError(f"{where}: no such award is recorded")
    con.execute(
        "UPDATE predicate_awards SET revoked = TRUE, revoked_on = ?, revoked_reason = ? "
        "WHERE unit_id = ? AND year = ? AND predicate = ?",
        [when, reason, unit_id, year, predicate],
    )



class AwardStore(StoreBase):
    def prerequisites_for(self, unit_id: str, year: int, inherit: bool = True) -> dict[str, Any] | None:
        """The facts recorded for ``unit_id`` in ``year`` (every field, None = unknown), or None if no
        row exists for the unit or (with ``inherit``) any ancestor. With ``inherit``, the instansi-level
        facts (BPK opinion, SAKIP, Indeks RB, SPIP) left empty on the unit come from its nearest
        ancestor that has them."""
        return self.prerequisites_for_year(year, inherit=inherit, unit_ids=[unit_id]).get(unit_id)

    def prerequisites_for_year(
        self, year: int, inherit: bool = True, unit_ids: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """unit id -> facts of ``year`` for every unit that has some (bulk form of prerequisites_for)."""
        year = _as_int(year, "year")
        names = ", ".join(PREREQUISITE_FIELDS)
        with self.reading() as con:
            units = _all_units(con)
            rows = con.execute(
                f"SELECT unit_id, {names} FROM prerequisites WHERE year = ?", [year]
            ).fetchall()
        if unit_ids is not None:
            for uid in unit_ids:
                if uid not in units:
                    raise UnknownUnitError(uid)
        own = {r[0]: dict(zip(PREREQUISITE_FIELDS, r[1:], strict=True)) for r in rows}
        wanted = list(unit_ids) if unit_ids is not None else sorted(units)
        out: dict[str, dict[str, Any]] = {}
        for uid in wanted:
            facts = dict(own[uid]) if uid in own else None
            if inherit:
                parent = units[uid].parent_id
                seen = {uid}
                while parent is not None and parent in units and parent not in seen:
                    seen.add(parent)
                    if parent in own:
                        if facts is None:
                            facts = dict.fromkeys(PREREQUISITE_FIELDS)
                        for f in INSTANSI_FIELDS:
                            if facts[f] is None and own[parent][f] is not None:
                                facts[f] = own[parent][f]
                    parent = units[parent].parent_id
            if facts is not None:
                out[uid] = facts
        return out

    def predicate_history(self, unit_id: str | None = None) -> pd.DataFrame:
        """Awards (newest year last) with their revocation; rows fit zi_metrics.rules.held_predicate."""
        with self.reading() as con:
            return con.execute(
                "SELECT p.unit_id, u.name AS unit_name, u.short_name AS unit_short_name, p.year, "
                "p.predicate, p.decree_ref, p.revoked, p.revoked_on, p.revoked_reason "
                "FROM predicate_awards p "
                "JOIN units u ON u.id = p.unit_id WHERE (?::VARCHAR IS NULL OR p.unit_id = ?::VARCHAR) "
                "ORDER BY p.unit_id, p.year, CASE p.predicate WHEN 'WBK' THEN 0 ELSE 1 END",
                [unit_id, unit_id],
            ).df()

    def awards(self, unit_id: str | None = None) -> list[dict[str, Any]]:
        """predicate_history as a list of dicts (dates as datetime.date)."""
        with self.reading() as con:
            rows = con.execute(
                "SELECT unit_id, year, predicate, decree_ref, revoked, revoked_on, revoked_reason "
                "FROM predicate_awards WHERE (?::VARCHAR IS NULL OR unit_id = ?::VARCHAR) "
                "ORDER BY unit_id, year, predicate DESC",
                [unit_id, unit_id],
            ).fetchall()
        keys = ("unit_id", "year", "predicate", "decree_ref", "revoked", "revoked_on", "revoked_reason")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def save_units_and_facts(
        self,
        units: Sequence[Unit | Mapping[str, Any]],
        facts: Sequence[tuple[str, int, Mapping[str, Any]]],
        *,
        actor: str,
        action: str,
        detail: Mapping[str, Any] | None = None,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> None:
        """Insert or update ``units`` and save ``facts`` ((unit id, year, values) triples) in ONE
        transaction. Each facts mapping is merged over what is stored for that unit and year, read
        inside the transaction: fields it does not name keep their stored value."""
        with self.writing(actor, action, detail, file_name, file_sha256) as con:
            if units:
                _write_units(con, units)
            rows = []
            for year in sorted({y for _, y, _ in facts}):
                stored = self.prerequisites_for_year(year, inherit=False)  # read inside the transaction
                for unit_id, _, values in (f for f in facts if f[1] == year):
                    merged = {**dict.fromkeys(PREREQUISITE_FIELDS), **stored.get(unit_id, {}), **values}
                    rows.append(_prepare_prerequisites(con, unit_id, year, merged))
            _write_prerequisites_many(con, rows)

    def save_prerequisites(
        self,
        unit_id: str,
        year: int,
        values: Mapping[str, Any],
        *,
        actor: str,
        file_name: str | None = None,
        file_sha256: str | None = None,
    ) -> None:
        """Replace the facts of (unit, year) wholly: fields not given become NULL (unknown)."""
        with self.writing(
            actor, "save_prerequisites", {"unit_id": unit_id, "year": year}, file_name, file_sha256
        ) as con:
            uid, y, clean = _prepare_prerequisites(con, unit_id, year, values)
            _write_prerequisites(con, uid, y, clean)

    def award_predicate(
        self, unit_id: str, year: int, predicate: str, decree_ref: str | None = None, *, actor: str
    ) -> None:
        with self.writing(
            actor,
            "award_predicate",
            {"unit_id": unit_id, "year": year, "predicate": predicate, "decree_ref": decree_ref},
        ) as con:
            _award(con, unit_id, year, predicate, decree_ref)

    def revoke_predicate(
        self,
        unit_id: str,
        year: int,
        predicate: str,
        *,
        revoked_on: dt.date | str,
        reason: str | None = None,
        actor: str,
    ) -> None:
        with self.writing(
            actor,
            "revoke_predicate",
            {
                "unit_id": unit_id,
                "year": year,
                "predicate": predicate,
                "revoked_on": revoked_on,
                "reason": reason,
            },
        ) as con:
            _revoke(con, unit_id, year, predicate, revoked_on, reason)

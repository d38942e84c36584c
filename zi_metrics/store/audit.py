"""The audit log: one row per write, written inside the write's own transaction."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.quoting import quoted
from zi_metrics.store.errors import StoreValidationError
from zi_metrics.store.sql import Connection
from zi_metrics.store.validation import _check_text

# The action of a refused sign-in's audit row (zi_metrics.store.sign_in). Such rows record no change
# of data, so the data version ignores them.
SIGN_IN_FAILED = "sign_in_failed"


@dataclass(frozen=True)
class AuditEntry:
    """Who did what (checked before the write starts); ``detail`` is already JSON text. The detail
    mapping given to :meth:`checked` is kept too and stored as it is when the row is written, so a
    write may complete it inside its transaction (what an import found)."""

    actor: str
    action: str
    detail: str | None = None
    file_name: str | None = None
    file_sha256: str | None = None
    detail_source: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def checked(
        cls,
        actor: Any,
        action: Any,
        detail: Mapping[str, Any] | None = None,
        file_name: Any = None,
        file_sha256: Any = None,
    ) -> AuditEntry:
        actor = _check_text(actor, "actor", required=True, max_len=200) or ""
        action = _check_text(action, "action", required=True, max_len=100) or ""
        file_name = _check_text(file_name, "file_name", max_len=500)
        file_sha256 = _check_text(file_sha256, "file_sha256", max_len=64)
        if file_sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", file_sha256):
            raise StoreValidationError(f"file_sha256 {quoted(file_sha256)} is not a SHA-256 hex digest")
        try:
            detail_json = (
                None
                if detail is None
                else json.dumps(dict(detail), ensure_ascii=False, sort_keys=True, default=str)
            )
        except (TypeError, ValueError) as exc:
            raise StoreValidationError(f"audit detail cannot be stored as JSON: {exc}") from None
        return cls(actor, action, detail_json, file_name, file_sha256.lower() if file_sha256 else None, detail)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def write_audit_row(con: Connection, entry: AuditEntry) -> int:
    """Add the audit row of the current transaction; returns its id."""
    detail = entry.detail
    if entry.detail_source is not None:
        try:
            detail = json.dumps(dict(entry.detail_source), ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError) as exc:
            raise StoreValidationError(f"audit detail cannot be stored as JSON: {exc}") from None
    return con.dialect.insert_audit_row(
        con, [utcnow(), entry.actor, entry.action, detail, entry.file_name, entry.file_sha256])


def audit_row_exists(con: Connection, audit_id: int) -> bool:
    return bool(con.execute("SELECT count(*) FROM audit_log WHERE id = ?", [audit_id]).fetchone()[0])


"""The store's errors: ``str(err)`` is always a message a user can read (what, and where)."""

from __future__ import annotations

from zi_metrics.quoting import quoted, shown


class StoreError(Exception):
    """Base of every store error; ``str(err)`` is a message a user can read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreFileError(StoreError):
    """The file is not a DuckDB database, or not a Zona Integritas database, or cannot be read."""


class StoreDamagedError(StoreFileError):
    """The database file is damaged (a checksum does not match, it was cut off, a table or column
    of the schema is missing): it is not read further and never written; restore a backup.

    ``reason`` is a code (``checksum``, ``truncated``, ``missing_table``, ``missing_column``,
    ``unreadable``) with ``detail`` (the table or column, or the engine's words) for a message in
    the user's language (catalogue keys ``error.damaged`` and ``error.damage.<reason>``)."""

    REASONS = {
        "checksum": "a checksum does not match: part of the file was overwritten",
        "truncated": "the file is shorter than its contents say: it was cut off",
        "missing_table": "table {detail} is missing",
        "missing_column": "column {detail} is missing",
        "unreadable": "{detail}",
    }

    def __init__(self, location: str, reason: str, detail: str = "", *, backup: bool = False):
        self.location = location
        self.reason = reason if reason in self.REASONS else "unreadable"
        self.detail = shown(detail)
        why = self.REASONS[self.reason].format(detail=self.detail)
        if backup:
            super().__init__(f"the backup file {location} is damaged ({why}); it cannot be restored, "
                             "use another backup")
        else:
            super().__init__(f"the database file {location} is damaged ({why}); restore it from a backup")


class StoreMissingError(StoreError):
    """The database file does not exist."""


class StoreVersionError(StoreError):
    """The file's schema version is newer than this code knows."""


class StoreBusyError(StoreError):
    """Another process (or thread) held the file for longer than ``busy_timeout``."""


class StoreValidationError(StoreError, ValueError):
    """Input refused before anything was written; the message says what and where."""


class UnknownUnitError(StoreValidationError, LookupError):
    def __init__(self, unit_id: str, where: str = ""):
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}unknown unit {quoted(unit_id)}")
        self.unit_id = unit_id


class UnknownEvaluationError(StoreValidationError, LookupError):
    def __init__(self, what: str):
        super().__init__(f"unknown evaluation {what}")


"""The store's errors: ``str(err)`` is always a message a user can read (what, and where)."""

from __future__ import annotations

from zi_metrics.quoting import quoted


class StoreError(Exception):
    """Base of every store error; ``str(err)`` is a message a user can read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StoreFileError(StoreError):
    """The file is not a DuckDB database, or not a Zona Integritas database, or cannot be read."""


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


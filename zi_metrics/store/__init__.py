"""The store: the one place that holds SQL. Units, evaluation rounds and their answers, prerequisites,
awards and the audit log, in a database behind one interface.

Public interface: the names exported here (``from zi_metrics.store import Store, ...``). Scores
are never stored: :mod:`zi_metrics.scoring` computes them from answers, area points and hasil inputs.

Layout (by responsibility; the modules are private, import from the package):

* ``sql``             the interface between queries and an engine: Connection, Dialect, Backend
* ``duckdb_backend``  the embedded default (a file in ``data/``): short-lived connections, the
                      in-process readers-writer lock, writer priority across processes, busy
                      retries and DuckDB's silent-rollback COMMIT check; its docstring explains the
                      connection model
* ``base``            StoreBase: which database, ``reading()``, ``writing()`` (one transaction with
                      its audit row), ``migrate()``
* ``schema``          tables and migrations, one definition for every backend; meta keys
* ``model``           allowed values of coded columns and the value types (Unit, RoundInputs, ...)
* ``validation``      pure checks run before any SQL
* ``units``           the unit tree
* ``rounds``          writing evaluations; imports of several rounds (save_rounds, round_statuses)
* ``reads``           reading evaluations and the inputs of many rounds for scoring
* ``awards``          prerequisites and predicate awards
* ``follow_ups``      the follow-ups of the assessors' notes (Tindak lanjut): imports keep edits
* ``audit``           audit rows, written inside each write's transaction
* ``dataset``         the database as a whole: kind of data, meta, audit log, replace or clear all
* ``demo_rows``       synthetic demo rows, marked row by row: which are shown, remove them
* ``national``        national scale: columnar round data, bulk scoring and loading
* ``postgres_backend`` PostgreSQL: pooled connections, snapshot reads, advisory locks per round,
                      id sequences, Arrow reads for the national paths
* ``integrity``       is the database whole (tables, columns, every block readable): run on first open
* ``backup``          backup and restore: a verified copy in one DuckDB file, put back whole
* ``transfer``        copy-db: a whole database from one backend to another, verified
* ``workbook_results`` the imported workbook's own total beside a round (issue #10.3)
* ``sign_in``         sign-in state every replica shares: attempts against the limit, audit rows of
                      refused sign-ins, server secrets (the editors' cookie key)

Adding to the store: put the SQL in the module that fits, or a new module (e.g. ``follow_ups`` for
assessors' follow-ups, ``attempts`` for sign-in attempt limits). Functions take a ``Connection``
(``con.execute(sql, params)`` with ``?`` placeholders, portable SQL; anything engine-specific goes
through ``con.dialect``); methods go on a ``StoreBase`` subclass listed among :class:`Store`'s bases
below and use ``self.reading()`` / ``self.writing(actor, action, detail)``. Schema changes are new
entries of ``schema.MIGRATIONS``. Export the public names here. State that is not data and must be
shared by every replica (sign-in attempts) goes through ``self.bookkeeping(what)``: a transaction
without an audit row, so caches keyed on the data version stay valid.

Tests: a store test that takes the ``db_location`` fixture (tests/conftest.py) runs on DuckDB and on
PostgreSQL.
"""

from __future__ import annotations

import os

from zi_metrics.store.audit import SIGN_IN_FAILED
from zi_metrics.store.awards import AwardStore
from zi_metrics.store.backup import (
    BackupReport,
    RestoreReport,
    backup_bytes,
    backup_database,
    describe_backup,
    held_rows,
    restore_database,
)
from zi_metrics.store.base import StoreBase, default_db_path, default_location, is_postgres_url
from zi_metrics.store.dataset import DatasetStore
from zi_metrics.store.demo_rows import DemoRemoval, DemoRows, DemoStore
from zi_metrics.store.errors import (
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFileError,
    StoreMissingError,
    StoreValidationError,
    StoreVersionError,
    UnknownEvaluationError,
    UnknownUnitError,
)
from zi_metrics.store.follow_ups import FollowUpConflictError, FollowUpStore, UnknownFollowUpError
from zi_metrics.store.model import (
    BPK_OPINIONS,
    DATASET_KINDS,
    GRADES,
    INSTANSI_FIELDS,
    INSTANSI_KINDS,
    LEVELS,
    MAX_TEXT,
    MAX_YEAR,
    MIN_YEAR,
    OPTION_CODES,
    OPTION_KEYS,
    PREDICATES,
    PREREQUISITE_FIELDS,
    SOURCES,
    STAGES,
    DatasetContent,
    RoundInputs,
    RoundStatus,
    Unit,
)
from zi_metrics.store.national import (
    AnswerCells,
    BulkScores,
    OverviewData,
    RoundData,
    answer_rows,
    answers_floor,
    bulk_load,
    code_slots,
    option_keys_in_code_order,
    overview_data,
    round_data,
    score_rounds_bulk,
    unit_columns,
)
from zi_metrics.store.reads import RoundReads
from zi_metrics.store.rounds import RoundWrites, round_statuses, save_rounds
from zi_metrics.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLES, Migration
from zi_metrics.store.sign_in import SIGN_IN_REASONS, AttemptSlot, SignInStore
from zi_metrics.store.sql import Connection
from zi_metrics.store.transfer import CopyReport, copy_database
from zi_metrics.store.units import UnitStore
from zi_metrics.store.workbook_results import WorkbookResults, workbook_result


class Store(UnitStore, RoundReads, RoundWrites, AwardStore, FollowUpStore, DatasetStore, DemoStore, WorkbookResults,
            SignInStore, StoreBase):
    """A Zona Integritas database. Cheap to create: nothing is opened until a query runs.

    ``Store(path)`` (default: :func:`default_db_path`); every read opens a connection for that
    read, every write is one transaction through ``writing()``."""


def open_store(
    path: str | os.PathLike[str] | None = None, create: bool = False, busy_timeout: float = 10.0
) -> Store:
    """A Store for ``path`` (default: default_db_path()), migrated to the current schema.

    ``create`` makes a missing database (empty); otherwise a missing one is StoreMissingError.
    """
    store = Store(path, busy_timeout=busy_timeout)
    store.migrate(create=create)
    return store


__all__ = [
    "BPK_OPINIONS",
    "DATASET_KINDS",
    "GRADES",
    "INSTANSI_FIELDS",
    "INSTANSI_KINDS",
    "LEVELS",
    "MAX_TEXT",
    "MAX_YEAR",
    "MIGRATIONS",
    "MIN_YEAR",
    "OPTION_CODES",
    "OPTION_KEYS",
    "PREDICATES",
    "PREREQUISITE_FIELDS",
    "SCHEMA_VERSION",
    "SIGN_IN_FAILED",
    "SIGN_IN_REASONS",
    "SOURCES",
    "STAGES",
    "TABLES",
    "WorkbookResults",
    "AnswerCells",
    "AttemptSlot",
    "BackupReport",
    "RestoreReport",
    "BulkScores",
    "Connection",
    "CopyReport",
    "DatasetContent",
    "DemoRemoval",
    "DemoRows",
    "FollowUpConflictError",
    "Migration",
    "OverviewData",
    "RoundData",
    "RoundInputs",
    "RoundStatus",
    "Store",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreError",
    "StoreFileError",
    "StoreMissingError",
    "StoreValidationError",
    "StoreVersionError",
    "Unit",
    "UnknownEvaluationError",
    "UnknownFollowUpError",
    "UnknownUnitError",
    "answer_rows",
    "backup_bytes",
    "backup_database",
    "describe_backup",
    "held_rows",
    "restore_database",
    "answers_floor",
    "bulk_load",
    "code_slots",
    "copy_database",
    "default_db_path",
    "default_location",
    "is_postgres_url",
    "open_store",
    "option_keys_in_code_order",
    "overview_data",
    "round_data",
    "round_statuses",
    "save_rounds",
    "score_rounds_bulk",
    "unit_columns",
    "workbook_result",
]

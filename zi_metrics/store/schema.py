"""Schema and migrations: one definition for every backend.

The statements use types and syntax DuckDB and PostgreSQL both take (``DOUBLE PRECISION``, ``TEXT``,
``CHECK``, composite primary keys). A schema change is a new :class:`Migration` appended to
MIGRATIONS (never an edit of a released one); :meth:`Store.migrate` applies the missing ones in one
transaction. Whatever a backend needs beyond the tables (PostgreSQL's id sequences) its dialect
adds after the migrations, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from zi_metrics.store.sql import Connection


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


# Tables whose rows say whether they are synthetic demo rows (column ``demo``, migration 4).
DEMO_MARKED_TABLES: tuple[str, ...] = ("units", "evaluations", "prerequisites", "predicate_awards")

# answers.answer_option as migration 6 defines it: the 1-based position of the option key in
# store.model.OPTION_KEYS (A-E, Ya, Tidak), 0 for any other text, a number or nothing. Frozen with
# the migration: giving a new key a number is a new migration (and a new OPTION_KEYS entry).
_OPTION_CODE_V6 = ("coalesce(CASE answer_text WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 WHEN 'D' THEN 4 "
                   "WHEN 'E' THEN 5 WHEN 'Ya' THEN 6 WHEN 'Tidak' THEN 7 END, 0)")

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "first schema",
        (
            """CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        )""",
            """CREATE TABLE units (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            short_name TEXT,
            parent_id TEXT,
            level TEXT NOT NULL CHECK (level IN ('instansi', 'eselon1', 'eselon2', 'satker')),
            instansi_kind TEXT NOT NULL CHECK (instansi_kind IN ('kementerian_lembaga', 'pemerintah_daerah')),
            afirmasi BOOLEAN NOT NULL DEFAULT FALSE
        )""",
            """CREATE TABLE evaluations (
            id INTEGER PRIMARY KEY,
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('mandiri', 'tpi', 'tpn')),
            framework_id TEXT NOT NULL,
            evaluated_on DATE,
            source TEXT NOT NULL CHECK (source IN ('answers', 'recap')),
            UNIQUE (unit_id, year, stage)
        )""",
            """CREATE TABLE answers (
            evaluation_id INTEGER NOT NULL,
            question_id INTEGER NOT NULL,
            answer_text TEXT,
            answer_number DOUBLE PRECISION,
            note TEXT,
            evidence_ref TEXT,
            PRIMARY KEY (evaluation_id, question_id),
            CHECK (answer_text IS NULL OR answer_number IS NULL)
        )""",
            """CREATE TABLE area_points (
            evaluation_id INTEGER NOT NULL,
            area_code TEXT NOT NULL,
            points DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (evaluation_id, area_code)
        )""",
            """CREATE TABLE hasil_inputs (
            evaluation_id INTEGER NOT NULL,
            item_code TEXT NOT NULL,
            value_number DOUBLE PRECISION,
            value_text TEXT,
            PRIMARY KEY (evaluation_id, item_code)
        )""",
            """CREATE TABLE prerequisites (
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            bpk_opinion TEXT,
            bpk_opinion_previous TEXT,
            sakip_grade TEXT,
            indeks_rb_grade TEXT,
            spip_level DOUBLE PRECISION,
            tl_percent DOUBLE PRECISION,
            lhkpn_percent DOUBLE PRECISION,
            lhkasn_percent DOUBLE PRECISION,
            zi_started_year INTEGER,
            unit_sakip_grade TEXT,
            core_service BOOLEAN,
            eselon_level INTEGER,
            strategic_service BOOLEAN,
            large_resources BOOLEAN,
            reform_track_record BOOLEAN,
            PRIMARY KEY (unit_id, year)
        )""",
            """CREATE TABLE predicate_awards (
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            predicate TEXT NOT NULL CHECK (predicate IN ('WBK', 'WBBM')),
            decree_ref TEXT,
            revoked BOOLEAN NOT NULL DEFAULT FALSE,
            revoked_on DATE,
            PRIMARY KEY (unit_id, year, predicate)
        )""",
            """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            "at" TIMESTAMP NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT,
            file_name TEXT,
            file_sha256 TEXT
        )""",
        ),
    ),
    Migration(
        2,
        "record why a predicate was revoked",
        ("ALTER TABLE predicate_awards ADD COLUMN revoked_reason TEXT",),
    ),
    Migration(
        3,
        "the workbook's own total of an imported round (issue #10.3)",
        (
            """CREATE TABLE workbook_results (
            evaluation_id INTEGER PRIMARY KEY,
            sheet TEXT,
            cell TEXT,
            total_number DOUBLE PRECISION,
            total_text TEXT,
            detail TEXT
        )""",
        ),
    ),
    Migration(
        4,
        "demo rows marked row by row (units, rounds, facts, awards) instead of one flag for the database",
        (
            *(f"ALTER TABLE {table} ADD COLUMN demo BOOLEAN DEFAULT FALSE" for table in DEMO_MARKED_TABLES),
            # A database the demo filled (and nothing else since): every row is a demo row. One that
            # also holds real data says 'real' here: zi_metrics.demo.recognise_demo_rows finds its
            # demo rows by comparing them with the demo generator's.
            *(f"UPDATE {table} SET demo = EXISTS (SELECT 1 FROM meta WHERE key = 'dataset' AND value = 'demo')"
              for table in DEMO_MARKED_TABLES),
            "DELETE FROM meta WHERE key = 'dataset' AND value <> 'real'",
        ),
    ),
    Migration(
        5,
        "assessor stage tpi_eselon1 (the eselon-I review before the ministry's TPI); follow-ups of the "
        "assessors' notes",
        (
            # A CHECK constraint cannot be altered in DuckDB: the table is rebuilt with the new list
            # (no foreign key points at it; ids, rows, the demo marks and the unique key are kept).
            """CREATE TABLE evaluations_v5 (
            id INTEGER PRIMARY KEY,
            unit_id TEXT NOT NULL,
            year INTEGER NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('mandiri', 'tpi_eselon1', 'tpi', 'tpn')),
            framework_id TEXT NOT NULL,
            evaluated_on DATE,
            source TEXT NOT NULL CHECK (source IN ('answers', 'recap')),
            demo BOOLEAN DEFAULT FALSE,
            UNIQUE (unit_id, year, stage)
        )""",
            "INSERT INTO evaluations_v5 (id, unit_id, year, stage, framework_id, evaluated_on, source, demo) "
            "SELECT id, unit_id, year, stage, framework_id, evaluated_on, source, demo FROM evaluations",
            "DROP TABLE evaluations",
            "ALTER TABLE evaluations_v5 RENAME TO evaluations",
            """CREATE TABLE follow_ups (
            evaluation_id INTEGER NOT NULL,
            question_id INTEGER NOT NULL,
            pic TEXT,
            due_date DATE,
            status TEXT NOT NULL CHECK (status IN ('belum', 'proses', 'selesai')),
            note_addressed BOOLEAN,
            evidence_period_ok BOOLEAN,
            evidence_named_ok BOOLEAN,
            evidence_url TEXT,
            edited BOOLEAN NOT NULL DEFAULT FALSE,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TIMESTAMP,
            updated_by TEXT,
            PRIMARY KEY (evaluation_id, question_id)
        )""",
        ),
    ),
    Migration(
        6,
        "each option answer's key also as a small integer (answer_option) beside its text, checked by "
        "the database, so that whole rounds are read without casting texts",
        (
            # Rebuilt (like evaluations in 5): DuckDB cannot add a CHECK constraint to a table in
            # place. Rows are copied in key order with their numbers filled in.
            f"""CREATE TABLE answers_v6 (
            evaluation_id INTEGER NOT NULL,
            question_id INTEGER NOT NULL,
            answer_text TEXT,
            answer_number DOUBLE PRECISION,
            note TEXT,
            evidence_ref TEXT,
            answer_option SMALLINT NOT NULL DEFAULT 0,
            PRIMARY KEY (evaluation_id, question_id),
            CHECK (answer_text IS NULL OR answer_number IS NULL),
            CHECK (answer_option = {_OPTION_CODE_V6})
        )""",
            "INSERT INTO answers_v6 (evaluation_id, question_id, answer_text, answer_number, note, evidence_ref, "
            f"answer_option) SELECT evaluation_id, question_id, answer_text, answer_number, note, evidence_ref, "
            f"{_OPTION_CODE_V6} FROM answers ORDER BY evaluation_id, question_id",
            "DROP TABLE answers",
            "ALTER TABLE answers_v6 RENAME TO answers",
        ),
    ),
    Migration(
        7,
        "state every replica shares that is not data: sign-in attempts (the attempt limit) and server "
        "secrets (the key that signs editors' sign-in cookies)",
        (
            """CREATE TABLE sign_in_attempts (
            user_key TEXT NOT NULL,
            "at" TIMESTAMP NOT NULL
        )""",
            """CREATE TABLE server_secrets (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
        ),
    ),
)
SCHEMA_VERSION: int = MIGRATIONS[-1].version

# The tables of the current schema, in a stable order (tests and dumps use it).
TABLES: tuple[str, ...] = (
    "meta",
    "units",
    "evaluations",
    "answers",
    "area_points",
    "hasil_inputs",
    "prerequisites",
    "predicate_awards",
    "workbook_results",
    "follow_ups",
    "sign_in_attempts",
    "server_secrets",
    "audit_log",
)
DATA_TABLES: tuple[str, ...] = (
    "units",
    "evaluations",
    "answers",
    "area_points",
    "hasil_inputs",
    "prerequisites",
    "predicate_awards",
    "workbook_results",
    "follow_ups",
)


def schema_version(con: Connection) -> int | None:
    """0 for an empty database, the stored version, or None when it is not a ZI database."""
    tables = con.dialect.table_names(con)
    if not tables:
        return 0
    if "meta" not in tables:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] is None or not str(row[0]).strip().isdigit():
        return None
    return int(row[0])


def get_meta(con: Connection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else row[0]


def set_meta(con: Connection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )

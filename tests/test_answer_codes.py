"""Schema version 6: each option answer's key stored beside its text as a small integer
(answers.answer_option), so that whole rounds are read without casting texts (issue #14.1).

The number is written by every writer, checked by the database, filled in for existing databases
by the migration (one transaction), and read by the national scan; the scores it gives are the
reference scorer's."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from zi_metrics import analytics, bulk
from zi_metrics.framework import list_frameworks, load_framework
from zi_metrics.store import (
    MIGRATIONS,
    OPTION_CODES,
    OPTION_KEYS,
    SCHEMA_VERSION,
    Store,
    StoreError,
    Unit,
    bulk_load,
    open_store,
    round_data,
)
from zi_metrics.store import national as store_national
from zi_metrics.store import schema as store_schema

F90 = "permenpanrb-90-2021"


def _stored_codes(store: Store) -> dict[tuple[int, int], tuple[str | None, float | None, int]]:
    with store.reading() as con:
        rows = con.execute("SELECT evaluation_id, question_id, answer_text, answer_number, answer_option "
                           "FROM answers").fetchall()
    return {(int(e), int(q)): (t, n, int(o)) for e, q, t, n, o in rows}


def test_every_key_of_every_framework_has_its_number_and_the_migration_agrees():
    for fid in list_frameworks():
        fw = load_framework(fid)
        keys = {k for q in fw.questions.values() for k in q.options or {}}
        assert keys <= set(OPTION_KEYS), fid  # no framework's text has to be read to score it
    assert OPTION_CODES == {k: i for i, k in enumerate(OPTION_KEYS, start=1)}
    with duckdb.connect() as con:  # migration 6's own SQL, over every key and a few other values
        got = con.execute(f"SELECT answer_text, {store_schema._OPTION_CODE_V6} FROM (SELECT unnest(?) AS answer_text)",
                          [[*OPTION_KEYS, "a", "ya", "F", "", None]]).fetchall()
    assert dict(got) == {**OPTION_CODES, "a": 0, "ya": 0, "F": 0, "": 0, None: 0}


def test_saved_and_bulk_loaded_answers_carry_their_numbers_and_the_database_refuses_a_wrong_one(db_location):
    store = open_store(db_location, create=True)
    store.upsert_unit(Unit("u", "Unit U", "instansi"), actor="t")
    answers = {1: "Ya", 2: "B", 3: {"answer": None, "note": "belum dijawab"}, 88: 12, 125: 3.41}
    eid = store.save_evaluation("u", 2026, "tpi", F90, answers=answers, actor="t")
    assert _stored_codes(store) == {(eid, 1): ("Ya", None, 6), (eid, 2): ("B", None, 2), (eid, 3): (None, None, 0),
                                    (eid, 88): (None, 12.0, 0), (eid, 125): (None, 3.41, 0)}
    units = pd.DataFrame({"id": ["v"], "name": ["Unit V"], "short_name": None, "parent_id": None,
                          "level": "instansi", "instansi_kind": "pemerintah_daerah", "afirmasi": False})
    evaluations = pd.DataFrame({"id": [1], "unit_id": ["v"], "year": 2026, "stage": "tpi", "framework_id": F90,
                                "evaluated_on": None, "source": "answers"})
    bulk_answers = pd.DataFrame({"evaluation_id": [1, 1, 1], "question_id": [1, 14, 88],
                                 "answer_text": ["Tidak", "E", None], "answer_number": [np.nan, np.nan, 7.0]})
    bulk_load(store, units, evaluations, bulk_answers, actor="t")
    loaded = {q: v for (e, q), v in _stored_codes(store).items() if e != eid}
    assert loaded == {1: ("Tidak", None, 7), 14: ("E", None, 5), 88: (None, 7.0, 0)}
    for text, code in (("A", 2), ("A", 0), (None, 1)):
        with pytest.raises(StoreError), store.writing("t", "raw") as con:
            con.execute("INSERT INTO answers (evaluation_id, question_id, answer_text, answer_option) "
                        "VALUES (?, 5, ?, ?)", [eid, text, code])
    assert len(_stored_codes(store)) == 8


def _version_5_database(path) -> None:
    with duckdb.connect(str(path)) as con:
        for migration in MIGRATIONS[:5]:
            for statement in migration.statements:
                con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', '5')")
        con.execute("INSERT INTO units VALUES ('u', 'Unit U', NULL, NULL, 'instansi', 'kementerian_lembaga', false, "
                    "false)")
        con.execute(f"INSERT INTO evaluations VALUES (3, 'u', 2025, 'tpi', '{F90}', NULL, 'answers', false), "
                    f"(4, 'u', 2025, 'tpn', '{F90}', NULL, 'answers', false)")
        fw = load_framework(F90)
        rows = []
        for eid in (4, 3):  # stored out of key order, as rounds saved one after another are
            for q in sorted(fw.questions, reverse=eid == 4):
                question = fw.questions[q]
                if question.kind == "option":
                    keys = sorted(question.options)
                    rows.append((eid, q, keys[(q + eid) % len(keys)], None, f"catatan {q}" if q % 9 == 0 else None))
                elif q % 7 != 0:  # some counts left empty: provisional scores
                    rows.append((eid, q, None, float((q * eid) % 5) if question.kind == "count" else 3.25, None))
        rows.append((3, 88, None, None, "jumlah belum ada"))
        rows = [r for r in rows if not (r[0] == 3 and r[1] == 88 and r[3] is not None)]
        con.executemany("INSERT INTO answers (evaluation_id, question_id, answer_text, answer_number, note) "
                        "VALUES (?, ?, ?, ?, ?)", rows)


def test_a_version_5_database_gets_the_numbers_in_one_transaction_and_scores_the_same(tmp_path):
    path = tmp_path / "v5.duckdb"
    _version_5_database(path)
    with duckdb.connect(str(path), read_only=True) as con:
        before = sorted(con.execute("SELECT * FROM answers").fetchall())
    store = Store(path)
    assert store.migrate() == (5, SCHEMA_VERSION)  # through migration 6 (answer_option) and every later one
    after = _stored_codes(store)
    assert sorted((e, q, t, n) for (e, q), (t, n, _) in after.items()) == sorted(r[:4] for r in before)
    assert all(code == OPTION_CODES.get(t, 0) for t, _, code in after.values())
    assert all(code > 0 for t, _, code in after.values() if t is not None)
    assert store.answers_for(3)[9]["note"] == "catatan 9" and store.answers_for(3)[88]["note"] == "jumlah belum ada"
    reference = {r.input.evaluation_id: r.scorecard for r in analytics.score_round(store, 2025, "tpi")}
    reference.update({r.input.evaluation_id: r.scorecard for r in analytics.score_round(store, 2025, "tpn")})
    frame = bulk.score_round_data(round_data(store, bulk.round_layouts(), 2025))[F90]
    assert frame.evaluation_id.tolist() == [3, 4]
    for i, eid in enumerate(frame.evaluation_id.tolist()):
        card = reference[eid]
        assert frame.total[i] == pytest.approx(card.total, abs=1e-9)
        assert frame.areas[i].tolist() == pytest.approx([a.score for a in card.areas.values()], abs=1e-9)
        assert bool(frame.provisional[i]) == card.provisional
    assert frame.provisional.all()  # counts left empty
    assert list(store.audit_log(5)["action"])[0] == "migrate"


def test_a_failing_upgrade_leaves_the_version_5_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "v5.duckdb"
    _version_5_database(path)
    with duckdb.connect(str(path), read_only=True) as con:
        before = sorted(con.execute("SELECT * FROM answers").fetchall())
    broken = store_schema.Migration(6, "broken", (*MIGRATIONS[5].statements, "SELECT * FROM no_such_table"))
    monkeypatch.setattr(store_schema, "MIGRATIONS", (*MIGRATIONS[:5], broken))
    with pytest.raises(StoreError, match="nothing was changed"):
        Store(path).migrate()
    with duckdb.connect(str(path), read_only=True) as con:
        assert sorted(con.execute("SELECT * FROM answers").fetchall()) == before
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)
        assert "answer_option" not in {r[0] for r in con.execute("DESCRIBE answers").fetchall()}


def test_a_key_without_a_stored_number_is_read_through_its_text():
    # A future framework's key ("F") is stored with answer_option 0 until a migration numbers it:
    # the scan then finds its code from the text, after OPTION_KEYS.
    keys = store_national.option_keys_in_code_order(["A", "F", "Ya"])
    assert keys == (*OPTION_KEYS, "F")
    con = duckdb.connect()
    con.register("answers", pd.DataFrame({
        "evaluation_id": [5, 5, 5, 6, 6], "question_id": [1, 2, 3, 1, 3],
        "answer_text": ["A", "F", None, "Ya", "G"], "answer_number": [None, None, 4.0, None, None],
        "answer_option": np.array([1, 0, 0, 6, 0], dtype=np.int16)}))
    cells = store_national._answer_cells(con, "future", (["A", "F", "Ya"], 1, 3, 3), np.array([5, 6]), {})
    slots = store_national.code_slots(keys)
    assert slots == 16 and cells.rows == 2 and cells.span == 3
    got = {(int(c) // slots // 3, int(c) // slots % 3 + 1): int(c) % slots for c in cells.cells}
    assert got == {(0, 1): 1, (0, 2): len(OPTION_KEYS) + 1, (0, 3): 0, (1, 1): 6, (1, 3): 0}  # "G": no key
    assert cells.number_cells.tolist() == [0] and cells.numbers.tolist() == [4.0]

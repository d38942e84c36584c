"""Schema version 4: the stage tpi_eselon1 (the table of evaluations rebuilt with its ids, rows and
unique key) and the follow_ups table, reached from a version-2 database that holds data."""

from __future__ import annotations

import duckdb
import pytest

from zi_metrics.stages import STAGES
from zi_metrics.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreValidationError, open_store
from zi_metrics.store.model import STAGES as STORE_STAGES

F90 = "permenpanrb-90-2021"


def test_every_list_of_stages_is_the_one_of_zi_metrics_stages():
    from zi_metrics import analytics
    from zi_metrics.lke import common

    assert STAGES == ("mandiri", "tpi_eselon1", "tpi", "tpn")
    assert STORE_STAGES == common.STAGES == analytics.STAGES == STAGES
    assert [analytics.stage_order(s) for s in STAGES] == [0, 1, 2, 3]


def test_a_version_2_database_with_rounds_is_upgraded_in_place(tmp_path):
    path = tmp_path / "v2.duckdb"
    with duckdb.connect(str(path)) as con:
        for migration in MIGRATIONS[:2]:
            for statement in migration.statements:
                con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', '2'), ('dataset', 'real')")
        con.execute("INSERT INTO units VALUES ('u', 'Unit U', NULL, NULL, 'instansi', 'kementerian_lembaga', false)")
        con.execute(f"INSERT INTO evaluations VALUES (7, 'u', 2025, 'tpi', '{F90}', DATE '2025-05-02', 'answers'),"
                    f" (9, 'u', 2025, 'tpn', '{F90}', NULL, 'answers')")
        con.execute("INSERT INTO answers VALUES (7, 1, 'Ya', NULL, 'catatan TPI', NULL), "
                    "(9, 1, 'Tidak', NULL, NULL, NULL)")
    store = Store(path)
    assert store.schema_version() == 2
    assert store.stages_for(2025) == ["tpi", "tpn"]  # any use upgrades first
    assert store.schema_version() == SCHEMA_VERSION >= 4
    assert store.evaluation_id("u", 2025, "tpi") == 7 and store.evaluation_id("u", 2025, "tpn") == 9
    assert store.answers_for(7)[1]["note"] == "catatan TPI"
    eid = store.save_evaluation("u", 2025, "tpi_eselon1", F90, answers={1: "Ya", 2: "B"}, actor="t")
    assert eid == 10 and store.stages_for(2025) == ["tpi_eselon1", "tpi", "tpn"]
    assert list(store.evaluations(year=2025)["stage"]) == ["tpi_eselon1", "tpi", "tpn"]  # assessment order
    with pytest.raises(StoreValidationError, match="stage 'eselon' is not one of mandiri, tpi_eselon1, tpi, tpn"):
        store.save_evaluation("u", 2025, "eselon", F90, answers={1: "Ya"}, actor="t")
    with duckdb.connect(str(path)) as con:  # the database itself still refuses other stages and duplicates
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO evaluations (id, unit_id, year, stage, framework_id, source) "
                        f"VALUES (11, 'u', 2025, 'x', '{F90}', 'answers')")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO evaluations (id, unit_id, year, stage, framework_id, source) "
                        f"VALUES (12, 'u', 2025, 'tpi', '{F90}', 'answers')")
        assert con.execute("SELECT count(*) FROM follow_ups").fetchone() == (0,)
    assert list(store.audit_log(10)["action"])[-1] == "migrate"


def test_a_new_database_takes_every_stage(tmp_path):
    store = open_store(tmp_path / "new.duckdb", create=True)
    store.upsert_unit({"id": "u", "name": "U", "level": "instansi"}, actor="t")
    for stage in STAGES:
        store.save_evaluation("u", 2026, stage, F90, answers={1: "Ya"}, actor="t")
    assert store.stages_for(2026) == list(STAGES)

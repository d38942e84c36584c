"""Demo rows marked row by row (issue #10.8): which views show one, a real write beside the demo,
removing exactly the demo rows, the CLI, and databases from before the marks (migration 4 and the
recognition of their demo rows)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from zi_metrics.__main__ import main
from zi_metrics.database import ensure_database
from zi_metrics.demo import ITJEN, KKP_PEER, PILOT_A, SETJEN, DemoRefusedError, seed_demo
from zi_metrics.store import SCHEMA_VERSION, Store, Unit, open_store, save_rounds

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lke"))
from lke_builders import full_answers  # noqa: E402

F90 = "permenpanrb-90-2021"
MARKED = ("units", "evaluations", "prerequisites", "predicate_awards")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    seed_demo(open_store(path, create=True))
    return path


@pytest.fixture
def demo(seeded: Path, tmp_path: Path) -> Store:
    path = tmp_path / "zi.duckdb"
    shutil.copyfile(seeded, path)
    return Store(path)


def counts(store: Store) -> dict[str, tuple[int, int]]:
    """table -> (demo rows, real rows)."""
    with store.reading() as con:
        return {t: con.execute(f"SELECT count(*) FILTER (WHERE demo), count(*) FILTER (WHERE NOT demo) "
                               f"FROM {t}").fetchone() for t in MARKED}


def real_round(unit_id: str, year: int, stage: str) -> dict:
    return {"unit_id": unit_id, "year": year, "stage": stage, "framework_id": F90, "answers": full_answers()}


def test_the_demo_marks_every_row_and_views_say_which_show_one(demo: Store):
    assert demo.dataset_kind() == "demo"
    assert all(real == 0 and n > 0 for n, real in counts(demo).values())
    rows = demo.demo_rows()
    assert len(rows.units) == 16 and len(rows.rounds) == 143
    assert rows.shown(year=2025, stage="tpn") and rows.shown(unit_id=ITJEN) and rows.shown()
    assert not rows.shown(year=2030, stage="tpi") and not rows.shown(unit_id="tidak-ada")


def test_real_rows_beside_the_demo_keep_the_banner_where_demo_rows_are_shown(demo: Store):
    demo.upsert_units([Unit("tangsel", "Pemerintah Kota Tangerang Selatan", "instansi", "pemerintah_daerah")],
                      actor="ana")
    save_rounds(demo, [real_round("tangsel", 2027, "tpi")], actor="ana")
    assert demo.dataset_kind() == "mixed"
    rows = demo.demo_rows()
    assert not rows.shown(unit_id="tangsel") and not rows.shown(year=2027, stage="tpi")  # only real rows there
    assert rows.shown(year=2025, stage="tpi")  # still the demo's round
    # A real import over a demo round makes that round real; its unit stays a demo unit.
    save_rounds(demo, [real_round(SETJEN, 2025, "tpn")], actor="ana")
    rows = demo.demo_rows()
    assert (SETJEN, 2025, "tpn") not in rows.rounds and (SETJEN, 2025, "tpi") in rows.rounds
    assert rows.shown(unit_id=SETJEN, year=2025, stage="tpn")  # the unit (its name, its facts) is the demo's
    # Registering the demo unit's id as a real unit claims it.
    demo.upsert_units([Unit(SETJEN, "Sekretariat Jenderal", "eselon1", parent_id="kemendesa")], actor="ana")
    assert SETJEN not in demo.demo_rows().units
    with pytest.raises(DemoRefusedError):
        seed_demo(demo)  # real rows: the demo would replace them


def test_remove_demo_deletes_exactly_the_demo_rows(demo: Store):
    demo.upsert_units([Unit("tangsel", "Pemerintah Kota Tangerang Selatan", "instansi", "pemerintah_daerah"),
                       Unit("kemendesa-itjen-irwil-2", "Inspektorat II", "eselon2", parent_id=ITJEN)], actor="ana")
    save_rounds(demo, [real_round("tangsel", 2027, "tpi"), real_round(KKP_PEER, 2025, "tpi")], actor="ana")
    with demo.reading() as con:
        real_before = {t: sorted(con.execute(f"SELECT * FROM {t} WHERE NOT demo").fetchall(), key=str)
                       for t in ("evaluations", "prerequisites", "predicate_awards")}
        real_answers = con.execute("SELECT count(*) FROM answers a JOIN evaluations e ON e.id = a.evaluation_id "
                                   "WHERE NOT e.demo").fetchone()[0]
    removal = demo.remove_demo(actor="ana")
    # The demo units that real rows need stay, as real units: the Itjen (a real sub-unit under it),
    # the peer (a real round), and their ancestors.
    assert removal.kept_units == ("kemendesa", ITJEN, "kkp", "kkp-djpb", KKP_PEER)
    assert (removal.rounds, removal.units) == (142, 16 - 5)  # the peer's 2025 TPI demo round was replaced
    assert demo.dataset_kind() == "real" and not demo.demo_rows().any()
    with demo.reading() as con:
        assert {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=str)
                for t in ("evaluations", "prerequisites", "predicate_awards")} == real_before
        assert con.execute("SELECT count(*) FROM answers").fetchone()[0] == real_answers  # no orphan answers
        assert con.execute("SELECT count(*) FROM area_points").fetchone()[0] == 0  # the demo's 2018 recaps
    assert {u.id for u in demo.list_units()} == {"tangsel", "kemendesa", ITJEN, "kemendesa-itjen-irwil-2", "kkp",
                                                 "kkp-djpb", KKP_PEER}
    assert "demo_seed" not in demo.meta()
    log = demo.audit_log(1).iloc[0]
    assert (log["actor"], log["action"]) == ("ana", "remove_demo")
    # The demo can be loaded again once no real row is left... here real rows remain: refused.
    with pytest.raises(DemoRefusedError):
        seed_demo(demo)


def test_remove_demo_on_a_demo_only_database_empties_it(demo: Store):
    removal = demo.remove_demo(actor="ana")
    assert (removal.units, removal.rounds, removal.kept_units) == (16, 143, ())
    assert demo.dataset_kind() == "empty"
    seed_demo(demo)  # an empty database takes the demo again
    assert demo.dataset_kind() == "demo"


def test_cli_remove_demo(demo: Store, capsys: pytest.CaptureFixture[str]):
    assert main(["remove-demo", "--db", str(demo.path), "--actor", "budi"]) == 0
    out = capsys.readouterr().out
    assert "16 units, 143 evaluations" in out
    assert main(["remove-demo", "--db", str(demo.path)]) == 0
    assert "holds no demo data" in capsys.readouterr().out


def test_bulk_demo_data_is_marked(tmp_path: Path):
    import pandas as pd

    from zi_metrics.store import bulk_load

    store = open_store(tmp_path / "bulk.duckdb", create=True)
    units = pd.DataFrame([{"id": "b", "name": "B", "level": "instansi", "instansi_kind": "kementerian_lembaga",
                           "parent_id": None, "short_name": None, "afirmasi": False}])
    evaluations = pd.DataFrame([{"id": 1, "unit_id": "b", "year": 2025, "stage": "tpi", "framework_id": F90,
                                 "source": "answers"}])
    answers = pd.DataFrame({"evaluation_id": pd.Series([1], dtype="int64"),
                            "question_id": pd.Series([1], dtype="int64"),
                            "answer_text": pd.Series(["Ya"], dtype=object),
                            "answer_number": pd.Series([None], dtype="float64")})
    bulk_load(store, units, evaluations, answers, actor="bench", dataset="demo")
    assert store.demo_rows().rounds == frozenset({("b", 2025, "tpi")}) and store.dataset_kind() == "demo"


# ---------------------------------------------------------------------------------------------
# Databases from before the marks


def _make_legacy(path: Path, dataset: str) -> None:
    """Turn a current database into one of schema version 3 holding the old whole-database flag
    (without what versions 4 and later added: the demo marks, the follow-ups table, and version 7's
    sign-in attempts and server secrets)."""
    con = duckdb.connect(str(path))
    for table in MARKED:
        con.execute(f"ALTER TABLE {table} DROP COLUMN demo")
    for table in ("follow_ups", "sign_in_attempts", "server_secrets"):
        con.execute(f"DROP TABLE {table}")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.execute("INSERT INTO meta VALUES ('dataset', ?)", [dataset])
    con.close()


def test_an_old_demo_database_is_marked_whole_by_the_migration(demo: Store):
    _make_legacy(demo.path, "demo")
    store = ensure_database(demo.path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.dataset_kind() == "demo" and len(store.demo_rows().rounds) == 143
    assert "dataset" not in store.meta()


def test_an_old_database_with_real_data_added_has_its_demo_rows_recognised(demo: Store,
                                                                          capsys: pytest.CaptureFixture[str]):
    """The state issue #10 reports: one real import made every synthetic evaluation pass for an
    official one. After the upgrade the rows identical to the demo generator's are demo rows again;
    the round the real import replaced, the real award and the real unit are not."""
    demo.upsert_units([Unit("tangsel", "Pemerintah Kota Tangerang Selatan", "instansi", "pemerintah_daerah")],
                      actor="ana")
    save_rounds(demo, [real_round(ITJEN, 2025, "tpn")], actor="ana")
    demo.award_predicate(PILOT_A, 2026, "WBBM", "Kepmen nyata 2026", actor="ana")
    demo.award_predicate(PILOT_A, 2023, "WBK", "KEPMENPANRB nyata", actor="ana")  # the demo's award, re-recorded
    _make_legacy(demo.path, "real")
    assert main(["init-db", "--db", str(demo.path)]) == 0
    assert "demo rows recognised and marked" in capsys.readouterr().out
    store = Store(demo.path)
    rows = store.demo_rows()
    assert store.dataset_kind() == "mixed"
    assert len(rows.rounds) == 142 and (ITJEN, 2025, "tpn") not in rows.rounds
    assert "tangsel" not in rows.units and len(rows.units) == 16
    awards = {(a["unit_id"], a["year"]): a for a in store.awards()}
    with store.reading() as con:
        real_awards = con.execute("SELECT unit_id, year FROM predicate_awards WHERE NOT demo ORDER BY year").fetchall()
    assert real_awards == [(PILOT_A, 2023), (PILOT_A, 2026)] and (PILOT_A, 2026) in awards
    # Runs once: the old flag is gone, a second start changes nothing.
    version = store.data_version()
    ensure_database(demo.path)
    assert store.data_version() == version


def test_demo_rows_of_a_national_demo_stay_small():
    """The dashboard keeps DemoRows for every banner: 10,000 demo units with 3 rounds each (unit ids
    as separate str objects, as each query returns them) take well under the 15 MiB that a tuple
    per round and two indexes of them took, and still answer as a set of (unit, year, stage)."""
    import tracemalloc

    from zi_metrics.store import DemoRows

    ids = [f"unit-{n:05d}" for n in range(10_000)]
    rounds = [("".join(u), 2025, s) for s in ("mandiri", "tpi", "tpn") for u in ids]
    tracemalloc.start()
    try:
        rows = DemoRows.of(["".join(u) for u in ids], rounds, [], ["".join(ids[0])])
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert size < 1.5 * 2**20, f"{size / 2**20:.1f} MiB"  # the four equal sets are one
    assert len(rows.rounds) == 30_000 and ("unit-00007", 2025, "tpi") in rows.rounds
    assert ("unit-00007", 2024, "tpi") not in rows.rounds and set(rows.rounds) == set(rounds)
    assert rows.shown(unit_id="unit-00007", year=2025, stage="tpn") and not rows.shown(year=2024)

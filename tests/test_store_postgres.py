"""What only the PostgreSQL backend does: writers in parallel (one round's writers wait for each
other, other rounds' do not), a lock held beyond the busy timeout, two replicas migrating at once,
and the national paths (Arrow into DuckDB) giving what the DuckDB file gives, number for number.

Waits are on conditions (the server's own pg_locks), never on durations."""

from __future__ import annotations

import threading
import time
from typing import Any

import pandas as pd
import psycopg
import pytest

from zi_metrics import analytics, bulk
from zi_metrics.database import ensure_database
from zi_metrics.framework import list_frameworks, load_framework
from zi_metrics.store import (
    TABLES,
    Store,
    StoreBusyError,
    Unit,
    copy_database,
    open_store,
    overview_data,
    round_data,
    save_rounds,
    score_rounds_bulk,
)

F90 = "permenpanrb-90-2021"
ROUND = ("kem-itjen", 2024, "tpi")


def _units(store: Store) -> Store:
    store.upsert_units([Unit("kem", "Kementerian", "instansi"),
                        Unit("kem-itjen", "Itjen", "eselon1", parent_id="kem"),
                        Unit("kem-setjen", "Setjen", "eselon1", parent_id="kem")], actor="t")
    return store


def _waiting_for_advisory_locks(server: str) -> int:
    with psycopg.connect(server, autocommit=True) as con:
        return con.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()[0]


def _until(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


@pytest.fixture
def held_round(pg_url: str) -> Any:
    """A thread holding the write lock of ROUND until the test sets the returned event."""
    store = _units(open_store(pg_url, create=True))
    holding, release, errors = threading.Event(), threading.Event(), []

    def hold() -> None:
        try:
            with Store(pg_url).writing("holder", "hold") as con:
                con.dialect.lock_rounds(con, [ROUND])
                holding.set()
                release.wait(120)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            holding.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(60) and not errors, errors
    yield store, release
    release.set()
    thread.join(60)
    assert not errors, errors


def test_writers_of_one_round_wait_for_each_other_and_of_another_round_do_not(held_round, pg_server):
    store, release = held_round
    # Another round is written while ROUND is held (this returns: it does not wait).
    store.save_evaluation("kem-setjen", 2024, "tpi", F90, answers={1: "Ya"}, actor="b")
    # ROUND itself waits for the holder: the server shows it waiting on the round's lock.
    done: list[int] = []
    writer = threading.Thread(target=lambda: done.append(
        Store(store.source).save_evaluation(*ROUND, F90, answers={1: "Tidak"}, actor="c")))
    writer.start()
    _until(lambda: _waiting_for_advisory_locks(pg_server) == 1, "the second writer waits on the round")
    assert not done and store.evaluation_id(*ROUND) is None
    release.set()
    writer.join(60)
    assert done and store.answer_values(done[0]) == {1: "Tidak"}


def test_a_round_held_beyond_the_busy_timeout_is_busy_and_writes_nothing(held_round):
    store, _ = held_round
    before = {t: store.table_rows(t) for t in TABLES}
    with pytest.raises(StoreBusyError, match="is busy") as err:
        Store(store.source, busy_timeout=0.3).save_evaluation(*ROUND, F90, answers={1: "Ya"}, actor="c")
    assert "nothing was saved" in str(err.value)
    assert {t: store.table_rows(t) for t in TABLES} == before


def test_importers_of_the_same_round_at_once_leave_one_whole_import(pg_url):
    """Eight importers of one round, each a different answer set: every import is whole, the last
    one to commit is what is stored, and each change is one audit row."""
    store = _units(open_store(pg_url, create=True))
    fw = load_framework(F90)
    options = [q for q in fw.questions.values() if q.kind == "option"][:40]
    sets = [{q.id: sorted(q.options)[n % len(q.options)] for q in options} for n in range(8)]
    results: list[Any] = []
    errors: list[BaseException] = []

    def importer(answers: dict[int, str]) -> None:
        try:
            rounds = [{"unit_id": ROUND[0], "year": ROUND[1], "stage": ROUND[2], "framework_id": F90,
                       "answers": answers}]
            results.append(save_rounds(Store(pg_url), rounds, actor="imp", file_name="lke.xlsx"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=importer, args=(a,)) for a in sets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    stored = store.answer_values(store.evaluation_id(*ROUND))
    assert stored in sets  # one import wholly, never a mix
    statuses = [r[0].status for r in results]
    assert statuses.count("new") == 1 and len({r[0].evaluation_id for r in results}) == 1
    imports = store.audit_log(100)
    assert (imports["action"] == "import").sum() == sum(s != "unchanged" for s in statuses)


def test_two_replicas_migrating_one_empty_database_at_once(pg_url):
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def start() -> None:
        try:
            barrier.wait(30)
            open_store(pg_url, create=True)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert list(Store(pg_url).audit_log()["action"]) == ["create"]


@pytest.fixture(scope="module")
def demo_pair(tmp_path_factory: pytest.TempPathFactory, pg_schemas: Any) -> Any:
    """The demo data set in a DuckDB file and, copied, in a PostgreSQL schema."""
    duck = ensure_database(tmp_path_factory.mktemp("pair") / "demo.duckdb")
    pg = Store(pg_schemas())
    copy_database(duck, pg, actor="t")
    return duck, pg


def test_national_paths_give_the_same_numbers_on_both_backends(demo_pair):
    duck, pg = demo_pair
    layouts = bulk.round_layouts()
    for year in duck.years():
        for stage in duck.stages_for(year):
            a, b = analytics.round_overview(duck, year, stage), analytics.round_overview(pg, year, stage)
            assert a.equals(b), (year, stage)
            x, y = overview_data(duck, layouts, year, stage), overview_data(pg, layouts, year, stage)
            assert x.awards == y.awards and (x.previous is None) == (y.previous is None)
            for one, two in ((x.current, y.current), (x.previous, y.previous)):
                if one is None:
                    continue
                assert sorted(one.answers) == sorted(two.answers)
                for key in one.evaluations:
                    assert list(one.evaluations[key]) == list(two.evaluations[key]), key
    for fid in list_frameworks():
        tables = bulk.scoring_tables(load_framework(fid))
        a, b = score_rounds_bulk(duck, tables), score_rounds_bulk(pg, tables)
        order = ["evaluation_id", "area_code", "half_code"]
        # Sums of the same doubles, possibly added in another order: equal to the last few bits.
        pd.testing.assert_frame_equal(a.area_rows.sort_values(order).reset_index(drop=True),
                                      b.area_rows.sort_values(order).reset_index(drop=True),
                                      check_dtype=False, rtol=1e-12)
        assert a.hasil == b.hasil
    whole_a, whole_b = round_data(duck, layouts), round_data(pg, layouts)
    for fid, cells in whole_a.answers.items():
        other = whole_b.answers[fid]
        assert (cells.lo, cells.rows, cells.span, cells.slots) == (other.lo, other.rows, other.span, other.slots)
        assert sorted(cells.cells.tolist()) == sorted(other.cells.tolist())
        assert sorted(zip(cells.number_cells.tolist(), cells.numbers.tolist(), strict=True)) == sorted(
            zip(other.number_cells.tolist(), other.numbers.tolist(), strict=True))
    for unit in duck.list_units():
        assert [r.scorecard.total for r in analytics.unit_rounds(duck, unit.id)] == [
            r.scorecard.total for r in analytics.unit_rounds(pg, unit.id)]


def test_an_analytic_copy_holds_every_answer_of_its_rounds_as_stored(pg_url):
    # The answers cross the wire packed (key and option code in one number, an option's text left
    # out); a text without an option code (a key beyond OPTION_KEYS) comes whole. Either way DuckDB
    # sees the stored rows.
    from tests.test_bulk import _frames
    from zi_metrics.store import bulk_load

    store = open_store(pg_url, create=True)
    units, evaluations, answers = _frames()
    bulk_load(store, units, evaluations, answers, actor="t")
    columns = "evaluation_id, question_id, answer_text, answer_number, answer_option"
    year, stage = int(evaluations["year"].iloc[0]), str(evaluations["stage"].iloc[0])

    def copies_agree(others: bool) -> None:
        with store.reading() as con:
            stored = sorted(con.execute(f"SELECT {columns} FROM answers").fetchall())
        assert (("F", 0) in {(r[2], r[4]) for r in stored}) == others and {r[2] for r in stored} >= {"A", None}
        for rounds in ([(None, None)], [(year, stage)]):
            with store.analytic(rounds) as duck:
                assert sorted(duck.execute(f"SELECT {columns} FROM answers").fetchall()) == stored
                assert [str(t) for t in duck.sql(f"SELECT {columns} FROM answers").to_arrow_table().schema.types] \
                    == ["int32", "int32", "string", "double", "int16"]

    copies_agree(others=False)  # every row packed: one query
    with store.writing("t", "t") as con:
        con.execute("UPDATE answers SET answer_text = 'F', answer_option = 0 WHERE question_id = 1 AND "
                    "evaluation_id = (SELECT min(id) FROM evaluations)")
    copies_agree(others=True)  # the row that does not pack is fetched whole, and only once

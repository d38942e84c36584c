"""Store features other modules added (follow-ups, demo rows), on both backends: the demo data set
as the dashboard's first run writes it, then an assessor's follow-up edited (and a stale edit
refused), and the demo rows removed while a real round stays."""

from __future__ import annotations

import pytest

from zi_metrics.database import ensure_database
from zi_metrics.store import FollowUpConflictError, Store, StoreError, Unit


def test_follow_ups_and_demo_rows_on_each_backend(db_location: str) -> None:
    store = ensure_database(db_location)
    frame = store.follow_ups(year=2026)
    assert len(frame) > 10 and not frame["edited"].any()
    row = frame.iloc[0]
    eid, qid, version = int(row["evaluation_id"]), int(row["question_id"]), int(row["version"])
    assert store.update_follow_up(eid, qid, {"status": "proses", "pic": "Bagian Umum"}, actor="editor",
                                  expected_version=version)
    edited = Store(store.source).follow_up(eid, qid)
    assert (edited["status"], edited["pic"], edited["edited"], edited["version"]) == (
        "proses", "Bagian Umum", True, version + 1)
    audit = len(store.audit_log(1000))
    with pytest.raises(FollowUpConflictError, match="changed meanwhile by editor"):
        store.update_follow_up(eid, qid, {"status": "selesai"}, actor="late", expected_version=version)
    assert len(store.audit_log(1000)) == audit

    # A real unit and round beside the demo's; removing the demo keeps them.
    store.upsert_unit(Unit("pemda", "Pemerintah Kota Contoh", "instansi", "pemerintah_daerah"), actor="t")
    store.save_evaluation("pemda", 2026, "mandiri", "permenpanrb-90-2021", answers={1: "Ya"}, actor="t")
    assert store.dataset_kind() == "mixed"
    removal = store.remove_demo(actor="t")
    assert removal.units > 10 and removal.rounds > 50
    assert [u.id for u in store.list_units()] == ["pemda"]
    assert store.answer_values(store.evaluation_id("pemda", 2026, "mandiri")) == {1: "Ya"}
    assert store.follow_ups().empty and store.dataset_kind() == "real"


def test_reads_together_share_one_connection_and_refuse_a_write(db_location: str) -> None:
    store = ensure_database(db_location)
    unit = store.list_units()[0]
    with store.reads_together():
        with store.reading() as first, store.reading() as second:
            assert first is second
        # the store's own reads go through it and see the data as before
        assert store.get_unit(unit.id) == unit
        assert {u.id for u in store.list_units()} >= {unit.id}
        with pytest.raises(StoreError):
            store.upsert_unit(Unit("baru", "Unit Baru", "instansi", "pemerintah_daerah"), actor="t")
    with store.reading() as first, store.reading() as second:
        assert first is not second  # outside the block each read has its own connection
    store.upsert_unit(Unit("baru", "Unit Baru", "instansi", "pemerintah_daerah"), actor="t")
    assert store.get_unit("baru").name == "Unit Baru"


def test_lazy_reads_together_open_only_when_a_read_comes(db_location: str) -> None:
    store = ensure_database(db_location)
    with store.reads_together(lazy=True):  # no read: nothing opened, a write still goes through
        store.upsert_unit(Unit("baru", "Unit Baru", "instansi", "pemerintah_daerah"), actor="t")
    with store.reads_together(lazy=True):
        with store.reading() as first, store.reading() as second:
            assert first is second
        assert Store(store.source).get_unit("baru").name == "Unit Baru"  # another Store of the same database
        with pytest.raises(StoreError):
            store.upsert_unit(Unit("lain", "Unit Lain", "instansi", "pemerintah_daerah"), actor="t")

"""The synthetic demo data set: determinism, the stated trajectories (checked with the real scorer
and rules), coherence of counts, refusal to overwrite real data, and the first-run path."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from zi_metrics import cli_store
from zi_metrics.database import ensure_database
from zi_metrics.demo import (
    DEMO_SEED,
    PARTIAL_MANDIRI,
    DemoRefusedError,
    generate_demo,
    seed_demo,
)
from zi_metrics.framework import load_framework
from zi_metrics.rules import check_nomination, check_prerequisites, evaluate, held_predicate
from zi_metrics.scoring import Scorecard, score_answers, score_areas
from zi_metrics.store import TABLES, Store, Unit, open_store

PILOT_A = "kemendesa-ditjen-pengembangan-kt"
PILOT_B = "kemendesa-ditjen-pembangunan-kt"
ITJEN = "kemendesa-itjen"
F90 = "permenpanrb-90-2021"
F52 = "permenpanrb-52-2014"


class Snapshot:
    """The demo database read once, with every round scored by the real scorer."""

    def __init__(self, store: Store):
        self.store = store
        self.evaluations = store.evaluations()
        self.awards = store.awards()
        self.cards: dict[int, Scorecard] = {}
        self.answers: dict[int, dict[int, Any]] = {}
        self.hasil: dict[int, dict[str, Any]] = {}
        for year in store.years():
            for stage in store.stages_for(year):
                rnd = store.round_inputs(year, stage)
                for row in rnd.evaluations.itertuples():
                    eid = int(row.id)
                    fw = load_framework(row.framework_id)
                    if row.source == "answers":
                        card = score_answers(fw, rnd.answers[eid], rnd.hasil[eid])
                    else:
                        card = score_areas(fw, rnd.area_points[eid], rnd.hasil[eid])
                    self.cards[eid] = card
                    self.answers[eid] = rnd.answers[eid]
                    self.hasil[eid] = rnd.hasil[eid]
        self.prerequisites = {y: store.prerequisites_for_year(y) for y in store.years()}
        self.own_prerequisites = {y: store.prerequisites_for_year(y, inherit=False) for y in store.years()}

    def rows(self, year: int | None = None, stage: str | None = None, unit_id: str | None = None) -> Any:
        ev = self.evaluations
        if year is not None:
            ev = ev[ev["year"] == year]
        if stage is not None:
            ev = ev[ev["stage"] == stage]
        if unit_id is not None:
            ev = ev[ev["unit_id"] == unit_id]
        return ev

    def card(self, row: Any) -> Scorecard:
        return self.cards[int(row.id)]

    def held(self, unit_id: str, year: int) -> str | None:
        return held_predicate([w for w in self.awards if w["unit_id"] == unit_id], year)

    def evaluate(self, row: Any) -> Any:
        prior = self.held(row.unit_id, row.year)
        return evaluate(load_framework(row.framework_id), self.card(row), holds_wbk=prior is not None)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(tmp_path_factory.mktemp("demo") / "demo.duckdb", create=True)
    seed_demo(store)
    return store


@pytest.fixture(scope="module")
def snap(demo_store: Store) -> Snapshot:
    return Snapshot(demo_store)


def contents(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    out = {t: store.table_rows(t) for t in TABLES if t != "audit_log"}
    out["audit_log"] = sorted((r[0], *r[2:]) for r in store.table_rows("audit_log"))  # without the time
    return out


# ---------------------------------------------------------------------------------------------
# Determinism and speed


def test_generation_is_deterministic() -> None:
    assert generate_demo() == generate_demo()
    assert generate_demo(DEMO_SEED + 1) != generate_demo()


def test_two_seeded_databases_are_identical(tmp_path: Path) -> None:
    a = open_store(tmp_path / "a.duckdb", create=True)
    b = open_store(tmp_path / "b.duckdb", create=True)
    seed_demo(a)
    seed_demo(b)
    assert contents(a) == contents(b)
    # Re-seeding a demo database gives the same content again (one more audit row).
    before = contents(a)
    seed_demo(a)
    after = contents(a)
    assert {t: v for t, v in after.items() if t != "audit_log"} == {
        t: v for t, v in before.items() if t != "audit_log"
    }
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1


def test_seed_is_one_transaction(tmp_path: Path) -> None:
    # No timing assertion here (the machine is shared): bench/ measures speed as ratios.
    store = open_store(tmp_path / "t.duckdb", create=True)
    summary = seed_demo(store)
    assert summary.units == 16 and summary.evaluations == len(store.evaluations())
    assert summary.answers == len(store.table_rows("answers"))
    log = store.audit_log(10)
    assert list(log["action"]) == ["seed_demo", "create"]  # one write, one audit row
    assert json.loads(log["detail"].iloc[0])["seed"] == DEMO_SEED


# ---------------------------------------------------------------------------------------------
# The data set says it is synthetic


def test_marked_as_synthetic(demo_store: Store) -> None:
    assert demo_store.dataset_kind() == "demo"
    meta = demo_store.meta()
    assert "sintetis" in meta["demo_notice"]
    # every unit, round, fact and award is marked as a demo row
    for table in ("units", "evaluations", "prerequisites", "predicate_awards"):
        with demo_store.reading() as con:
            assert con.execute(f"SELECT count(*) FILTER (WHERE NOT demo) FROM {table}").fetchone()[0] == 0
    notes = [r[4] for r in demo_store.table_rows("answers") if r[4] is not None]
    assert notes and all(n.startswith("[DEMO]") and "sintetis" in n for n in notes)
    refs = [r[5] for r in demo_store.table_rows("answers") if r[5] is not None]
    assert refs and all(isinstance(r, str) and len(r) < 200 for r in refs)
    assert all("contoh" in r for r in refs if r.startswith("http") or r.startswith("SK "))
    history = demo_store.predicate_history()
    assert all("sintetis" in d for d in history["decree_ref"])


# ---------------------------------------------------------------------------------------------
# Trajectories


def test_units_and_hierarchy(demo_store: Store) -> None:
    units = {u.id: u for u in demo_store.list_units()}
    assert units["kemendesa"].level == "instansi" and units["kkp"].level == "instansi"
    for uid in (ITJEN, "kemendesa-setjen", PILOT_A, PILOT_B):
        assert units[uid].parent_id == "kemendesa" and units[uid].level == "eselon1"
    assert units[PILOT_A].name == "Direktorat Jenderal Pengembangan Kawasan Transmigrasi"
    assert units[PILOT_B].name == "Direktorat Jenderal Pembangunan Kawasan Transmigrasi"
    assert sum(1 for u in units.values() if u.parent_id == "kemendesa") >= 7
    assert {u.level for u in units.values()} == {"instansi", "eselon1", "eselon2", "satker"}


def test_awards_follow_the_story(demo_store: Store) -> None:
    awards = {(w["unit_id"], w["year"], w["predicate"]): w for w in demo_store.awards()}
    assert any(u == PILOT_A and p == "WBK" for u, _, p in awards)
    assert any(u == PILOT_B and p == "WBK" for u, _, p in awards)
    itjen = sorted((y, p) for u, y, p in awards if u == ITJEN)
    assert [p for _, p in itjen] == ["WBK", "WBBM"] and itjen[0][0] < itjen[1][0]
    revoked = [w for w in awards.values() if w["revoked"]]
    assert len(revoked) == 1
    assert revoked[0]["revoked_on"].year > revoked[0]["year"] and "sintetis" in revoked[0]["revoked_reason"]
    peer = [(y, p) for u, y, p in awards if u == "kkp-djpb-bbpbap-jepara"]
    assert peer == [(2018, "WBK"), (2022, "WBBM")]


def test_award_rounds_meet_the_rules(snap: Snapshot) -> None:
    """Each award is backed by a TPN round of that year that earns it under the real rules."""
    for w in snap.awards:
        tpn = snap.rows(year=w["year"], stage="tpn", unit_id=w["unit_id"])
        assert len(tpn) == 1, w
        row = next(tpn.itertuples())
        assert not snap.card(row).provisional
        assert snap.evaluate(row).predicate == w["predicate"], (w, snap.card(row).total)
    # The pilots' award rounds in particular, spelled out from the stored answers.
    fw = load_framework(F90)
    for unit in (PILOT_A, PILOT_B):
        (year,) = [w["year"] for w in snap.awards if w["unit_id"] == unit and w["predicate"] == "WBK"]
        row = next(snap.rows(year=year, stage="tpn", unit_id=unit).itertuples())
        answers = snap.store.answer_values(int(row.id))
        assert len(answers) == 127
        ev = evaluate(fw, score_answers(fw, answers))
        assert ev.predicate == "WBK" and all(r.passed for r in ev.rules_for("WBK"))
        assert ev.scorecard.total >= 75 and min(a.percent for a in ev.scorecard.areas.values()) >= 60


def test_tpn_rounds_without_award_earn_nothing_new(snap: Snapshot) -> None:
    awarded = {(w["unit_id"], w["year"]) for w in snap.awards}
    rank = {None: 0, "WBK": 1, "WBBM": 2}
    failed = kept = 0
    for row in snap.rows(stage="tpn").itertuples():
        if (row.unit_id, row.year) in awarded:
            continue
        prior = snap.held(row.unit_id, row.year)
        got = snap.evaluate(row).predicate
        assert rank[got] <= rank[prior], (row.unit_id, row.year, got, prior)
        failed += got is None
        kept += got is not None
    assert failed >= 4 and kept >= 3


def test_tpn_follows_a_tpi_that_passed_the_proposal_gate(snap: Snapshot) -> None:
    tpn = snap.rows(stage="tpn")
    differs = 0
    for row in tpn.itertuples():
        tpi = snap.rows(year=row.year, stage="tpi", unit_id=row.unit_id)
        assert len(tpi) == 1, (row.unit_id, row.year)
        tpi_row = next(tpi.itertuples())
        proposed = "WBBM" if snap.held(row.unit_id, row.year) else "WBK"
        assert snap.evaluate(tpi_row).meets_scores[proposed], (row.unit_id, row.year)
        differs += abs(snap.card(row).total - snap.card(tpi_row).total) > 0.01
        assert len(snap.rows(year=row.year, stage="mandiri", unit_id=row.unit_id)) == 1
    assert differs >= 5
    assert 2026 not in set(tpn["year"])  # the current round has no TPN yet
    revoked = [w for w in snap.awards if w["revoked"]][0]
    bar = range(revoked["revoked_on"].year, revoked["revoked_on"].year + 2)
    assert not any(r.unit_id == revoked["unit_id"] and r.year in bar for r in tpn.itertuples())


def test_rounds_and_answers(snap: Snapshot) -> None:
    ev = snap.evaluations
    assert snap.store.years() == [2018, 2022, 2023, 2024, 2025, 2026]
    old = ev[ev["year"] == 2018]
    assert set(old["framework_id"]) == {F52} and set(old["source"]) == {"recap"}
    assert set(old["area_count"]) == {6} and set(old["hasil_count"]) == {3}
    for eid in old["id"]:
        assert set(snap.hasil[int(eid)]) == {"survey_anti_korupsi", "tlhp_percent", "survey_pelayanan"}
    new = ev[ev["year"] >= 2022]
    assert set(new["framework_id"]) == {F90} and set(new["source"]) == {"answers"}
    assert set(new["hasil_count"]) == {0}  # convention: answers hold 125-127, hasil_inputs stays empty
    partial = set(PARTIAL_MANDIRI)
    for row in new.itertuples():
        if (row.unit_id, row.year) in partial and row.stage == "mandiri":
            assert 0 < row.answered < 127
            assert snap.card(row).provisional
        else:
            assert row.answered == 127, (row.unit_id, row.year, row.stage)
            assert set(snap.answers[int(row.id)]) == set(range(1, 128))
    assert len(partial) >= 1
    # Stages: every unit with a TPI round also has a mandiri round; not every unit reaches TPN.
    per_unit_year = new.groupby(["unit_id", "year"])["stage"].apply(set)
    assert all("mandiri" in s for s in per_unit_year)
    assert any(s == {"mandiri"} for s in per_unit_year) and any("tpn" in s for s in per_unit_year)
    for eid in new["id"]:
        a = snap.answers[int(eid)]
        assert isinstance(a.get(126, ""), str)
        assert all(0 <= a[q] <= 4 for q in (125, 127) if q in a)


def test_counts_are_coherent(snap: Snapshot) -> None:
    checked = 0
    for a in snap.answers.values():
        if 88 not in a or 110 not in a or 113 not in a:
            continue  # a partly answered LKE (checked for the answered ones below)
        checked += 1
        for q in range(88, 124):
            if q in a and not isinstance(a[q], str):
                assert float(a[q]).is_integer() and a[q] >= 0
        assert a[89] <= a[88] and a[91] <= a[90]
        assert a[104] <= a[103]
        assert a[106] <= a[105]
        assert a[111] + a[112] <= a[110]
        assert a[116] <= a[113] + a[114] + a[115]
        assert a[120] <= a[117] + a[118] + a[119]
        assert a[123] <= a[122]
    assert checked >= 100


def test_prerequisites_recorded_and_met_by_proposed_units(snap: Snapshot) -> None:
    units = {u.id: u for u in snap.store.list_units()}
    for row in snap.evaluations.itertuples():
        assert row.unit_id in snap.own_prerequisites[row.year], (row.unit_id, row.year)
    for row in snap.rows(stage="tpn").itertuples():
        fw = load_framework(row.framework_id)
        facts = snap.prerequisites[row.year][row.unit_id]
        proposed = "WBBM" if snap.held(row.unit_id, row.year) else "WBK"
        gates = [
            g
            for g in check_prerequisites(
                fw, facts, instansi_kind=units[row.unit_id].instansi_kind, year=row.year
            )
            if g.predicate == proposed
        ]
        assert gates and all(g.passed for g in gates), (
            row.unit_id,
            row.year,
            [g for g in gates if not g.passed],
        )
    fw52 = load_framework(F52)
    for row in snap.rows(year=2018, stage="tpn").itertuples():
        facts = snap.prerequisites[2018][row.unit_id]
        assert all(g.passed for g in check_nomination(fw52, facts)), row.unit_id


# ---------------------------------------------------------------------------------------------
# Refusals, first run, CLI


def test_seed_refuses_real_data_unless_forced(tmp_path: Path) -> None:
    store = open_store(tmp_path / "real.duckdb", create=True)
    store.upsert_unit(Unit("pemkot", "Pemerintah Kota Contoh", "instansi", "pemerintah_daerah"), actor="ana")
    before = contents(store)
    with pytest.raises(DemoRefusedError, match="holds real data") as err:
        seed_demo(store)
    assert "--force" in str(err.value)
    assert contents(store) == before
    seed_demo(store, force=True)
    assert store.dataset_kind() == "demo"
    assert "pemkot" not in {u.id for u in store.list_units()}


def test_a_real_write_on_a_demo_database_leaves_the_demo_rows_marked(tmp_path: Path) -> None:
    """One real row never makes the synthetic rows pass for official ones (issue #10.8)."""
    store = open_store(tmp_path / "mix.duckdb", create=True)
    seed_demo(store)
    store.award_predicate(PILOT_A, 2025, "WBBM", "Kepmen nyata", actor="ana")
    assert store.dataset_kind() == "mixed"
    rows = store.demo_rows()
    assert len(rows.rounds) == 143 and PILOT_A in rows.units  # the award is real, its unit still a demo unit
    assert store.shows_demo(year=2025, stage="tpi") and store.shows_demo(unit_id=PILOT_A)
    with pytest.raises(DemoRefusedError):
        seed_demo(store)


def test_ensure_database_seeds_only_on_first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "first" / "zi.duckdb"
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    store = ensure_database()
    assert store.path == path and store.dataset_kind() == "demo"
    store.clear_data(actor="ana")
    version = store.data_version()
    again = ensure_database()
    assert again.dataset_kind() == "empty"  # an existing file is never re-seeded
    assert again.data_version() == version


def test_cli_seed_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cli.duckdb"
    assert cli_store.cmd_seed_demo(argparse.Namespace(db=str(path), force=False)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote synthetic demo data to {path}: 16 units")
    Store(path).upsert_unit(
        Unit("pemkot", "Pemerintah Kota Contoh", "instansi", "pemerintah_daerah"), actor="a"
    )
    assert cli_store.cmd_seed_demo(argparse.Namespace(db=str(path), force=False)) == 2
    err = capsys.readouterr().err
    assert err.startswith("seed-demo: ") and err.count("\n") == 1 and "--force" in err
    assert cli_store.cmd_seed_demo(argparse.Namespace(db=str(path), force=True)) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"\x00garbage" * 64)
    assert cli_store.cmd_seed_demo(argparse.Namespace(db=str(bad), force=False)) == 2
    assert "not a DuckDB database" in capsys.readouterr().err

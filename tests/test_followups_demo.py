"""The demo's follow-ups: several units, every status, some late and some not, every assessor note
of the follow-up years followed up, all marked synthetic."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from zi_metrics import analytics, followups
from zi_metrics.demo import FOLLOW_UP_YEARS, seed_demo
from zi_metrics.store import open_store

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("demo") / "demo.duckdb", create=True)
    seed_demo(store)
    return store


def test_demo_follow_ups(store):
    frame = followups.enrich(store.follow_ups(), TODAY)
    assert set(frame["year"]) == set(FOLLOW_UP_YEARS)
    current = frame[frame["year"] == 2026]
    assert current["unit_id"].nunique() >= 8
    assert set(current["status"]) == set(followups.STATUSES)
    assert current["late"].any() and (~current["late"] & (current["status"] != "selesai")).any()
    assert (frame["status"] == "selesai").any() and frame["link"].notna().any()
    assert frame["evidence_url"].map(lambda u: isinstance(u, str) and followups.valid_url(u) is None).any()
    assert all(n.startswith("[DEMO]") and "sintetis" in n for n in frame["assessor_note"])
    assert set(frame["stage"]) <= {"tpi", "tpn"} and not frame["edited"].any()
    # every note of those rounds is a follow-up
    for eid in set(frame["evaluation_id"]):
        noted = {q for q, row in store.answers_for(int(eid)).items() if row["note"]}
        assert noted == set(frame.loc[frame["evaluation_id"] == eid, "question_id"])


def test_unit_report_has_the_follow_up_section(store):
    from zi_metrics.report import unit_report_pdf

    unit = "kemendesa-itjen"
    rounds = analytics.unit_rounds(store, unit)
    current = analytics.round_for(rounds, 2026, "tpi")
    frame = followups.enrich(store.follow_ups(year=2026, unit_id=unit), TODAY)
    rows = store.table_rows("follow_ups")
    eid = store.evaluation_id(unit, 2026, "tpi")
    mine = [r for r in rows if r[0] == eid]
    done = sum(r[4] == "selesai" for r in mine)

    def text(**kwargs):
        pdf = unit_report_pdf(current, rounds, "Inspektorat Jenderal", lang="id", **kwargs)
        return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)

    with_section = text(follow_ups=frame)
    assert "Tindak lanjut catatan penilai" in with_section
    assert f"{done} dari {len(mine)} butir selesai" in with_section
    assert f"Belum selesai ({len(mine) - done} butir)" in with_section
    assert "Tindak lanjut catatan penilai" not in text()

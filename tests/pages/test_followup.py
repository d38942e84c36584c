"""AppTest of the Tindak lanjut page on the demo data: figures counted from the database rows
(not through zi_metrics.followups), filters, progress per unit and per area, English, an editor's
edit (audited, one transaction), a stale edit refused, and a viewer who cannot edit."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import duckdb
import pytest
from page_helpers import as_read, chart_spec

from zi_metrics.accounts import hash_password
from zi_metrics.store import Store

PAGE = "views/tindak-lanjut.py"
EDITOR, PASSWORD = "siti", "rahasia-ZI-2026"
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def editor_hash() -> str:
    return hash_password(PASSWORD, rounds=4)


def rows(path, year=2026, stage="tpi"):
    """The follow-ups of a round, straight from the database file."""
    with duckdb.connect(str(path), read_only=True) as con:
        got = con.execute(
            "SELECT e.unit_id, u.short_name, u.name, f.question_id, f.status, f.due_date, f.pic, f.note_addressed, "
            "f.evidence_period_ok, f.evidence_named_ok FROM follow_ups f JOIN evaluations e ON e.id = f.evaluation_id "
            "JOIN units u ON u.id = e.unit_id WHERE e.year = ? AND e.stage = ?", [year, stage]).fetchall()
    keys = ("unit_id", "short", "name", "qid", "status", "due", "pic", "addressed", "period", "named")
    return [dict(zip(keys, r, strict=True)) for r in got]


def late(r) -> bool:
    return r["status"] != "selesai" and r["due"] is not None and r["due"] < TODAY


def open_followups(app, *, secrets=None, **params):
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    for key, value in {"tahun": "2026", "tahap": "tpi", **params}.items():
        app.query_params[key] = value
    at = app.run()
    assert not at.exception, at.exception
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at):
    assert len(at.dataframe) == 1
    return at.dataframe[0].value


def test_viewer_sees_progress_counted_from_the_database(app, app_db):
    at = open_followups(app)
    expected = rows(app_db)
    status = Counter(r["status"] for r in expected)
    assert [h.value for h in at.header] == ["Catatan penilai 2026 · TPI"]
    done_pct = f"{100 * status['selesai'] / len(expected):.2f}".replace(".", ",") + "%"
    assert metrics(at) == {"Butir ditindaklanjuti": str(len(expected)), "Selesai": done_pct,
                           "Proses": str(status["proses"]), "Belum": str(status["belum"]),
                           "Terlambat": str(sum(late(r) for r in expected))}
    # per unit: one bar per unit, its share of done items and "done/total"
    per_unit: dict[str, list[int]] = {}
    for r in expected:
        per_unit.setdefault(r["short"] or r["name"], [0, 0])
        per_unit[r["short"] or r["name"]][0] += r["status"] == "selesai"
        per_unit[r["short"] or r["name"]][1] += 1
    bars = chart_spec(at, "fu_chart_unit")["data"][0]
    assert len(bars["y"]) == len(per_unit) >= 8
    for name, pct, text in zip(bars["y"], bars["x"], bars["text"], strict=True):
        done, total = per_unit[name]
        assert pct == pytest.approx(100 * done / total) and text.endswith(f"· {done}/{total}")
    assert bars["x"] == sorted(bars["x"])  # the furthest behind first
    area = chart_spec(at, "fu_chart_area")["data"][0]
    assert set(area["y"]) <= {"MP", "TT", "SDM", "AK", "PW", "PP", "Hasil"}
    assert sum(int(t.rsplit("/", 1)[1]) for t in area["text"]) == len(expected)
    frame = table(at)
    assert len(frame) == len(expected)
    assert frame["open"].iloc[0].startswith("kesenjangan?tahun=2026&tahap=tpi&unit=")
    assert "&soal=" in frame["open"].iloc[0]
    # a viewer: no edit control, the sign-in offered
    assert not any(s.key == "fu_pick" for s in at.selectbox)
    assert any("Hanya editor" in i.value for i in at.info)


def test_filters_combine(app, app_db):
    expected = rows(app_db)
    unit = Counter(r["unit_id"] for r in expected).most_common(1)[0][0]
    at = open_followups(app)
    at.multiselect(key="fu_status").set_value(["selesai"]).run()
    assert set(table(at)["status"]) == {"Selesai"}
    assert metrics(at)["Butir ditindaklanjuti"] == str(sum(r["status"] == "selesai" for r in expected))
    assert metrics(at)["Selesai"] == "100,00%"
    at.multiselect(key="fu_status").set_value([]).run()
    at.multiselect(key="fu_unit").set_value([unit]).run()
    assert len(table(at)) == sum(r["unit_id"] == unit for r in expected)
    at.multiselect(key="fu_unit").set_value([]).run()
    at.multiselect(key="fu_shortfall").set_value(["late"]).run()
    assert len(table(at)) == sum(late(r) for r in expected) and set(table(at)["late"]) == {"Ya"}
    at.multiselect(key="fu_shortfall").set_value(["evidence_misnamed"]).run()
    assert len(table(at)) == sum(r["named"] is False for r in expected)
    at.multiselect(key="fu_shortfall").set_value([]).run()
    pic = next(r["pic"] for r in expected if r["pic"])
    at.multiselect(key="fu_pic").set_value([pic]).run()
    assert set(table(at)["pic"]) == {pic}
    at.multiselect(key="fu_pic").set_value([""]).run()
    assert len(table(at)) == sum(not r["pic"] for r in expected)
    at.multiselect(key="fu_pic").set_value([]).run()
    at.multiselect(key="fu_area").set_value(["PW"]).run()
    assert set(table(at)["area"]) == {"PW"}
    assert not at.exception


def test_english_labels_and_numbers(app, app_db):
    at = open_followups(app, lang="en")
    expected = rows(app_db)
    done = sum(r["status"] == "selesai" for r in expected)
    assert [h.value for h in at.header] == ["Assessors' notes 2026 · TPI"]
    assert metrics(at)["Done"] == f"{100 * done / len(expected):.2f}%"
    assert set(table(at)["status"]) <= {"Done", "In progress", "Not started"}


def sign_in(at):
    at.text_input(key="auth_username").input(EDITOR)
    at.text_input(key="auth_password").input(PASSWORD)
    at.button(key="auth_submit").click().run()
    assert not at.exception, at.exception
    return at


def test_an_editor_changes_a_follow_up_audited(app, app_db, editor_hash):
    at = open_followups(app, secrets={"zi": {"accounts": {EDITOR: editor_hash}}})
    at = sign_in(at)
    at.selectbox(key="fu_pick").select_index(0).run()
    assert not at.exception, at.exception
    eid, qid = (int(x) for x in at.selectbox(key="fu_pick").value.split(":"))
    prefix = next(t.key for t in at.text_input if t.key and t.key.endswith("_pic")).removesuffix("_pic")
    at.text_input(key=f"{prefix}_pic").input("Kepala Subbagian Umum")
    at.selectbox(key=f"{prefix}_status").set_value("selesai")
    at.selectbox(key=f"{prefix}_addressed").set_value("yes")
    at.text_input(key=f"{prefix}_link").input("https://drive.example.go.id/tl/bukti.pdf")
    at.button(key=f"FormSubmitter:{prefix}_form-Simpan tindak lanjut").click().run()
    assert not at.exception, at.exception
    assert any("disimpan" in s.value for s in at.success)
    store = Store(app_db)
    row = store.follow_up(eid, qid)
    assert (row["pic"], row["status"], row["note_addressed"], row["evidence_url"], row["edited"]) == (
        "Kepala Subbagian Umum", "selesai", True, "https://drive.example.go.id/tl/bukti.pdf", True)
    log = store.audit_log(1).iloc[0]
    assert (log["actor"], log["action"]) == (EDITOR, "update_follow_up")
    assert json.loads(log["detail"])["changes"]["pic"][1] == "Kepala Subbagian Umum"



def open_form(app, editor_hash, index=0):
    at = sign_in(open_followups(app, secrets={"zi": {"accounts": {EDITOR: editor_hash}}}))
    at.selectbox(key="fu_pick").select_index(index).run()
    assert not at.exception, at.exception
    eid, qid = (int(x) for x in at.selectbox(key="fu_pick").value.split(":"))
    prefix = next(t.key for t in at.text_input if t.key and t.key.endswith("_pic")).removesuffix("_pic")
    return at, eid, qid, prefix


def submit(at, prefix):
    at.button(key=f"FormSubmitter:{prefix}_form-Simpan tindak lanjut").click().run()
    assert not at.exception, at.exception
    return at


def test_a_stale_edit_is_refused_with_who_changed_it(app, app_db, editor_hash):
    at, eid, qid, prefix = open_form(app, editor_hash)
    store = Store(app_db)
    assert store.update_follow_up(eid, qid, {"status": "proses", "pic": "Budi"}, actor="rekan@itjen")
    at.text_input(key=f"{prefix}_pic").input("Siti")
    at = submit(at, prefix)
    assert any("rekan@itjen" in as_read(e.value) and "Tidak disimpan" in e.value for e in at.error)
    assert store.follow_up(eid, qid)["pic"] == "Budi"


def test_signed_out_before_saving_writes_nothing(app, app_db, editor_hash):
    from ui.auth import LOCAL_KEY

    at, eid, qid, prefix = open_form(app, editor_hash)
    before = Store(app_db).follow_up(eid, qid)
    at.text_input(key=f"{prefix}_pic").input("Orang Lain")
    del at.session_state[LOCAL_KEY]
    at = submit(at, prefix)
    assert any("Silakan masuk kembali" in e.value for e in at.error)
    assert Store(app_db).follow_up(eid, qid) == before


def test_a_link_that_is_not_a_web_address_is_kept_as_text(app, app_db, editor_hash):
    at, eid, qid, prefix = open_form(app, editor_hash, index=1)
    at.text_input(key=f"{prefix}_link").input("javascript:alert(1)")
    at = submit(at, prefix)
    assert Store(app_db).follow_up(eid, qid)["evidence_url"] == "javascript:alert(1)"
    frame = table(at)
    row = frame[(frame["evidence"] == "javascript:alert(1)")]
    assert len(row) == 1 and row["link"].isna().all()

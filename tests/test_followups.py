"""Tindak lanjut, the pure part: validation of an edit, links, kinds of shortfall, filters, progress
per unit and per area (counted by hand), the progress chart and the XLSX export."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from zi_metrics import followups
from zi_metrics.followup_charts import progress_bar_figure
from zi_metrics.followup_export import followups_workbook
from zi_metrics.followups import FollowUpInputError, valid_url, validate_edit

TODAY = dt.date(2026, 6, 15)
FW = "permenpanrb-90-2021"


def row(unit, qid, status="belum", *, due=None, pic=None, addressed=None, period=None, named=None, link=None,
        stage="tpi", note="catatan"):
    return {"evaluation_id": hash((unit, stage)) % 1000, "unit_id": unit, "unit_name": unit.upper(), "year": 2026,
            "stage": stage, "framework_id": FW, "question_id": qid, "assessor_note": note, "pic": pic,
            "due_date": due, "status": status, "note_addressed": addressed, "evidence_period_ok": period,
            "evidence_named_ok": named, "evidence_url": link, "edited": False, "version": 1, "updated_at": None,
            "updated_by": "import"}


@pytest.fixture
def frame():
    rows = [
        row("a", 1, "selesai", due=dt.date(2026, 6, 1), pic="Umum", addressed=True, period=True, named=True,
            link="https://drive.example.go.id/1"),  # MP, done although its due date passed: not late
        row("a", 2, "proses", due=dt.date(2026, 6, 14), pic="Umum", addressed=True, period=False),  # MP, late
        row("a", 58, "belum", link="javascript:alert(1)"),  # PW, no PIC
        row("b", 1, "selesai", pic="Kepegawaian", addressed=True),  # MP
        row("b", 125, "belum", due=dt.date(2026, 7, 1), pic="Humas", named=False),  # hasil
        row("b", 13, "proses", due=dt.date(2026, 6, 15), pic="Humas", stage="tpn"),  # TT, due today: not late
    ]
    return followups.enrich(pd.DataFrame(rows, columns=followups.FRAME_COLUMNS), TODAY)


def test_valid_url_accepts_web_addresses_only():
    assert valid_url(" https://drive.example.go.id/a?b=1 ") == "https://drive.example.go.id/a?b=1"
    assert valid_url("http://10.0.0.5:8080/x") == "http://10.0.0.5:8080/x"
    for bad in ("javascript:alert(1)", "ftp://x.example/a", "https://", "www.example.go.id", "https://a b.go.id",
                "lihat lemari arsip", "https://host:port/", None, 3, "https://-bad-.example/"):
        assert valid_url(bad) is None, bad


def test_validate_edit_normalises_and_refuses_with_a_message_per_language():
    edit = validate_edit({"pic": "  Bagian   Umum ", "due_date": "2026-07-31", "status": "proses",
                          "note_addressed": True, "evidence_period_ok": None, "evidence_named_ok": 0,
                          "evidence_url": " https://x.example/a "})
    assert edit == followups.FollowUpEdit("Bagian Umum", dt.date(2026, 7, 31), "proses", True, None, False,
                                          "https://x.example/a")
    assert validate_edit({}) == followups.FollowUpEdit()
    with pytest.raises(FollowUpInputError) as err:
        validate_edit({"status": "done"})
    assert err.value.message("id") == "status done bukan belum, proses atau selesai"
    assert str(err.value) == "status done is not belum, proses or selesai"
    with pytest.raises(FollowUpInputError, match="is not a date"):
        validate_edit({"due_date": "31 Juli"})
    with pytest.raises(FollowUpInputError, match="outside the years 2000-2100"):
        validate_edit({"due_date": dt.date(1999, 12, 31)})
    with pytest.raises(FollowUpInputError, match="at most 200 characters"):
        validate_edit({"pic": "x" * 201})
    with pytest.raises(FollowUpInputError, match="is not yes, no or not checked"):
        validate_edit({"note_addressed": "maybe"})
    with pytest.raises(FollowUpInputError, match="unknown field: note"):
        validate_edit({"note": "x"})


def test_enrich_derives_area_lateness_shortfalls_and_links(frame):
    assert list(frame["area"]) == ["MP", "MP", "PW", "MP", "hasil", "TT"]
    assert list(frame["late"]) == [False, True, False, False, False, False]
    assert list(frame["shortfalls"]) == [
        [], ["evidence_period_missing", "late"], ["note_not_addressed", "no_pic"], [],
        ["note_not_addressed", "evidence_misnamed"], ["note_not_addressed"]]
    assert list(frame["link"]) == ["https://drive.example.go.id/1", None, None, None, None, None]
    assert frame["question_text"].iloc[0].startswith("Unit kerja telah membentuk tim")
    assert frame["sub_area"].iloc[0] == "Penyusunan Tim Kerja"


def test_filters_combine(frame):
    f = followups.filter_followups
    assert list(f(frame, units=["a"])["question_id"]) == [1, 2, 58]
    assert list(f(frame, areas=["MP"], statuses=["selesai"])["unit_id"]) == ["a", "b"]
    assert list(f(frame, pics=[""])["question_id"]) == [58]
    assert list(f(frame, pics=["Humas", "Umum"])["question_id"]) == [1, 2, 125, 13]
    assert list(f(frame, shortfalls=["late", "evidence_misnamed"])["question_id"]) == [2, 125]
    assert list(f(frame, stages=["tpn"])["question_id"]) == [13]
    assert f(frame, units=[], areas=None).equals(frame)


def test_progress_per_unit_and_area_counted_by_hand(frame):
    by_unit = followups.progress(frame, "unit_id").set_index("unit_id")
    assert by_unit.loc["a"].to_dict() == {"total": 3, "selesai": 1, "proses": 1, "belum": 1, "late": 1,
                                          "percent_done": pytest.approx(100 / 3)}
    assert by_unit.loc["b"].to_dict() == {"total": 3, "selesai": 1, "proses": 1, "belum": 1, "late": 0,
                                          "percent_done": pytest.approx(100 / 3)}
    by_area = followups.progress(frame, "area")
    assert list(by_area["area"]) == ["PW", "TT", "hasil", "MP"]  # furthest behind first, then by name
    assert list(by_area["percent_done"]) == [0.0, 0.0, 0.0, pytest.approx(200 / 3)]
    s = followups.summary(frame)
    assert (s.total, s.done, s.in_progress, s.not_started, s.late) == (6, 2, 2, 2, 1)
    assert s.percent_done == pytest.approx(100 / 3)
    assert followups.summary(frame.iloc[0:0]).percent_done is None
    assert followups.progress(frame.iloc[0:0], "area").empty


def test_progress_chart_reads_in_the_language(frame):
    table = followups.progress(frame, "unit_id")
    fig = progress_bar_figure(table, "unit_id", {"a": "Balai A & <b>", "b": "Balai B"}, title="T", lang="id")
    spec = json.loads(fig.to_json())
    bar = spec["data"][0]
    assert bar["y"] == ["Balai A &amp; &lt;b&gt;", "Balai B"]
    assert bar["text"] == ["33,33% · 1/3", "33,33% · 1/3"]
    assert bar["customdata"][0] == "Balai A &amp; &lt;b&gt;<br>selesai 1, proses 1, belum 1, terlambat 1 (dari 3)"
    assert spec["layout"]["separators"] == ",." and spec["layout"]["xaxis"]["range"] == [0, 102]
    assert bar["textposition"] == ["outside", "outside"]  # 33 %: the label after the bar
    en = json.loads(progress_bar_figure(table, "unit_id", lang="en").to_json())
    assert en["data"][0]["text"][0] == "33.33% · 1/3" and en["layout"]["separators"] == ".,"


def test_xlsx_export_has_human_headers_rows_and_progress(frame):
    data = followups_workbook(frame, lang="id", unit_names={"a": "Balai A", "b": "Balai B"},
                              area_names={"MP": "Manajemen Perubahan", "PW": "Penguatan Pengawasan",
                                          "TT": "Penataan Tatalaksana", "hasil": "Hasil"},
                              stage_names={"tpi": "TPI", "tpn": "TPN"}, title="Tindak lanjut 2026",
                              context=["Per 2026-06-15. Filter: tidak ada"], warning="Data sintetis (demo)")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Tindak lanjut", "Per unit", "Per area"]
    ws = wb["Tindak lanjut"]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    header_at = next(i for i, r in enumerate(values) if r[0] == "Unit kerja")
    header = values[header_at]
    assert header[:4] == ["Unit kerja", "Tahun", "Tahap", "Area"] and "Catatan penilai" in header
    body = values[header_at + 1: header_at + 7]
    first = dict(zip(header, body[0], strict=True))
    assert first["Status"] == "Selesai" and first["Catatan ditindaklanjuti"] == "Ya"
    assert first["Batas waktu"] == dt.datetime(2026, 6, 1) and first["No. soal"] == 1
    second = dict(zip(header, body[1], strict=True))
    assert second["Terlambat"] == "Ya" and second["Bukti dukung periode ada"] == "Tidak"
    assert second["Penamaan bukti sesuai"] == "Belum diperiksa"
    assert "Lewat batas waktu" in second["Kekurangan"]
    third = dict(zip(header, body[2], strict=True))
    assert third["Bukti dukung"] == "javascript:alert(1)"  # kept as text, never a link
    assert ws.cell(row=header_at + 3, column=header.index("Bukti dukung") + 1).hyperlink is None
    per_unit = [[c.value for c in r] for r in wb["Per unit"].iter_rows()]
    h = next(i for i, r in enumerate(per_unit) if r[0] == "Unit kerja")
    assert per_unit[h][1:] == ["Jumlah butir", "Selesai", "Proses", "Belum", "Terlambat", "% selesai"]
    assert per_unit[h + 1][:7] == ["Balai A", 3, 1, 1, 1, 1, pytest.approx(100 / 3)]

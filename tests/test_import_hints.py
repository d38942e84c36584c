"""Suggestions of unit, year and stage for an uploaded LKE (zi_metrics.import_hints)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from zi_metrics.import_hints import content_texts, suggest, suggest_unit
from zi_metrics.store import Unit

OFFICIAL = Path(__file__).resolve().parents[1].parent / "shared/domain/lke/lampiran3-official-form.xlsx"

UNITS = {u.id: u for u in (
    Unit("kemendesa", "Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi", "instansi",
         short_name="Kemendesa PDTT"),
    Unit("kemendesa-itjen", "Inspektorat Jenderal", "eselon1", parent_id="kemendesa", short_name="Itjen"),
    Unit("kemendesa-setjen", "Sekretariat Jenderal", "eselon1", parent_id="kemendesa", short_name="Setjen"),
    Unit("kkp", "Kementerian Kelautan dan Perikanan", "instansi", short_name="KKP"),
    Unit("kkp-itjen", "Inspektorat Jenderal", "eselon1", parent_id="kkp", short_name="Itjen KKP"),
)}


def _xlsx(rows: list[list[object]], title: str = "LKE ZI") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_unit_named_with_its_ministry_wins_over_a_namesake():
    # "Inspektorat Jenderal" alone names two units: no suggestion.
    assert suggest_unit(["LKE ZI Inspektorat Jenderal 2025"], UNITS) is None
    # With the ministry named too, the Itjen of that ministry (the deeper unit) wins.
    assert suggest_unit(["LKE ZI Inspektorat Jenderal Kemendesa PDTT"], UNITS)[0] == "kemendesa-itjen"
    assert suggest_unit(["Itjen KKP - penilaian mandiri"], UNITS)[0] == "kkp-itjen"
    assert suggest_unit(["lke-kemendesa-setjen-2025"], UNITS)[0] == "kemendesa-setjen"
    # Whole words only: "Setjen" inside another word does not count.
    assert suggest_unit(["Setjenderal"], UNITS) is None


def test_title_rows_above_the_table_and_the_file_name_give_unit_year_and_stage():
    data = _xlsx([["LEMBAR KERJA EVALUASI ZONA INTEGRITAS"],
                  ["Unit Kerja: Sekretariat Jenderal Kemendesa PDTT — Tahun 2024"],
                  ["No", "Penilaian", None, "Bobot", "Jawaban"],
                  ["1", "Inspektorat Jenderal 2019 tpn"]])  # below the header: the form's, not read
    hints = suggest(data, "lke TPI.xlsx", UNITS)
    assert (hints.unit.value, hints.unit.source) == ("kemendesa-setjen", "content")
    assert "Sekretariat Jenderal" in hints.unit.text
    assert (hints.year.value, hints.year.source) == (2024, "content")
    assert (hints.stage.value, hints.stage.source) == ("tpi", "file_name")


def test_a_file_name_alone_can_carry_everything_and_a_blank_name_nothing():
    data = _xlsx([["Penilaian", "Bobot", "Jawaban"]])
    hints = suggest(data, "2026_Itjen-Kemendesa_mandiri.xlsx", UNITS)
    assert (hints.unit.value, hints.year.value, hints.stage.value) == ("kemendesa-itjen", 2026, "mandiri")
    assert {hints.unit.source, hints.year.source, hints.stage.source} == {"file_name"}
    nothing = suggest(data, "lke.xlsx", UNITS)
    assert (nothing.unit, nothing.year, nothing.stage) == (None, None, None)
    # Two years or two stages in one text: no guess.
    both = suggest(data, "lke 2024 2025 tpi tpn.xlsx", UNITS)
    assert (both.year, both.stage) == (None, None)


@pytest.mark.skipif(not OFFICIAL.is_file(), reason=f"official form missing: {OFFICIAL}")
def test_the_official_forms_own_heading_is_not_a_hint():
    """The form's printed heading says "NOMOR 90 TAHUN 2021": the regulation's year, not the
    evaluation's. A unit's title row inserted above it is read."""
    data = OFFICIAL.read_bytes()
    assert not any("2021" in t for t in content_texts(data))
    assert suggest(data, "form.xlsx", UNITS).year is None
    wb = load_workbook(io.BytesIO(data))
    ws = wb["LKE ZI"]
    ws.insert_rows(1)
    ws["B1"] = "LKE ZI INSPEKTORAT JENDERAL KEMENDESA PDTT TAHUN 2025"
    buf = io.BytesIO()
    wb.save(buf)
    hints = suggest(buf.getvalue(), "form.xlsx", UNITS)
    assert (hints.unit.value, hints.year.value) == ("kemendesa-itjen", 2025)


def test_a_payload_names_its_year():
    data = json.dumps({"tahun": 2026, "unit_kerja": "Sekretariat Jenderal Kemendesa PDTT",
                       "data": [{"soal_id": 1, "jawaban_unit": "Ya"}]}).encode()
    hints = suggest(data, "payload.json", UNITS)
    assert (hints.unit.value, hints.year.value) == ("kemendesa-setjen", 2026)


def test_an_unreadable_file_gives_no_hint_and_no_error():
    assert suggest(b"PK\x03\x04 damaged", "x.xlsx", UNITS).unit is None
    assert suggest(b"\x00\x01", "x.bin", UNITS) == suggest(b"", "x.bin", UNITS)

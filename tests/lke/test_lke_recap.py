"""Recap files (area points per unit and round) and the recap template."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from zi_metrics.lke import read_bytes, recap_template, score_document
from zi_metrics.lke.recap import RECAP_COLUMNS, ParsedRecap


def approx(x: float):
    return pytest.approx(x, abs=1e-9)


HEADER = ",".join(RECAP_COLUMNS)


def test_csv_recap_rows_are_validated_and_scored():
    text = "\n".join([
        HEADER,
        "kemendesa-itjen,2026,tpi,,6.5,5.6,8,8.2,12,8.4,3.62,B,,3.41",
        "kemendesa-ditjen-pkt,2026,mandiri,permenpanrb-90-2021,4,3.5,6,5,9,6,3.1,c,,3.0",
        "",
        "kemendesa-itjen,2018,tpn,,4,4,12,8,12,8,3.7,,95,3.5",
    ]) + "\n"
    parsed = read_bytes(text.encode(), "rekap.csv")
    assert isinstance(parsed, ParsedRecap) and parsed.layout == "recap"
    assert parsed.problems == []
    first, second, third = parsed.rows
    assert (first.unit_id, first.year, first.stage, first.framework_id) == (
        "kemendesa-itjen", 2026, "tpi", "permenpanrb-90-2021")
    assert first.areas == {"MP": 6.5, "TT": 5.6, "SDM": 8.0, "AK": 8.2, "PW": 12.0, "PP": 8.4}
    assert first.hasil == {"survey_anti_korupsi": 3.62, "capaian_kinerja": "B", "survey_pelayanan": 3.41}
    assert second.hasil["capaian_kinerja"] == "C"
    assert third.framework_id == "permenpanrb-52-2014" and third.hasil["tlhp_percent"] == 95.0
    doc = score_document(parsed)
    first_doc = doc["evaluations"][0]
    # the README example: 48.7 + 3.62/4*17.5 + 0.75*5 + 3.41/4*17.5
    assert first_doc["total"] == approx(48.7 + 15.8375 + 3.75 + 14.91875)
    assert first_doc["predicate"] == "WBK"
    # 52/2014: 48 + 3.7/4*15 + 95/100*5 + 3.5/4*20
    assert doc["evaluations"][2]["total"] == approx(48 + 13.875 + 4.75 + 17.5)


def test_semicolon_csv_with_decimal_commas_and_a_bom():
    row = "kemendesa-itjen;2026;mandiri;;6,5;5,6;8;8,2;12;8,4;3,62;B;;3,41"
    text = "\ufeff" + HEADER.replace(",", ";") + "\n" + row + "\n"
    parsed = read_bytes(text.encode("utf-8"), "rekap.csv")
    assert parsed.problems == []
    assert parsed.rows[0].areas["MP"] == 6.5 and parsed.rows[0].hasil["survey_pelayanan"] == 3.41


def test_xlsx_template_is_empty_then_reads_when_filled():
    data = recap_template("xlsx")
    parsed = read_bytes(data, "template.xlsx")
    assert isinstance(parsed, ParsedRecap) and parsed.fatal
    assert parsed.problems[0].message == "the recap holds no data row"
    wb = load_workbook(io.BytesIO(data))
    assert [c.value for c in wb["Rekap"][1]] == list(RECAP_COLUMNS)
    assert "Petunjuk" in wb.sheetnames
    row = ["kemendesa-itjen", 2026, "tpn", None, 6.5, 5.6, 8, 8.2, 12, 8.4, 3.62, "B", None, 3.41]
    wb["Rekap"].append(row)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = read_bytes(buf.getvalue(), "rekap.xlsx")
    assert parsed.problems == [] and parsed.sheet == "Rekap"
    assert parsed.rows[0].stage == "tpn" and parsed.rows[0].where == "row 2"


def test_csv_template_is_the_header():
    assert recap_template("csv").decode() == HEADER + "\n"
    with pytest.raises(ValueError):
        recap_template("pdf")


def test_blank_area_is_missing_and_makes_the_evaluation_provisional():
    text = HEADER + "\nkemendesa-itjen,2026,tpi,,6.5,,8,8.2,12,8.4,3.62,B,,3.41\n"
    parsed = read_bytes(text.encode(), "r.csv")
    assert "TT" not in parsed.rows[0].areas
    assert score_document(parsed)["evaluations"][0]["provisional"] is True


def test_formula_in_an_xlsx_recap_is_refused():
    data = recap_template("xlsx")
    wb = load_workbook(io.BytesIO(data))
    wb["Rekap"].append(["kemendesa-itjen", 2026, "tpi", None, "=3+3", 5.6, 8, 8.2, 12, 8.4, 3.62, "B", None,
                        3.41])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = read_bytes(buf.getvalue(), "rekap.xlsx")
    assert parsed.fatal
    assert (parsed.problems[0].sheet, parsed.problems[0].cell) == ("Rekap", "E2")
    assert "a formula" in parsed.problems[0].message

"""Workbooks that read like a report (zi_metrics.xlsx_report), read back with openpyxl: headers in
the reader's language, rows in rank order, the thresholds rows, colours, and the print set-up."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from zi_metrics.analytics import score_round
from zi_metrics.database import ensure_database
from zi_metrics.lke import export_lke, export_recap
from zi_metrics.store import Store
from zi_metrics.xlsx_report import Column, ReportSheet, ThresholdRow, header_row_of, report_workbook

RAW_CODE = re.compile(r"[a-z]_[a-z]|\(nilai\)")  # unit_id, survey_anti_korupsi (nilai)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("xlsx") / "demo.duckdb"
    ensure_database(path)
    return Store(path)


def _table(ws) -> tuple[list, list[list]]:
    """(header, data rows) of a report sheet: the rows between the header and the first blank row."""
    h = header_row_of(ws)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=h)]
    body = []
    for r in rows[1:]:
        if all(v is None for v in r):
            break
        body.append(r)
    return rows[0], body


def _assert_printable(ws, header_row: int) -> None:
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    assert ws.freeze_panes is not None and int(re.sub(r"\D", "", ws.freeze_panes)) == header_row + 1
    assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text


def test_recap_reads_like_a_report(demo: Store):
    wb = load_workbook(io.BytesIO(export_recap(demo, 2025, "tpi")))
    assert wb.sheetnames == ["Rekap", "Rincian poin"]
    assert wb.properties.title == "Rekap nilai Zona Integritas 2025 · TPI"
    assert wb.properties.creator == "Dasbor Zona Integritas"
    ws = wb["Rekap"]
    h = header_row_of(ws)
    _assert_printable(ws, h)
    assert ws.freeze_panes == f"C{h + 1}"  # rank and unit stay in view
    header, body = _table(ws)
    assert header[:8] == ["Peringkat", "Unit kerja", "Predikat", "Nilai total", "Pengungkit", "Hasil",
                          "MP (% dari maks.)", "TT (% dari maks.)"]
    assert not [x for x in header if RAW_CODE.search(str(x))], header
    assert "Survei Persepsi Anti Korupsi (IPAK/SPAK): nilai survei (0–4)" in header
    # ranked: by total, highest first, and the totals are the scored round's, independently sorted
    col = {x: i for i, x in enumerate(header)}
    totals = sorted((s.scorecard.total for s in score_round(demo, 2025, "tpi")), reverse=True)
    assert [r[col["Peringkat"]] for r in body] == list(range(1, len(totals) + 1))
    assert [r[col["Nilai total"]] for r in body] == pytest.approx(totals)
    # the thresholds rows sit above the header, under the columns they bar
    labels = {ws.cell(row=r, column=1).value: r for r in range(1, h)}
    wbk, wbbm = labels["Batas Menuju WBK"], labels["Batas Menuju WBBM"]
    assert ws.cell(row=wbk, column=col["Nilai total"] + 1).value == 75
    assert ws.cell(row=wbbm, column=col["Nilai total"] + 1).value == 85
    assert ws.cell(row=wbk, column=col["PW (% dari maks.)"] + 1).value == pytest.approx(0.60)
    survey = col["Survei Persepsi Anti Korupsi (IPAK/SPAK): nilai survei (0–4)"] + 1
    assert ws.cell(row=wbk, column=survey).value == pytest.approx(3.6)
    # failing rules by name, coloured cells where a rule fails, and the demo warning on the sheet
    failing = col["Aturan Menuju WBK yang belum terpenuhi"]
    by_total = {s.unit_id: s for s in score_round(demo, 2025, "tpi")}
    worst = min(by_total.values(), key=lambda s: s.scorecard.total)
    last = body[-1]
    assert last[col["Nilai total"]] == pytest.approx(worst.scorecard.total)
    wbk_rules = {r.rule for r in worst.evaluation.failing("WBK")}
    assert "total" in wbk_rules and "Nilai total" in last[failing]
    if "survey_anti_korupsi" in wbk_rules:  # a narrow column: the framework's short name
        assert "Survei anti korupsi (IPAK)" in last[failing]
    last_row = h + len(body)
    assert ws.cell(row=last_row, column=col["Nilai total"] + 1).fill.fgColor.rgb == "00F8CBAD"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Data sintetis" in x for x in texts)
    assert "None" not in texts and not any("None" in x for x in texts)
    assert any(x.startswith("Merah:") for x in texts)  # the colours' legend
    _assert_printable(wb["Rincian poin"], header_row_of(wb["Rincian poin"]))


def test_recap_in_english(demo: Store):
    wb = load_workbook(io.BytesIO(export_recap(demo, 2025, "tpi", lang="en")))
    assert wb.sheetnames == ["Recap", "Points in detail"]
    header, body = _table(wb["Recap"])
    assert header[:6] == ["Rank", "Work unit", "Predicate", "Total score", "Enablers (pengungkit)", "Results (hasil)"]
    assert "Anti-corruption perception survey (IPAK/SPAK): survey value (0–4)" in header
    col = {x: i for i, x in enumerate(header)}
    failing = " ".join(r[col["Menuju WBK rules not met"]] or "" for r in body)
    assert "Total score" in failing and "Nilai" not in failing
    assert {r[col["Predicate"]] for r in body} <= {"Menuju WBK", "Menuju WBBM", "No predicate"}


def test_lampiran3_export_keeps_the_form_and_prints_sanely(demo: Store):
    ws = load_workbook(io.BytesIO(export_lke(demo, "kemendesa-ditjen-pdt", 2025, "tpi")))["LKE ZI"]
    h = header_row_of(ws)
    assert [ws.cell(row=h, column=c).value for c in (1, 2, 8, 11, 12)] == ["NO", "PENILAIAN", "BOBOT", "JAWABAN",
                                                                           "NILAI"]
    _assert_printable(ws, h)


def test_helper_writes_empty_cells_for_missing_values_and_neutralises_text():
    sheet = ReportSheet(
        name="Daftar: unit/gagal", title="Daftar", rows=[{"unit": "=HYPERLINK(1)", "total": None, "n": 3},
                                                         {"unit": "B", "total": float("nan"), "n": None}],
        columns=[Column("unit", "Unit kerja", wrap=True), Column("total", "Nilai total", "number"),
                 Column("n", "Jumlah", "int")],
        thresholds=[ThresholdRow("Batas", {"total": 75})], fills=[{"total": "F8CBAD"}], freeze_columns=1)
    wb = load_workbook(io.BytesIO(report_workbook([sheet], title="Daftar", lang="en")))
    ws = wb.worksheets[0]
    assert ws.title == "Daftar- unit-gagal"  # ':' and '/' cannot be in a sheet name
    header, body = _table(ws)
    assert header == ["Unit kerja", "Nilai total", "Jumlah"]
    assert body == [["'=HYPERLINK(1)", None, 3], ["B", None, None]]
    h = header_row_of(ws)
    assert ws.cell(row=h + 1, column=2).fill.fgColor.rgb == "00F8CBAD"
    assert ws.cell(row=h + 1, column=2).number_format == "#,##0.00"
    assert ws.freeze_panes == f"B{h + 1}"
    assert ws.oddFooter.right.text == "Page &P of &N"
    with pytest.raises(ValueError):
        report_workbook([], title="x")


def test_the_recap_template_keeps_its_machine_header_and_prints_sanely():
    from zi_metrics.lke import recap_template
    from zi_metrics.lke.recap import RECAP_COLUMNS

    wb = load_workbook(io.BytesIO(recap_template("xlsx")))
    ws = wb["Rekap"]
    assert [c.value for c in ws[1]] == list(RECAP_COLUMNS)  # the importer reads these names
    _assert_printable(ws, 1)
    assert wb["Petunjuk"].page_setup.orientation == "portrait"

"""The PDF reports, read back as a reader would: the text extracted from the PDF (pypdf) holds every
rule of both predicates and every failing reason of a failing unit, whole question texts, the demo
banner on every page, proper metadata, A4 pages and vector charts; tables flow across pages with
their header repeated."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from zi_metrics import analytics
from zi_metrics.database import ensure_database
from zi_metrics.formatting import format_number, format_percent
from zi_metrics.gaps import item_gaps
from zi_metrics.names import rule_name
from zi_metrics.report import UnitReport, leadership_report_pdf, round_reports, unit_report_pdf
from zi_metrics.store import Store

REPO = Path(__file__).resolve().parents[1]
FAILING_UNIT, YEAR, STAGE = "kemendesa-ditjen-pdt", 2025, "tpi"  # the unit of the reported bug


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("report") / "demo.duckdb"
    ensure_database(path)
    return Store(path)


@pytest.fixture(scope="module")
def failing(demo: Store):
    rounds = analytics.unit_rounds(demo, FAILING_UNIT)
    return analytics.round_for(rounds, YEAR, STAGE), rounds


def _pages(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    """Text with line breaks and runs of spaces as single spaces (a wrapped cell spans lines)."""
    return re.sub(r"\s+", " ", text)


def _unit_pdf(demo: Store, failing, lang: str = "id") -> bytes:
    scored, rounds = failing
    name = demo.get_unit(FAILING_UNIT).name
    return unit_report_pdf(scored, rounds, name, awards=demo.awards(FAILING_UNIT), lang=lang, synthetic=True)


def test_every_failing_reason_of_a_failing_unit_is_in_the_pdf(demo: Store, failing):
    scored, _ = failing
    fw, ev = scored.framework, scored.evaluation
    wbk_failing = [r.rule for r in ev.failing("WBK")]
    # the reported bug: the report stopped at Penguatan Pengawasan; PP, Bersih and IPAK were absent
    assert {"area:PP", "bersih", "survey_anti_korupsi"} <= set(wbk_failing)
    pages = _pages(_unit_pdf(demo, failing))
    text = _flat(" ".join(pages))
    for r in ev.rules:  # every rule of both predicates, passing or not
        assert rule_name(fw, r.rule) in text, r.rule
    for r in ev.failing():  # each failing rule stated with its value, its bar and how far short
        shown = format_percent(r.value) if r.unit == "percent" else (
            format_number(r.value) if r.unit == "points" else "Tidak")
        bar = format_percent(r.threshold) if r.unit == "percent" else (
            format_number(r.threshold) if r.unit == "points" else "Ya")
        line = f"{rule_name(fw, r.rule)}: {shown}, batas {bar}"
        assert line in text, line
        if r.gap:
            assert f"{line} — kurang {format_number(r.gap)} poin" in text
    assert "59,61%" in text and "Menuju WBK: 4 aturan belum terpenuhi" in text
    # the questions worth the most points, each text whole (none cut mid-word)
    for g in [g for g in item_gaps(scored.scorecard) if g.gain > 0][:12]:
        assert _flat(g.name) in text, g.name
    # every stored round of the unit in the history table
    history = text[text.index("Riwayat penilaian dan predikat"):]
    for r in failing[1]:
        assert f"{r.year} " in history and format_number(r.scorecard.total) in history
    assert not re.search(r"\d\.\d\d(?!\d)", text), "a decimal point in the Indonesian report"
    assert "None" not in text


def test_the_pdf_is_a_proper_a4_document(demo: Store, failing):
    pdf = _unit_pdf(demo, failing)
    reader = PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == "Laporan Zona Integritas: Direktorat Jenderal Pembangunan Daerah Tertinggal (2025, TPI)"
    assert meta.author == "Dasbor Zona Integritas" and "Menuju WBK" in meta.subject
    assert "Kaleido" not in (meta.producer or "") + (meta.creator or "")
    assert len(reader.pages) >= 2
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(w), round(h)) == (595, 842)  # A4 in points
    texts = _pages(pdf)
    assert all("Data sintetis (demo)" in p for p in texts), "the demo banner on every page"
    assert all(f"Halaman {i} dari {len(texts)}" in p for i, p in enumerate(texts, start=1))
    # the radar is vector paths in the page content, not an embedded picture
    first = reader.pages[0]
    assert not list(first.images)
    assert b" l\n" in first.get_contents().get_data() or b" l " in first.get_contents().get_data()


def test_english_report_names_every_measure_in_english(demo: Store, failing):
    scored, _ = failing
    text = _flat(" ".join(_pages(_unit_pdf(demo, failing, "en"))))
    for r in scored.evaluation.failing():
        assert rule_name(scored.framework, r.rule, "en") in text
    assert "Public service quality" in text and "Anti-corruption perception survey (IPAK/SPAK)" in text
    assert "Peningkatan Kualitas Pelayanan Publik" not in text
    assert "TPI (internal assessment team)" in text and "59.61%" in text


def test_a_real_unit_with_no_banner_has_none(demo: Store, failing):
    scored, rounds = failing
    text = " ".join(_pages(unit_report_pdf(scored, rounds, "Unit <b>nyata</b> & Co", synthetic=False)))
    assert "Data sintetis" not in text and "Unit <b>nyata</b> & Co" in text  # markup in a name is text


def test_leadership_report_has_a_summary_and_a_section_per_unit(demo: Store):
    reports = round_reports(demo, YEAR, STAGE)
    pdf = leadership_report_pdf(reports, year=YEAR, stage=STAGE, synthetic=True)
    pages = _pages(pdf)
    assert "Laporan pimpinan Zona Integritas 2025 · TPI" in pages[0]
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Laporan pimpinan Zona Integritas 2025 · TPI"
    totals = sorted((r.scored.scorecard.total for r in reports), reverse=True)
    # each unit's section starts on its own page with its name as the title, in rank order
    starts = [i for i, p in enumerate(pages) if "Laporan unit · 2025 · TPI" in p]
    assert len(starts) == len(reports)
    for r, total in zip(sorted(reports, key=lambda r: -r.scored.scorecard.total), totals, strict=True):
        section = _flat(" ".join(pages[starts[[_flat(pages[i]).find(_flat(r.unit_name)) >= 0
                                                for i in starts].index(True)]:]))
        assert format_number(total) in section
        for rule in r.scored.evaluation.failing("WBK"):
            assert rule_name(r.scored.framework, rule.rule) in section
    assert all("Data sintetis (demo)" in p for p in pages)


def test_the_demo_banner_follows_the_units_a_page_shows(demo: Store):
    reports = round_reports(demo, YEAR, STAGE, [FAILING_UNIT, "kemendesa-itjen"])
    assert all(r.synthetic for r in reports)  # the demo database: every unit is demo data
    real = [replace(r, synthetic=r.scored.unit_id != FAILING_UNIT) for r in reports]  # one real unit
    pages = [_flat(p) for p in _pages(leadership_report_pdf(real, year=YEAR, stage=STAGE))]
    itjen = demo.get_unit("kemendesa-itjen").name
    sections = {}
    for text in pages:
        if "Laporan unit · 2025 · TPI" in text:
            current = itjen if itjen in text.split("Laporan unit")[0] else FAILING_UNIT
        else:
            current = sections and current or "summary"
        sections.setdefault(current, []).append("Data sintetis (demo)" in text)
    assert sections["summary"] and all(sections["summary"])  # the summary shows a demo unit
    assert sections[itjen] and all(sections[itjen])
    assert sections[FAILING_UNIT] and not any(sections[FAILING_UNIT])
    only_real = [replace(r, synthetic=False) for r in reports]
    assert not any("Data sintetis" in p for p in _pages(leadership_report_pdf(only_real, year=YEAR, stage=STAGE)))


def test_a_ranking_longer_than_a_page_repeats_its_header(demo: Store):
    base = round_reports(demo, YEAR, STAGE, with_history=0)
    many = [UnitReport(f"Satuan kerja nomor {i:03d} dengan nama yang panjang sekali untuk dibungkus", b.scored)
            for i, b in enumerate(base * 8)]
    pdf = leadership_report_pdf(many, year=YEAR, stage=STAGE, max_sections=0)
    pages = _pages(pdf)
    ranking = [p for p in pages if "Satuan kerja nomor" in p]
    assert len(ranking) >= 3
    assert all("Belum terpenuhi untuk predikat berikutnya" in _flat(p) for p in ranking)
    text = _flat(" ".join(pages))
    for i in range(len(many)):
        assert f"Satuan kerja nomor {i:03d} dengan nama yang panjang sekali untuk dibungkus" in text
    assert "Bagian per unit dibuat untuk 0 unit teratas dari 104" in text


def test_a_long_unit_name_and_a_recap_round_still_flow(demo: Store):
    recap = next(r for r in analytics.unit_rounds(demo, "kemendesa-itjen") if r.scorecard.source == "recap")
    long_name = "Direktorat " + "Pembangunan Kawasan Perdesaan dan Transmigrasi " * 6
    text = _flat(" ".join(_pages(unit_report_pdf(recap, [recap], long_name))))
    assert _flat(long_name) in text
    assert "tanpa jawaban LKE" in text  # a recap round has no questions to rank


def test_export_report_cli_writes_an_a4_pdf(demo: Store, tmp_path: Path):
    out = tmp_path / "r.pdf"
    done = subprocess.run([sys.executable, "-m", "zi_metrics", "export-report", "--unit", FAILING_UNIT,
                           "--year", str(YEAR), "--stage", STAGE, "--out", str(out), "--db", str(demo.path)],
                          capture_output=True, text=True, cwd=REPO, timeout=180)
    assert done.returncode == 0, done.stderr
    reader = PdfReader(out)
    assert round(float(reader.pages[0].mediabox.width)) == 595
    assert "Penguatan Pengawasan" in _flat(" ".join(p.extract_text() for p in reader.pages))


def test_export_leadership_report_cli(demo: Store, tmp_path: Path):
    out = tmp_path / "pimpinan.pdf"
    done = subprocess.run([sys.executable, "-m", "zi_metrics", "export-leadership-report", "--year", str(YEAR),
                           "--stage", STAGE, "--units", f"{FAILING_UNIT},kemendesa-itjen", "--lang", "en",
                           "--out", str(out), "--db", str(demo.path)], capture_output=True, text=True, cwd=REPO,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    text = _flat(" ".join(p.extract_text() for p in PdfReader(out).pages))
    assert "Zona Integritas leadership report 2025 · TPI (internal assessment team)" in text
    assert "Summary of 2 units" in text
    bad = subprocess.run([sys.executable, "-m", "zi_metrics", "export-leadership-report", "--year", str(YEAR),
                          "--stage", STAGE, "--units", "no-such-unit", "--out", str(tmp_path / "x.pdf"),
                          "--db", str(demo.path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert bad.returncode == 2 and "no-such-unit" in bad.stderr and "Traceback" not in bad.stderr


def test_export_report_names_an_unknown_unit(demo: Store, tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "zi_metrics", "export-report", "--unit", "no-such-unit",
                           "--year", "2025", "--stage", "tpn", "--out", str(tmp_path / "r.pdf"),
                           "--db", str(demo.path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2
    assert "no-such-unit" in done.stderr and "Traceback" not in done.stderr

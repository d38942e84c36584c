"""The unit report: an A4 page with the radar, both predicates' rules, gaps and history."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zi_metrics import analytics
from zi_metrics.report import A4_HEIGHT, A4_WIDTH, unit_report_figure
from zi_metrics.store import Store, ensure_database

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("report") / "demo.duckdb"
    ensure_database(path)
    return Store(path)


def test_report_page_holds_radar_rules_gaps_and_history(demo: Store):
    rounds = analytics.unit_rounds(demo, "kemendesa-itjen")
    scored = analytics.round_for(rounds, 2025, "tpn")
    fig = unit_report_figure(scored, rounds, "Inspektorat Jenderal", awards=demo.awards("kemendesa-itjen"),
                             synthetic=True)
    assert (fig.layout.width, fig.layout.height) == (A4_WIDTH, A4_HEIGHT)
    polar = [t for t in fig.data if t.type == "scatterpolar"]
    unit_trace = next(t for t in polar if t.name == "TPN")
    expected = [scored.scorecard.areas[c].percent for c in scored.framework.area_codes]
    assert list(unit_trace.r[:6]) == pytest.approx(expected)
    tables = [t for t in fig.data if t.type == "table"]
    assert len(tables) == 4
    rules = tables[1]
    # one row per rule: total, pengungkit, six areas, four hasil rules, holds_wbk
    assert len(rules.cells.values[0]) == 13
    history = tables[3]
    assert [int(y) for y in history.cells.values[0]] == sorted(r.year for r in rounds)[-8:]
    assert "sintetis" in fig.layout.title.text


def test_a_failing_rule_says_how_far_it_is_short(demo: Store):
    rounds = analytics.unit_rounds(demo, "kemendesa-ditjen-pdt")
    scored = analytics.latest_round(rounds)
    fig = unit_report_figure(scored, rounds, "Ditjen PDT")
    wbk_status = [t for t in fig.data if t.type == "table"][1].cells.values[3]
    failing = [r.rule for r in scored.evaluation.failing("WBK")]
    assert failing, "the demo unit fails some WBK rule"
    assert sum("✗" in s and "kurang" in s for s in wbk_status) == len(failing)


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists() and shutil.which("chromium") is None,
                    reason="kaleido needs Chromium (apt-get install chromium)")
def test_export_report_cli_writes_an_a4_pdf(demo: Store, tmp_path: Path):
    out = tmp_path / "r.pdf"
    done = subprocess.run([sys.executable, "-m", "zi_metrics", "export-report", "--unit", "kemendesa-itjen",
                           "--year", "2025", "--stage", "tpn", "--out", str(out), "--db", str(demo.path)],
                          capture_output=True, text=True, cwd=REPO, timeout=180)
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"MediaBox [0 0 595.9" in data and b"841.9" in data  # A4 in points


def test_export_report_names_an_unknown_unit(demo: Store, tmp_path: Path):
    done = subprocess.run([sys.executable, "-m", "zi_metrics", "export-report", "--unit", "no-such-unit",
                           "--year", "2025", "--stage", "tpn", "--out", str(tmp_path / "r.pdf"),
                           "--db", str(demo.path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2
    assert "no-such-unit" in done.stderr and "Traceback" not in done.stderr

"""Helpers shared by the LKE tests (not a conftest: imported by name from this folder)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from lke_builders import AREA_CODE, MASTER_PATH, full_answers, reference_score

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

needs_master = pytest.mark.skipif(not MASTER_PATH.is_file(),
                                  reason=f"reference master list not found at {MASTER_PATH}")


def approx(x: float):
    return pytest.approx(x, abs=1e-9)


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def canonical(answers):
    """What the readers return: option keys as the regulation spells them, numbers as floats."""
    out = {}
    for q, v in answers.items():
        if isinstance(v, str):
            v = v.strip()
            v = {"ya": "Ya", "tidak": "Tidak"}.get(v.casefold(), v.upper())
        out[q] = float(v) if isinstance(v, (int, float)) else v
    return out


def tpi_answers():
    """The TPI disagrees with the unit on a few items and leaves some blank."""
    tpi = {q: v for q, v in full_answers().items() if q not in (30, 31, 99)}
    tpi.update({1: "Tidak", 6: "C", 89: 4, 112: 10, 125: 3.5, 126: "C"})
    return tpi


def assert_matches_reference(card, answers):
    """Every sub-area, area, half and total of ``card`` equals the independent reference scorer."""
    ref = reference_score(answers)
    assert card.total == approx(ref["total"])
    assert card.pengungkit == approx(ref["pengungkit"])
    assert card.hasil == approx(ref["hasil"])
    for title, value in ref["areas"].items():
        assert card.areas[AREA_CODE[title]].score == approx(value), title
    assert card.halves["pemenuhan"] == approx(ref["halves"]["PEMENUHAN"])
    assert card.halves["reform"] == approx(ref["halves"]["REFORM"])
    by_name = {s.name: s for s in card.sub_areas.values()}
    by_name.update({p.name: p for s in card.sub_areas.values() for p in s.parts})
    checked = 0
    for title, value in ref["sub_areas"].items():
        assert by_name[title].score == approx(value), title
        checked += 1
    assert checked == 43  # every scored sub-area (the LHKPN one through its two parts)

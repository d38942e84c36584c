"""The 90/2021 framework file agrees with PortalRB's 2026 master question list (reference data).

The master JSON lives outside the repository (../shared/domain/lke/); it is read, never copied.
Its tree: komponen (A. PENGUNGKIT / B. HASIL) > sub_komponen (I. PEMENUHAN, II. REFORM / hasil
components) > area_perubahan (the same six areas under each half) > sub_area (> sub_area for the
LHKPN / Non-LHKPN parts), with questions ("soals") on sub-areas and on the hasil components.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from zi_metrics.framework import load_framework

MASTER = Path(__file__).resolve().parents[1].parent / "shared/domain/lke/lke-2026-master.json"

TYPE_MAP = {"YA_TIDAK": "YA_TIDAK", "ABC": "ABC", "ABCD": "ABCD", "ABCDE": "ABCDE", "Jumlah": "JUMLAH",
            "jumlah": "JUMLAH", "0-4": "NILAI_0_4"}
HALF_MAP = {"PEMENUHAN": "pemenuhan", "REFORM": "reform"}


def approx(x):
    return pytest.approx(x, abs=1e-9)


def _label(name: str) -> str:
    """'iii. Penyampaian  Laporan' -> 'penyampaian laporan' (numbering dropped, whitespace normalised)."""
    name = re.sub(r"^\s*([0-9]+|[ivxIVX]+|[a-zA-Z])\.\s+", "", name)
    return " ".join(name.split()).casefold()


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def master() -> dict[str, Any]:
    if not MASTER.is_file():
        pytest.skip(f"PortalRB master question list not found at {MASTER} (shared reference data is absent)")
    return json.loads(MASTER.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fw():
    return load_framework("permenpanrb-90-2021")


def _soals(node: dict[str, Any]):
    yield from node.get("soals") or []
    for child in node.get("children") or []:
        yield from _soals(child)


@pytest.fixture(scope="module")
def master_questions(master) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for root in master["data"]:
        for s in _soals(root):
            assert s["id"] not in out, f"master lists question {s['id']} twice"
            out[s["id"]] = s
    return out


def _komponen(master, prefix: str) -> dict[str, Any]:
    return next(n for n in master["data"] if n["level"] == "komponen" and _label(n["nama"]) == prefix)


def _our_sub_areas(fw):
    for area in fw.areas:
        for s in area.sub_areas:
            yield s
            yield from s.parts


# ---------------------------------------------------------------------------------------------


def test_master_header(master, master_questions):
    assert master["total_soal"] == 127
    assert len(master_questions) == 127


def test_question_ids(fw, master_questions):
    assert sorted(master_questions) == list(range(1, 128))
    assert sorted(fw.questions) == sorted(master_questions)


def test_answer_types(fw, master_questions):
    for qid, s in master_questions.items():
        assert s["jenis_jawaban"] in TYPE_MAP, f"question {qid}: master type {s['jenis_jawaban']!r}"
        assert fw.questions[qid].type == TYPE_MAP[s["jenis_jawaban"]], qid


def test_option_multipliers(fw, master_questions):
    for qid, s in master_questions.items():
        ours = fw.questions[qid].options
        theirs = {o["key"]: o["multiplier"] for o in s.get("skema_penilaian") or []}
        if not theirs:
            assert ours is None, qid  # counts and survey values have no options
            continue
        assert ours is not None, qid
        assert list(ours) == list(theirs), qid  # same keys, same order
        assert ours == {k: approx(v) for k, v in theirs.items()}, qid


def test_jawaban_rows(fw, master_questions):
    for qid, s in master_questions.items():
        assert s["excel_sheet"] == "Jawaban"
        assert fw.questions[qid].jawaban_row == s["excel_baris"], qid


def test_question_text(fw, master_questions):
    for qid, s in master_questions.items():
        assert _norm(fw.questions[qid].text) == _norm(s["teks_pertanyaan"]), qid


def test_pengungkit_halves_and_areas(master, fw):
    peng = _komponen(master, "pengungkit")
    assert peng["bobot_maksimal"] == approx(fw.pengungkit_max)
    halves = {HALF_MAP[_label(h["nama"]).upper()]: h for h in peng["children"]}
    assert set(halves) == set(fw.half_names)
    by_name = {_label(a.name): a for a in fw.areas}
    for hcode, hnode in halves.items():
        assert hnode["level"] == "sub_komponen"
        half_total = sum(h.max for a in fw.areas for h in a.halves if h.code == hcode)
        assert half_total == approx(hnode["bobot_maksimal"]), hcode  # 30 each
        seen = []
        for anode in hnode["children"]:
            assert anode["level"] == "area_perubahan"
            area = by_name[_label(anode["nama"])]
            half = next(h for h in area.halves if h.code == hcode)
            assert half.max == approx(anode["bobot_maksimal"]), (area.code, hcode)
            seen.append(area.code)
        assert seen == list(fw.area_codes)  # same six areas, same order
    for area in fw.areas:  # each area's max = its Pemenuhan + Reform weights in the master
        total = sum(anode["bobot_maksimal"] for h in halves.values() for anode in h["children"]
                    if by_name[_label(anode["nama"])] is area)
        assert area.max == approx(total), area.code


def _master_sub_areas(node: dict[str, Any], path: tuple[str, ...] = ()):
    """(half, area label, node) for every sub_area node, composites and their parts included."""
    for child in node.get("children") or []:
        if child["level"] == "sub_komponen":
            yield from _master_sub_areas(child, (HALF_MAP[_label(child["nama"]).upper()],))
        elif child["level"] == "area_perubahan":
            yield from _master_sub_areas(child, (*path[:1], _label(child["nama"])))
        elif child["level"] == "sub_area":
            yield (*path, child)
            yield from _master_sub_areas(child, path)


def test_sub_areas_and_weights(master, fw):
    ours = {frozenset(s.questions): s for s in _our_sub_areas(fw)}
    matched = set()
    for half, area_label, node in _master_sub_areas(_komponen(master, "pengungkit")):
        qids = frozenset(q["id"] for q in _soals(node))
        assert qids in ours, f"master sub-area {node['nama']!r} ({sorted(qids)}) has no counterpart"
        sub = ours[qids]
        assert sub.weight == approx(node["bobot_maksimal"]), sub.code
        assert _label(sub.name) == _label(node["nama"]), sub.code
        assert sub.half == half, sub.code
        assert _label(fw.area(sub.area).name) == area_label, sub.code
        # question order within the sub-area as in the master
        assert list(sub.questions) == [q["id"] for q in _soals(node)], sub.code
        if node.get("children"):
            assert [p.code for p in sub.parts] == [
                ours[frozenset(q["id"] for q in _soals(c))].code for c in node["children"]]
        matched.add(sub.code)
    assert matched == {s.code for s in _our_sub_areas(fw)}


def test_lhkpn_parts(master, fw):
    composite = [n for _, _, n in _master_sub_areas(_komponen(master, "pengungkit")) if n.get("children")]
    assert len(composite) == 1
    node = composite[0]
    sub = fw.sub_area("PW.R3")
    assert sub.weight == approx(node["bobot_maksimal"]) == approx(2)
    assert [p.weight for p in sub.parts] == [approx(c["bobot_maksimal"]) for c in node["children"]]


def test_hasil(master, fw):
    hasil = _komponen(master, "hasil")
    assert hasil["bobot_maksimal"] == approx(fw.hasil_max)
    comps = {_label(c.name): c for c in fw.hasil_components}
    assert len(hasil["children"]) == len(comps)
    for cnode in hasil["children"]:
        comp = comps[_label(cnode["nama"])]
        assert comp.max == approx(cnode["bobot_maksimal"]), comp.code
        master_items = [(s["id"], s["bobot_maksimal"]) for s in cnode["soals"]]
        assert [(i.question, approx(i.points)) for i in comp.items] == master_items, comp.code
        for item in comp.items:
            assert fw.questions[item.question].hasil_item == item.code
            assert fw.questions[item.question].area is None


def test_option_texts(fw, master_questions):
    """Every option of every 90/2021 option question has the master's wording (criteria), except
    "Tidak", which the master states only as the word itself; "Ya" carries the criterion."""
    for qid, s in master_questions.items():
        q = fw.questions[qid]
        if q.kind != "option":
            assert q.option_texts is None, qid
            continue
        if q.type == "YA_TIDAK":
            criterion = _norm(s["kriteria_nilai"])
            assert criterion.casefold().startswith("ya"), qid
            assert _norm(q.option_text("Ya")).casefold() in criterion.casefold(), qid
            assert q.option_text("Tidak") is None, qid
            continue
        labels = {o["key"]: _norm(o["label"]).rstrip(";").strip() for o in s["skema_penilaian"]}
        assert {k: q.option_text(k) for k in q.options} == labels, qid

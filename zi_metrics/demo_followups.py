"""Follow-ups of the demo's assessor notes (see zi_metrics.demo)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from zi_metrics.demo_cast import CURRENT_YEAR, F90, DemoData
from zi_metrics.framework import load_framework

# ---------------------------------------------------------------------------------------------
# Follow-ups of the assessors' notes (Tindak lanjut), for the TPI and TPN rounds of the last two
# years: the assessor notes a few items that did not get the best answer, and the unit follows up.
# 2025's are mostly done; 2026's (the round in progress) are spread over belum / proses / selesai
# with due dates from June 2026 to February 2027, so that some are late and some are not.

FOLLOW_UP_YEARS = (2025, 2026)
_FOLLOW_UP_NOTES = {
    "MP": "Lengkapi bukti monitoring dan evaluasi rencana kerja ZI periode {year}.",
    "TT": "SOP kegiatan utama belum seluruhnya direviu; unggah hasil reviu {year}.",
    "SDM": "Pola mutasi dan data pengembangan kompetensi {year} belum ditetapkan.",
    "AK": "Perjanjian kinerja {year} belum ditandatangani pimpinan unit.",
    "PW": "Laporan pengendalian gratifikasi dan WBS {year} belum lengkap.",
    "PP": "Hasil survei kepuasan masyarakat {year} belum dipublikasikan.",
    None: "Lampirkan laporan survei eksternal {year} yang ditandatangani.",
}
_PICS = ("Sekretariat", "Subbagian Umum", "Subbagian Kepegawaian", "Tim Kerja ZI", "Bagian Perencanaan",
         "Humas", "Pengelola SPBE")


def _follow_up(rng: random.Random, year: int, qid: int, slug: str) -> dict[str, Any]:
    current = year == CURRENT_YEAR
    status = rng.choices(("selesai", "proses", "belum"), (0.3, 0.4, 0.3) if current else (0.75, 0.15, 0.1))[0]
    if current:
        due = dt.date(2026, 6, 15) + dt.timedelta(days=rng.randint(0, 258))  # to 28 February 2027
    else:
        due = dt.date(2025, 7, 1) + dt.timedelta(days=rng.randint(0, 152))
    done = status == "selesai"
    started = status == "proses"
    link: str | None = None
    if done or started:
        link = f"https://contoh.kemendesa.go.id/zi/{slug}/tindak-lanjut/{year}/{qid}"
        if rng.random() < 0.1:
            link = "Arsip fisik di Subbagian Umum (contoh)"  # not a web address: shown as text
    return {
        "pic": None if not done and rng.random() < 0.12 else rng.choice(_PICS),
        "due_date": due,
        "status": status,
        "note_addressed": True if done or started else rng.choice((False, None)),
        "evidence_period_ok": True if done else rng.choice((True, False, None) if started else (False, None)),
        "evidence_named_ok": True if done else rng.choice((True, False, None)),
        "evidence_url": link,
    }


def _add_follow_ups(data: DemoData, rng: random.Random) -> None:
    """Give the assessor rounds of FOLLOW_UP_YEARS their notes on a few items short of the best
    answer, each with its follow-up; their other notes go (an assessor's note is a follow-up)."""
    fw = load_framework(F90)
    for r in data.rounds:
        if r.year not in FOLLOW_UP_YEARS or r.stage not in ("tpi", "tpn") or not r.answers:
            continue
        short = [qid for qid, entry in sorted(r.answers.items())
                 if fw.questions[qid].options and fw.questions[qid].options.get(entry.get("answer"), 1.0) < 1.0]
        picked = sorted(rng.sample(short, k=min(len(short), rng.randint(4, 9))))
        slug = r.unit_id.split("-", 1)[-1]
        for entry in r.answers.values():
            entry.pop("note", None)
        r.follow_ups = {}
        for qid in picked:
            text = _FOLLOW_UP_NOTES[fw.questions[qid].area].format(year=r.year)
            r.answers[qid]["note"] = f"[DEMO] {text} (catatan {r.stage.upper()} sintetis)"
            r.follow_ups[qid] = _follow_up(rng, r.year, qid, slug)

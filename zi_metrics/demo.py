"""Deterministic synthetic demo data: Kemendesa PDTT building Zona Integritas since 2018.

Every number here is invented (a fixed seed drives ``random.Random``); names of the agencies are
real, so that the demo reads like the May 2018 Itjen Kemendesa PDTT coordination meeting that
started the project, but no score, count, note, link or decree reference is real. The database
says so: ``meta.dataset = 'demo'`` and every note and decree reference carries a "sintetis" /
"contoh" marker.

What the demo shows:

* 2018 under PermenPANRB 52/2014, recorded as area-level recaps (area points + hasil inputs
  survey_anti_korupsi, tlhp_percent, survey_pelayanan): the two ZI pilots of Kepmen Desa PDTT
  No. 8/2018 are proposed and fail at the TPN; KKP's best-practice unit earns WBK.
* 2022-2026 under PermenPANRB 90/2021 with full LKE answers to all 127 questions. Convention:
  the hasil questions 125 (survey anti-korupsi, 0-4), 126 (capaian kinerja, A-E) and 127 (survey
  pelayanan, 0-4) are stored as answers like every other question; ``hasil_inputs`` stays empty
  for answer rounds.
* Each year a unit goes through the stages it reached: mandiri -> TPI -> TPN (TPN only when the
  TPI score passes the proposal gate; 2026 is still in progress, so it has no TPN round).
* Trajectories (checked with zi_metrics.scoring and zi_metrics.rules while generating, answers are
  nudged until they hold): Ditjen Pengembangan Kawasan Transmigrasi earns WBK in 2023 and Ditjen
  Pembangunan Kawasan Transmigrasi in 2024; Itjen earns WBK in 2022 and WBBM in 2025; BBPLM
  Jakarta earns WBK in 2022 and loses it in March 2024; KKP's BBPBAP Jepara holds WBK (2018)
  and WBBM (2022). TPN totals differ from TPI totals; some mandiri LKEs are only partly answered
  (their score is provisional).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.framework import load_framework
from zi_metrics.rules import Evaluation, evaluate, held_predicate
from zi_metrics.scoring import score_answers, score_areas
from zi_metrics.store import DatasetContent, Store, StoreError, Unit

DEMO_SEED = 20180514  # the first day of the Hotel Harper meeting, 14 May 2018
F52 = "permenpanrb-52-2014"
F90 = "permenpanrb-90-2021"
RECAP_YEAR = 2018
ANSWER_YEARS = (2022, 2023, 2024, 2025, 2026)
CURRENT_YEAR = 2026  # the round in progress: no TPN yet
SYNTHETIC_NOTICE = (
    "Data demo sintetis: semua nilai, catatan dan nomor keputusan adalah contoh, bukan data resmi."
)
ACTOR = "demo-generator"


class DemoRefusedError(StoreError):
    """The database holds real data; the demo would replace it."""


# ---------------------------------------------------------------------------------------------
# Units


K = "kemendesa"
ITJEN = "kemendesa-itjen"
SETJEN = "kemendesa-setjen"
PILOT_A = "kemendesa-ditjen-pengembangan-kt"
PILOT_B = "kemendesa-ditjen-pembangunan-kt"
PDP = "kemendesa-ditjen-pdp"
PDT = "kemendesa-ditjen-pdt"
BALILATFO = "kemendesa-balilatfo"
HUMAS = "kemendesa-setjen-biro-humas"
IRWIL1 = "kemendesa-itjen-inspektorat-1"
BBPLM = "kemendesa-balilatfo-bbplm-jakarta"
BPLM_YK = "kemendesa-balilatfo-bplm-yogyakarta"
DIT_PKT = "kemendesa-ditjen-pembangunan-kt-dit-perencanaan"
KKP = "kkp"
KKP_DJPB = "kkp-djpb"
KKP_PEER = "kkp-djpb-bbpbap-jepara"
PILOTS = (PILOT_A, PILOT_B)

UNITS: tuple[Unit, ...] = (
    Unit(
        K,
        "Kementerian Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi",
        "instansi",
        short_name="Kemendesa PDTT",
    ),
    Unit(ITJEN, "Inspektorat Jenderal", "eselon1", parent_id=K, short_name="Itjen"),
    Unit(SETJEN, "Sekretariat Jenderal", "eselon1", parent_id=K, short_name="Setjen"),
    Unit(
        PILOT_A,
        "Direktorat Jenderal Pengembangan Kawasan Transmigrasi",
        "eselon1",
        parent_id=K,
        short_name="Ditjen Pengembangan KT",
    ),
    Unit(
        PILOT_B,
        "Direktorat Jenderal Pembangunan Kawasan Transmigrasi",
        "eselon1",
        parent_id=K,
        short_name="Ditjen Pembangunan KT",
    ),
    Unit(
        PDP,
        "Direktorat Jenderal Pembangunan Desa dan Perdesaan",
        "eselon1",
        parent_id=K,
        short_name="Ditjen PDP",
    ),
    Unit(
        PDT,
        "Direktorat Jenderal Pembangunan Daerah Tertinggal",
        "eselon1",
        parent_id=K,
        short_name="Ditjen PDT",
    ),
    Unit(
        BALILATFO,
        "Badan Penelitian dan Pengembangan, Pendidikan dan Pelatihan, dan Informasi",
        "eselon1",
        parent_id=K,
        short_name="Balilatfo",
    ),
    Unit(IRWIL1, "Inspektorat I", "eselon2", parent_id=ITJEN, short_name="Inspektorat I"),
    Unit(
        HUMAS, "Biro Hubungan Masyarakat dan Kerja Sama", "eselon2", parent_id=SETJEN, short_name="Biro Humas"
    ),
    Unit(
        DIT_PKT,
        "Direktorat Perencanaan Pembangunan Kawasan Transmigrasi",
        "eselon2",
        parent_id=PILOT_B,
        short_name="Dit. Perencanaan PKT",
    ),
    Unit(
        BBPLM,
        "Balai Besar Pelatihan Masyarakat Jakarta",
        "satker",
        parent_id=BALILATFO,
        short_name="BBPLM Jakarta",
    ),
    Unit(
        BPLM_YK,
        "Balai Pelatihan Masyarakat Yogyakarta",
        "satker",
        parent_id=BALILATFO,
        short_name="BPLM Yogyakarta",
    ),
    Unit(KKP, "Kementerian Kelautan dan Perikanan", "instansi", short_name="KKP"),
    Unit(KKP_DJPB, "Direktorat Jenderal Perikanan Budidaya", "eselon1", parent_id=KKP, short_name="DJPB"),
    Unit(
        KKP_PEER,
        "Balai Besar Perikanan Budidaya Air Payau Jepara",
        "satker",
        parent_id=KKP_DJPB,
        short_name="BBPBAP Jepara",
    ),
)
_UNIT = {u.id: u for u in UNITS}

# Unit character: base quality in 2018 and 2022 (0..1, roughly the share of the best answers),
# the yearly gain, and the size of the unit (drives the counts).
_PROFILE: dict[str, tuple[float, float, float, int]] = {
    ITJEN: (0.55, 0.80, 0.035, 320),
    SETJEN: (0.45, 0.62, 0.025, 900),
    PILOT_A: (0.55, 0.70, 0.040, 420),
    PILOT_B: (0.50, 0.64, 0.040, 460),
    PDP: (0.40, 0.58, 0.030, 380),
    PDT: (0.40, 0.55, 0.025, 350),
    BALILATFO: (0.42, 0.60, 0.025, 300),
    IRWIL1: (0.50, 0.66, 0.030, 60),
    HUMAS: (0.45, 0.60, 0.030, 80),
    DIT_PKT: (0.45, 0.60, 0.030, 70),
    BBPLM: (0.50, 0.76, 0.030, 150),
    BPLM_YK: (0.45, 0.66, 0.040, 90),
    KKP_PEER: (0.80, 0.90, 0.015, 280),
}

# The plan: stages reached per unit and year, and what the TPN round must show.
# TPN targets: 'fail' (no predicate), 'WBK' / 'WBBM' (the predicate earned; awarded when the
# unit did not hold it yet, kept otherwise).
M, MT = ("mandiri",), ("mandiri", "tpi")
_PLAN: dict[int, dict[str, tuple[tuple[str, ...], str | None]]] = {
    2018: {
        ITJEN: (MT, None),
        SETJEN: (M, None),
        PILOT_A: (("mandiri", "tpi", "tpn"), "fail"),
        PILOT_B: (("mandiri", "tpi", "tpn"), "fail"),
        PDP: (M, None),
        KKP_PEER: (("mandiri", "tpi", "tpn"), "WBK"),
    },
    2022: {
        ITJEN: (("mandiri", "tpi", "tpn"), "WBK"),
        SETJEN: (MT, None),
        PILOT_A: (("mandiri", "tpi", "tpn"), "fail"),
        PILOT_B: (MT, None),
        PDP: (MT, None),
        PDT: (M, None),
        BALILATFO: (M, None),
        HUMAS: (M, None),
        BBPLM: (("mandiri", "tpi", "tpn"), "WBK"),
        BPLM_YK: (M, None),
        KKP_PEER: (("mandiri", "tpi", "tpn"), "WBBM"),
    },
    2023: {
        ITJEN: (("mandiri", "tpi", "tpn"), "WBK"),
        SETJEN: (MT, None),
        PILOT_A: (("mandiri", "tpi", "tpn"), "WBK"),
        PILOT_B: (("mandiri", "tpi", "tpn"), "fail"),
        PDP: (MT, None),
        PDT: (M, None),
        BALILATFO: (MT, None),
        IRWIL1: (M, None),
        HUMAS: (MT, None),
        BBPLM: (MT, None),
        BPLM_YK: (("mandiri", "tpi", "tpn"), "fail"),
        KKP_PEER: (MT, None),
    },
    2024: {
        ITJEN: (("mandiri", "tpi", "tpn"), "WBK"),
        SETJEN: (MT, None),
        PILOT_A: (MT, None),
        PILOT_B: (("mandiri", "tpi", "tpn"), "WBK"),
        PDP: (("mandiri", "tpi", "tpn"), "fail"),
        PDT: (M, None),
        BALILATFO: (MT, None),
        IRWIL1: (MT, None),
        HUMAS: (MT, None),
        DIT_PKT: (M, None),
        BBPLM: (M, None),
        BPLM_YK: (("mandiri", "tpi", "tpn"), "WBK"),
        KKP_PEER: (("mandiri", "tpi", "tpn"), "WBBM"),
    },
    2025: {
        ITJEN: (("mandiri", "tpi", "tpn"), "WBBM"),
        SETJEN: (MT, None),
        PILOT_A: (("mandiri", "tpi", "tpn"), "WBK"),
        PILOT_B: (MT, None),
        PDP: (MT, None),
        PDT: (MT, None),
        BALILATFO: (MT, None),
        IRWIL1: (MT, None),
        HUMAS: (("mandiri", "tpi", "tpn"), "fail"),
        DIT_PKT: (MT, None),
        BBPLM: (MT, None),
        BPLM_YK: (MT, None),
        KKP_PEER: (MT, None),
    },
    2026: {
        ITJEN: (MT, None),
        SETJEN: (MT, None),
        PILOT_A: (MT, None),
        PILOT_B: (MT, None),
        PDP: (MT, None),
        PDT: (MT, None),
        BALILATFO: (M, None),
        IRWIL1: (MT, None),
        HUMAS: (MT, None),
        DIT_PKT: (MT, None),
        BBPLM: (MT, None),
        BPLM_YK: (MT, None),
        KKP_PEER: (MT, None),
    },
}
# Mandiri LKEs submitted half-filled (provisional scores).
PARTIAL_MANDIRI: tuple[tuple[str, int], ...] = ((PDT, 2024), (BALILATFO, 2026))
# TPI rounds of 2026 that must pass the proposal gate (BBPLM may be proposed again after 2 years).
_TPI_GATE_2026 = {BBPLM: "WBK", ITJEN: "WBBM", PILOT_B: "WBBM"}
REVOCATION = (
    BBPLM,
    2022,
    "WBK",
    dt.date(2024, 3, 15),
    "[DEMO] Dicabut: pegawai terjaring operasi tangkap tangan pungutan liar layanan pelatihan "
    "(kejadian sintetis)",
)


# ---------------------------------------------------------------------------------------------
# Generated data (pure), then written in one transaction


@dataclass
class DemoRound:
    unit_id: str
    year: int
    stage: str
    framework_id: str
    evaluated_on: dt.date
    answers: dict[int, Any] | None = None  # question id -> {"answer", "note", "evidence_ref"}
    area_points: dict[str, float] | None = None
    hasil: dict[str, Any] | None = None
    partial: bool = False
    follow_ups: dict[int, dict[str, Any]] | None = None  # assessor rounds: question -> follow-up fields


@dataclass
class DemoData:
    seed: int
    units: tuple[Unit, ...]
    rounds: list[DemoRound] = field(default_factory=list)
    prerequisites: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)  # unit_id, year, predicate, decree_ref
    revocations: list[dict[str, Any]] = field(default_factory=list)
    proposals: dict[tuple[str, int], str] = field(default_factory=dict)  # (unit, year) -> predicate proposed


@dataclass(frozen=True)
class DemoSummary:
    units: int
    evaluations: int
    answers: int
    awards: int
    seconds: float


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo if x < lo else hi if x > hi else x


def _quality(unit_id: str, year: int) -> float:
    q2018, q2022, gain, _ = _PROFILE[unit_id]
    if year <= 2019:
        return q2018
    return _clamp(q2022 + gain * (year - 2022), 0.0, 0.97)


class _Gen:
    """Answer generation and nudging for one framework (both take and return plain dicts)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.fw90 = load_framework(F90)
        self.fw52 = load_framework(F52)
        fw = self.fw90
        self.options = {
            q.id: sorted(q.options, key=lambda k: -q.options[k])
            for q in fw.questions.values()
            if q.kind == "option"
        }  # best first
        self.area_questions: dict[str, list[int]] = {
            a.code: sorted(q for s in a.sub_areas for q in s.questions) for a in fw.areas
        }
        self.area_items = {
            a.code: [i for s in a.sub_areas for p in (s.parts or (s,)) for i in p.items if i.kind != "answer"]
            for a in fw.areas
        }
        self.evidence = self._evidence_templates()

    # -- fresh answers -------------------------------------------------------------------------

    def pick_option(self, qid: int, q: float) -> str:
        opts = self.options[qid]
        mult = self.fw90.questions[qid].options or {}
        target = _clamp(q + self.rng.gauss(0.0, 0.22))
        return min(opts, key=lambda k: (abs(mult[k] - target), -mult[k]))

    def fresh_answers(self, q: float, size: int) -> dict[int, Any]:
        rng = self.rng
        a: dict[int, Any] = {}
        for qid in sorted(self.options):
            a[qid] = self.pick_option(qid, q)

        def share(bonus: float = 0.0, floor: float = 0.2) -> float:
            return _clamp(q + bonus + rng.gauss(0.0, 0.08), floor, 1.0)

        agents = max(4, round(size * rng.uniform(0.04, 0.08)))
        a[88] = agents
        a[89] = min(agents, round(agents * share(0.05)))
        a[90] = a[89]
        a[91] = round(a[90] * share())
        before = rng.randint(0, max(1, size // 60))
        a[102] = before
        a[103] = min(before, round(before * _clamp(1.0 - q + rng.gauss(0, 0.1)))) if before else int(q < 0.5)
        a[104] = a[103] - (1 if a[103] and rng.random() < 0.3 else 0)
        a[105] = rng.randint(6, 14)
        a[106] = round(a[105] * share(0.05, 0.3))
        complaints = rng.randint(0, max(3, size // 12))
        a[110] = complaints
        a[112] = round(complaints * share(0.05))
        a[111] = rng.randint(0, complaints - a[112])
        a[113] = 1
        a[114] = max(3, round(size * rng.uniform(0.03, 0.06)))
        a[115] = rng.randint(0, max(1, size // 50))
        a[116] = round((a[113] + a[114] + a[115]) * share(0.2, 0.6))
        a[117] = max(2, round(size * rng.uniform(0.02, 0.04)))
        a[118] = max(4, round(size * rng.uniform(0.05, 0.09)))
        a[119] = max(20, round(size * rng.uniform(0.5, 0.7)))
        a[120] = round((a[117] + a[118] + a[119]) * share(0.15, 0.5))
        a[122] = rng.randint(4, 18)
        a[123] = round(a[122] * share(0.0, 0.1))
        a[125] = round(_clamp(2.75 + 1.05 * q + rng.gauss(0.0, 0.06), 0.0, 3.98), 2)
        a[127] = round(_clamp(2.6 + 1.2 * q + rng.gauss(0.0, 0.06), 0.0, 3.98), 2)
        return a

    # -- scoring -------------------------------------------------------------------------------

    def evaluate(self, answers: Mapping[int, Any], holds: bool) -> Evaluation:
        return evaluate(self.fw90, score_answers(self.fw90, answers), holds_wbk=holds)

    # -- nudging -------------------------------------------------------------------------------

    def _improvable(self, a: dict[int, Any], area: str) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        for qid in self.area_questions[area]:
            if qid in self.options and qid in a and a[qid] != self.options[qid][0]:
                out.append(("opt", qid))
        for item in self.area_items[area]:
            if item.kind == "ratio":
                num = sum(a[q] for q in item.numerator)
                den = sum(a[q] for q in item.denominator)
                if den and num < den:
                    out.append(("ratio", item))
            elif item.kind == "reduction" and a[item.after] > 0:
                out.append(("reduction", item))
        return out

    def _worsenable(self, a: dict[int, Any], area: str) -> list[int]:
        return [
            q
            for q in self.area_questions[area]
            if q in self.options and q in a and a[q] != self.options[q][-1]
        ]

    def improve(self, a: dict[int, Any], area: str, steps: int = 2) -> bool:
        rng = self.rng
        changed = False
        for _ in range(steps):
            cands = self._improvable(a, area)
            if not cands:
                return changed
            kind, what = cands[rng.randrange(len(cands))]
            if kind == "opt":
                opts = self.options[what]
                a[what] = opts[opts.index(a[what]) - 1]
            elif kind == "ratio":
                num_q = what.numerator[0]
                den = sum(a[q] for q in what.denominator)
                num = sum(a[q] for q in what.numerator)
                a[num_q] = a[num_q] + max(1, (den - num + 1) // 2)
                if num_q in (112,):  # complaints followed up leave fewer in process
                    a[111] = max(0, min(a[111], a[110] - a[112]))
            else:
                a[what.after] -= 1
                a[104] = min(a[104], a[103])
            changed = True
        if 89 in a and 90 in a:
            a[90] = a[89]
            a[91] = min(a[91], a[90])
        return changed

    def worsen(self, a: dict[int, Any], area: str, steps: int = 2) -> bool:
        changed = False
        for _ in range(steps):
            cands = self._worsenable(a, area)
            if not cands:
                return changed
            qid = cands[self.rng.randrange(len(cands))]
            opts = self.options[qid]
            a[qid] = opts[opts.index(a[qid]) + 1]
            changed = True
        return changed

    def nudge_to(
        self, a: dict[int, Any], want: str | None, holds: bool, *, scores_only: bool = False, limit: int = 400
    ) -> Evaluation:
        """Change answers until the round earns ``want`` (None = no predicate). With
        ``scores_only``, ``want`` must only meet the score rules (the TPI proposal gate)."""
        rng = self.rng
        for _ in range(limit):
            ev = self.evaluate(a, holds)
            got = ev.predicate
            if scores_only:
                ok = ev.meets_scores.get(want, False) if want else not ev.meets_scores.get("WBK", False)
            else:
                ok = got == want
            if ok:
                return ev
            up = want is not None and (not ev.meets_scores.get(want, False))
            if up:
                failing = [r for r in ev.failing(want) if r.unit != "flag"]
                rule = failing[rng.randrange(len(failing))].rule
                self._raise_rule(a, rule, ev)
            else:
                # Too good: lower the level just above the wanted one.
                too_high = "WBK" if want is None else "WBBM"
                rules = [r for r in ev.rules_for(too_high) if r.unit != "flag"]
                areas = [r.rule.split(":")[1] for r in rules if r.rule.startswith("area:")]
                area = areas[rng.randrange(len(areas))]
                if not self.worsen(a, area, steps=3):
                    a[127] = round(max(0.0, a[127] - 0.1), 2)
        raise RuntimeError(f"demo generator could not reach {want!r} (limit {limit})")  # pragma: no cover

    def _raise_rule(self, a: dict[int, Any], rule: str, ev: Evaluation) -> None:
        rng = self.rng
        if rule.startswith("area:"):
            self.improve(a, rule.split(":")[1])
        elif rule in ("total", "pengungkit"):
            areas = sorted(ev.scorecard.areas.values(), key=lambda s: (s.percent, s.code))
            choices = [s.code for s in areas[:3] if self._improvable(a, s.code)]
            if rule == "total" and (not choices or rng.random() < 0.3):
                a[125] = round(min(3.98, a[125] + 0.04), 2)
                a[127] = round(min(3.98, a[127] + 0.04), 2)
            elif choices:
                self.improve(a, choices[rng.randrange(len(choices))], steps=3)
        elif rule in ("bersih", "survey_anti_korupsi"):
            if rule == "bersih" and a[126] != "A" and rng.random() < 0.5:
                opts = self.options[126]
                a[126] = opts[opts.index(a[126]) - 1]
            else:
                a[125] = round(min(3.98, a[125] + 0.03), 2)
        elif rule == "capaian_kinerja":
            opts = self.options[126]
            a[126] = opts[max(0, opts.index(a[126]) - 1)]
        elif rule == "pelayanan":
            a[127] = round(min(3.98, a[127] + 0.03), 2)
        else:  # pragma: no cover - a rule the framework may add later
            raise RuntimeError(f"demo generator does not know how to raise rule {rule!r}")

    def review(self, a: dict[int, Any], down: float, up: float) -> dict[int, Any]:
        """A reviewer's copy of an LKE: some answers one step lower (or higher), surveys as measured."""
        rng = self.rng
        out = dict(a)
        for qid in sorted(self.options):
            if qid not in out:
                continue
            opts = self.options[qid]
            i = opts.index(out[qid])
            r = rng.random()
            if r < down and i < len(opts) - 1:
                out[qid] = opts[i + 1]
            elif r > 1 - up and i > 0:
                out[qid] = opts[i - 1]
        for num in (112, 106, 123):
            if out[num] and rng.random() < down:
                out[num] -= 1
        out[111] = min(out[111], max(0, out[110] - out[112]))
        return out

    # -- notes and evidence --------------------------------------------------------------------

    def _evidence_templates(self) -> dict[str, tuple[str, str]]:
        return {
            "MP.P1": ("SK Tim Kerja Pembangunan ZI No. {n}/{year} (contoh)", "Tim ZI ditetapkan dengan SK."),
            "MP.P2": (
                "Rencana_Kerja_ZI_{year}.pdf",
                "Rencana kerja memuat target waktu dan penanggung jawab.",
            ),
            "MP.P3": ("Laporan_Monev_ZI_TW{q}_{year}.pdf", "Monev dilaksanakan tiap triwulan."),
            "MP.P4": (
                "https://contoh.kemendesa.go.id/zi/{unit}/agen-perubahan",
                "Agen perubahan ditetapkan.",
            ),
            "TT.P1": ("Daftar_SOP_{year}.xlsx", "SOP kegiatan utama telah direviu."),
            "TT.P2": ("https://contoh.kemendesa.go.id/zi/{unit}/spbe", "Aplikasi layanan terintegrasi."),
            "TT.P3": ("https://contoh.kemendesa.go.id/ppid", "Informasi publik tersedia di laman PPID."),
            "SDM.P1": ("Peta_Jabatan_{year}.pdf", "Kebutuhan pegawai dihitung dengan ABK."),
            "SDM.P4": ("SKP_Pegawai_{year}.zip", "Kinerja individu diukur dengan SKP."),
            "AK.P1": ("Perjanjian_Kinerja_{year}.pdf", "Pimpinan terlibat dalam penyusunan PK."),
            "AK.P2": ("LAKIP_{unit}_{year}.pdf", "Laporan kinerja disusun tepat waktu."),
            "PW.P1": ("SK UPG No. {n}/{year} (contoh)", "Unit Pengendalian Gratifikasi telah dibentuk."),
            "PW.P3": ("https://contoh.lapor.go.id/{unit}", "Pengaduan dikelola melalui SP4N-LAPOR!."),
            "PW.P4": ("https://contoh.wbs.kemendesa.go.id", "WBS tersedia dan disosialisasikan."),
            "PP.P1": ("Maklumat_Pelayanan_{year}.pdf", "Standar pelayanan dipublikasikan."),
            "PP.P4": ("Laporan_SKM_{year}.pdf", "Survei kepuasan masyarakat dilakukan tiap semester."),
        }

    def decorate(self, unit_id: str, year: int, a: Mapping[int, Any]) -> dict[int, Any]:
        """Turn plain answers into {answer, note, evidence_ref} entries (notes for some questions)."""
        rng = self.rng
        slug = unit_id.split("-", 1)[-1]
        out: dict[int, Any] = {}
        for qid in sorted(a):
            q = self.fw90.questions[qid]
            entry: dict[str, Any] = {"answer": a[qid]}
            tpl = self.evidence.get(q.sub_area or "")
            if tpl is not None and rng.random() < 0.6:
                ref, note = tpl
                entry["evidence_ref"] = ref.format(
                    n=rng.randint(2, 40), year=year, q=rng.randint(1, 4), unit=slug
                )
                entry["note"] = f"[DEMO] {note} (catatan sintetis)"
            elif qid in (125, 127):
                entry["note"] = "[DEMO] Nilai survei eksternal (angka sintetis)."
            out[qid] = entry
        return out


def _stage_dates(year: int, rng: random.Random) -> dict[str, dt.date]:
    return {
        "mandiri": dt.date(year, 3, rng.randint(2, 28)),
        "tpi": dt.date(year, 5, rng.randint(2, 28)),
        "tpn": dt.date(year, rng.choice((8, 9, 10)), rng.randint(1, 28)),
    }


def _decree(rng: random.Random, year: int) -> str:
    return f"Kepmen PANRB No. {rng.randint(100, 999)}/{year} (contoh sintetis)"


def generate_demo(seed: int = DEMO_SEED) -> DemoData:
    """Build the demo data set in memory (deterministic for a given seed)."""
    rng = random.Random(seed)
    gen = _Gen(rng)
    data = DemoData(seed, UNITS)
    awards: list[dict[str, Any]] = []

    def holds(unit_id: str, year: int) -> str | None:
        history = [dict(w) for w in awards if w["unit_id"] == unit_id]
        for w in history:
            if (w["unit_id"], w["year"], w["predicate"]) == REVOCATION[:3]:
                w["revoked"] = True
                w["revoked_on"] = REVOCATION[3]
        return held_predicate(history, year)

    # 2018: recap rounds under 52/2014 (TPI first; the mandiri is more generous, the TPN stricter).
    for unit_id, (stages, target) in _PLAN[RECAP_YEAR].items():
        q = _quality(unit_id, RECAP_YEAR)
        dates = _stage_dates(RECAP_YEAR, rng)
        base = _recap(gen, q)
        recaps: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        if "tpi" in stages:
            tpi_pts, tpi_hasil = _recap_variant(gen, base, 0.0)
            if "tpn" in stages:
                data.proposals[(unit_id, RECAP_YEAR)] = "WBK"
                _nudge_recap(gen, tpi_pts, tpi_hasil, "WBK", scores_only=True)
            else:
                _nudge_recap(gen, tpi_pts, tpi_hasil, None, scores_only=True)  # not proposed
            recaps["tpi"] = (tpi_pts, tpi_hasil)
            recaps["mandiri"] = _recap_variant(gen, _shares(gen, tpi_pts, tpi_hasil), 0.05)
            if "tpn" in stages:
                tpn_pts, tpn_hasil = _recap_variant(gen, _shares(gen, tpi_pts, tpi_hasil), -0.04)
                _nudge_recap(gen, tpn_pts, tpn_hasil, None if target == "fail" else target)
                recaps["tpn"] = (tpn_pts, tpn_hasil)
        else:
            recaps["mandiri"] = _recap_variant(gen, base, 0.06)
        for stage in stages:
            pts, hasil = recaps[stage]
            data.rounds.append(
                DemoRound(unit_id, RECAP_YEAR, stage, F52, dates[stage], area_points=pts, hasil=hasil)
            )
        if target in ("WBK", "WBBM"):
            awards.append(
                {
                    "unit_id": unit_id,
                    "year": RECAP_YEAR,
                    "predicate": target,
                    "decree_ref": _decree(rng, RECAP_YEAR),
                }
            )

    # 2022-2026: full LKE answers under 90/2021.
    for year in ANSWER_YEARS:
        for unit_id, (stages, target) in _PLAN[year].items():
            held = holds(unit_id, year)
            q = _quality(unit_id, year)
            size = _PROFILE[unit_id][3]
            dates = _stage_dates(year, rng)
            tpi = gen.fresh_answers(q, size)
            if "tpn" in stages:
                proposed = "WBBM" if held else "WBK"
                data.proposals[(unit_id, year)] = proposed
                gen.nudge_to(tpi, proposed, bool(held), scores_only=True)
            elif "tpi" in stages and year == CURRENT_YEAR and unit_id in _TPI_GATE_2026:
                gen.nudge_to(tpi, _TPI_GATE_2026[unit_id], bool(held), scores_only=True)
            elif "tpi" in stages and not held and year < CURRENT_YEAR:
                gen.nudge_to(tpi, None, False, scores_only=True)  # not proposed: below the gate
            rounds: dict[str, dict[int, Any]] = {}
            if "tpi" in stages:
                rounds["tpi"] = tpi
                rounds["mandiri"] = gen.review(tpi, down=0.03, up=0.22)  # self-assessment is generous
                rounds["mandiri"][125] = round(min(3.98, tpi[125] + 0.08), 2)
                rounds["mandiri"][127] = round(min(3.98, tpi[127] + 0.1), 2)
            else:
                rounds["mandiri"] = gen.fresh_answers(min(0.97, q + 0.06), size)
            if "tpn" in stages:
                tpn = gen.review(tpi, down=0.16, up=0.05)
                tpn[125] = round(max(0.0, tpi[125] - rng.uniform(0.0, 0.12)), 2)
                tpn[127] = round(max(0.0, tpi[127] - rng.uniform(0.0, 0.12)), 2)
                want = None if target == "fail" else target
                gen.nudge_to(tpn, want, bool(held))
                rounds["tpn"] = tpn
                if want is not None and held_rank(held) < held_rank(want):
                    awards.append(
                        {
                            "unit_id": unit_id,
                            "year": year,
                            "predicate": want,
                            "decree_ref": _decree(rng, year),
                        }
                    )
            partial = (unit_id, year) in PARTIAL_MANDIRI
            if partial:
                keep = sorted(rng.sample(sorted(rounds["mandiri"]), k=78))
                rounds["mandiri"] = {qid: rounds["mandiri"][qid] for qid in keep}
            for stage in stages:
                data.rounds.append(
                    DemoRound(
                        unit_id,
                        year,
                        stage,
                        F90,
                        dates[stage],
                        answers=gen.decorate(unit_id, year, rounds[stage]),
                        partial=partial and stage == "mandiri",
                    )
                )

    data.awards = awards
    unit, year, predicate, when, reason = REVOCATION
    data.revocations = [
        {"unit_id": unit, "year": year, "predicate": predicate, "revoked_on": when, "reason": reason}
    ]
    data.prerequisites = _prerequisites(rng, data)
    _add_follow_ups(data, random.Random(seed + 1))  # own generator: the scores above stay as they were
    return data


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


def held_rank(predicate: str | None) -> int:
    return {None: 0, "WBK": 1, "WBBM": 2}[predicate]


# ---------------------------------------------------------------------------------------------
# 2018 recaps (52/2014)


def _recap(gen: _Gen, q: float) -> tuple[dict[str, float], dict[str, float]]:
    rng = gen.rng
    pts = {a.code: _clamp(q + 0.1 + rng.gauss(0.0, 0.06)) for a in gen.fw52.areas}
    hasil = {
        "survey_anti_korupsi": _clamp(2.9 + 1.0 * q + rng.gauss(0.0, 0.05), 0.0, 3.98),
        "tlhp_percent": _clamp(62 + 38 * q + rng.gauss(0.0, 3.0), 0.0, 100.0),
        "survey_pelayanan": _clamp(2.8 + 1.1 * q + rng.gauss(0.0, 0.05), 0.0, 3.98),
    }
    return pts, hasil


def _recap_variant(
    gen: _Gen, base: tuple[dict[str, float], dict[str, float]], offset: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Area points and hasil inputs around ``base`` (area shares 0..1, hasil values), moved by ``offset``."""
    rng = gen.rng
    shares, hasil = base
    pts = {
        c: round(gen.fw52.area(c).max * _clamp(s + offset + rng.gauss(0.0, 0.02)), 2)
        for c, s in shares.items()
    }
    out = {
        "survey_anti_korupsi": round(_clamp(hasil["survey_anti_korupsi"] + offset, 0.0, 3.98), 2),
        "tlhp_percent": round(_clamp(hasil["tlhp_percent"] + 40 * offset, 0.0, 100.0), 1),
        "survey_pelayanan": round(_clamp(hasil["survey_pelayanan"] + offset, 0.0, 3.98), 2),
    }
    return pts, out


def _shares(
    gen: _Gen, pts: dict[str, float], hasil: dict[str, float]
) -> tuple[dict[str, float], dict[str, float]]:
    return {c: v / gen.fw52.area(c).max for c, v in pts.items()}, dict(hasil)


def _nudge_recap(
    gen: _Gen, pts: dict[str, float], hasil: dict[str, float], want: str | None, scores_only: bool = False
) -> None:
    """Change a 2018 recap in place until it earns ``want`` (None = nothing); with ``scores_only``
    until it passes (or, for None, fails) the WBK score rules (the TPI proposal gate)."""
    fw = gen.fw52
    for _ in range(400):
        ev = evaluate(fw, score_areas(fw, pts, hasil), holds_wbk=False)
        if scores_only:
            ok = ev.meets_scores[want] if want else not ev.meets_scores["WBK"]
        else:
            ok = ev.predicate == want
        if ok:
            return
        if want is not None:
            rule = next(r.rule for r in ev.failing(want) if r.unit != "flag")
            if rule == "tlhp":
                hasil["tlhp_percent"] = round(min(100.0, hasil["tlhp_percent"] + 2.0), 1)
            elif rule == "survey_anti_korupsi" or (rule == "bersih" and hasil["tlhp_percent"] >= 99):
                hasil["survey_anti_korupsi"] = round(min(3.98, hasil["survey_anti_korupsi"] + 0.03), 2)
            elif rule == "bersih":
                hasil["tlhp_percent"] = round(min(100.0, hasil["tlhp_percent"] + 2.0), 1)
            elif rule == "pelayanan":
                hasil["survey_pelayanan"] = round(min(3.98, hasil["survey_pelayanan"] + 0.03), 2)
            else:
                code = min(pts, key=lambda c: (pts[c] / fw.area(c).max, c))
                pts[code] = round(min(fw.area(code).max, pts[code] + 0.03 * fw.area(code).max), 2)
        else:
            code = max(pts, key=lambda c: (pts[c] / fw.area(c).max, c))
            pts[code] = round(max(0.0, pts[code] - 0.04 * fw.area(code).max), 2)
    raise RuntimeError(f"demo generator could not reach {want!r} for a 2018 recap")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Prerequisites and nomination criteria


def _prerequisites(rng: random.Random, data: DemoData) -> list[tuple[str, int, dict[str, Any]]]:
    out: list[tuple[str, int, dict[str, Any]]] = []
    years = (RECAP_YEAR, *ANSWER_YEARS)
    awarded = {(w["unit_id"], w["year"]): w["predicate"] for w in data.awards}
    for year in years:
        out.append(
            (
                K,
                year,
                {
                    "bpk_opinion": "WTP",
                    "bpk_opinion_previous": "WTP",
                    "sakip_grade": "B" if year < 2022 else "BB",
                    "indeks_rb_grade": "B" if year < 2022 else ("BB" if year < 2025 else "A"),
                    "spip_level": 3.0 if year < 2022 else round(3.0 + 0.15 * (year - 2021), 2),
                },
            )
        )
        out.append(
            (
                KKP,
                year,
                {
                    "bpk_opinion": "WTP",
                    "bpk_opinion_previous": "WTP" if year > 2018 else "WDP",
                    "sakip_grade": "A",
                    "indeks_rb_grade": "A" if year >= 2022 else "BB",
                    "spip_level": 3.5 if year < 2022 else 4.0,
                },
            )
        )
        for unit_id in sorted(_PLAN[year]):
            unit = _UNIT[unit_id]
            proposal = data.proposals.get((unit_id, year))
            proposed = proposal is not None
            award = awarded.get((unit_id, year))
            facts: dict[str, Any] = {
                "tl_percent": 100.0 if proposed else round(rng.uniform(82.0, 99.5), 1),
                "lhkpn_percent": 100.0 if proposed else round(rng.uniform(90.0, 100.0), 1),
                "lhkasn_percent": 100.0 if proposed else round(rng.uniform(85.0, 100.0), 1),
                "zi_started_year": 2016
                if unit_id == KKP_PEER
                else (2018 if unit_id in (*PILOTS, ITJEN) else min(year, 2021)),
                "unit_sakip_grade": "BB"
                if award == "WBBM" or proposal == "WBBM" or unit_id == KKP_PEER
                else ("B" if proposed or rng.random() < 0.5 else "CC"),
                "core_service": unit_id != SETJEN,
            }
            if year == RECAP_YEAR:
                facts.update(
                    {
                        "eselon_level": {"eselon1": 1, "eselon2": 2, "satker": 3}[unit.level],
                        "strategic_service": unit_id != SETJEN,
                        "large_resources": unit.level == "eselon1" or unit_id == KKP_PEER,
                        "reform_track_record": unit_id in (ITJEN, KKP_PEER, *PILOTS),
                    }
                )
            out.append((unit_id, year, facts))
    return out


# ---------------------------------------------------------------------------------------------
# Writing


def seed_demo(store: Store, force: bool = False, seed: int = DEMO_SEED) -> DemoSummary:
    """Replace the store's content with the demo data set, in ONE transaction; every row it writes
    is marked as a demo row.

    Refuses (DemoRefusedError) when the store holds any real row, unless ``force``.
    """
    started = time.perf_counter()
    data = generate_demo(seed)
    detail = {"seed": seed, "units": len(data.units), "evaluations": len(data.rounds), "force": force}

    def refuse_real_data(kind: str) -> None:
        if kind in ("real", "mixed") and not force:
            raise DemoRefusedError(
                f"{store.location} holds real data; the demo would replace it. Use another database, "
                "or force it (seed-demo --force) if the real data may be deleted"
            )

    content = DatasetContent(
        units=data.units,
        prerequisites=data.prerequisites,
        rounds=[
            {
                "unit_id": r.unit_id,
                "year": r.year,
                "stage": r.stage,
                "framework_id": r.framework_id,
                "evaluated_on": r.evaluated_on,
                "answers": r.answers,
                "area_points": r.area_points,
                "hasil": r.hasil,
                "follow_ups": r.follow_ups,
            }
            for r in data.rounds
        ],
        awards=data.awards,
        revocations=data.revocations,
        kind="demo",
        meta={"demo_seed": str(seed), "demo_notice": SYNTHETIC_NOTICE},
    )
    n_answers = store.replace_dataset(
        content, actor=ACTOR, action="seed_demo", detail=detail, check=refuse_real_data
    )
    return DemoSummary(
        len(data.units), len(data.rounds), n_answers, len(data.awards), time.perf_counter() - started
    )


__all__ = [
    "DEMO_SEED",
    "SYNTHETIC_NOTICE",
    "DemoData",
    "DemoRefusedError",
    "DemoRound",
    "DemoSummary",
    "PARTIAL_MANDIRI",
    "UNITS",
    "generate_demo",
    "seed_demo",
]

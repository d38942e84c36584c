"""Who is in the demo and what happens to them (see zi_metrics.demo): the units, each unit's
character (quality, yearly gain, size), the stages each unit reaches per year and the TPN outcome
the generator steers toward, and the plain data classes the generator fills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.store import Unit

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

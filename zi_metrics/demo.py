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
from typing import Any

from zi_metrics.demo_answers import _Gen, _nudge_recap, _quality, _recap, _recap_variant, _shares
from zi_metrics.demo_cast import (
    _PLAN,
    _PROFILE,
    _TPI_GATE_2026,
    _UNIT,
    ACTOR,
    ANSWER_YEARS,
    BALILATFO,
    BBPLM,
    BPLM_YK,
    CURRENT_YEAR,
    DEMO_SEED,
    DIT_PKT,
    F52,
    F90,
    HUMAS,
    IRWIL1,
    ITJEN,
    KKP,
    KKP_DJPB,
    KKP_PEER,
    PARTIAL_MANDIRI,
    PDP,
    PDT,
    PILOT_A,
    PILOT_B,
    PILOTS,
    RECAP_YEAR,
    REVOCATION,
    SETJEN,
    SYNTHETIC_NOTICE,
    UNITS,
    DemoData,
    DemoRound,
    DemoSummary,
    K,
)
from zi_metrics.demo_followups import FOLLOW_UP_YEARS, _add_follow_ups
from zi_metrics.rules import held_predicate
from zi_metrics.store import DatasetContent, Store, StoreError


class DemoRefusedError(StoreError):
    """The database holds real data; the demo would replace it."""


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


def held_rank(predicate: str | None) -> int:
    return {None: 0, "WBK": 1, "WBBM": 2}[predicate]


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
    "ANSWER_YEARS",
    "BALILATFO",
    "BBPLM",
    "BPLM_YK",
    "CURRENT_YEAR",
    "DEMO_SEED",
    "DIT_PKT",
    "F52",
    "F90",
    "FOLLOW_UP_YEARS",
    "HUMAS",
    "IRWIL1",
    "ITJEN",
    "K",
    "KKP",
    "KKP_DJPB",
    "KKP_PEER",
    "PDP",
    "PDT",
    "PILOT_A",
    "PILOT_B",
    "PILOTS",
    "RECAP_YEAR",
    "REVOCATION",
    "SETJEN",
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

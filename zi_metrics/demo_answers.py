"""Answers of the demo's rounds (see zi_metrics.demo): LKE answers under 90/2021 drawn from a
unit's quality and nudged until the scores and rules tell the planned story, and the 2018 area
recaps under 52/2014."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from zi_metrics.demo_cast import _PROFILE, F52, F90
from zi_metrics.framework import load_framework
from zi_metrics.rules import Evaluation, evaluate
from zi_metrics.scoring import score_answers, score_areas


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

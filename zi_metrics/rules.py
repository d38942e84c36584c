"""Predicates (Menuju WBK, Menuju WBBM) with every rule's value, threshold and gap, and the
proposal prerequisites (Tabel 5) as separate gates. One implementation for every page, the CLI
and the exports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.framework import Framework, PredicateDef
from zi_metrics.scoring import Scorecard

TOLERANCE = 1e-9  # compare unrounded values; display rounds to two decimals


@dataclass(frozen=True)
class RuleResult:
    predicate: str
    rule: str  # total | pengungkit | area:MP ... | bersih | survey_anti_korupsi | ... | holds_wbk
    value: float | bool
    threshold: float | bool
    passed: bool
    gap: float | None  # points still needed (0 when passed); None where points cannot say it
    unit: str  # "points" | "percent" | "flag"
    value_points: float | None = None  # for area rules: the area's points
    threshold_points: float | None = None
    input_value: float | str | None = None  # for hasil item rules: the survey value / option / percent
    input_threshold: float | str | None = None  # the input that meets the threshold

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"predicate": self.predicate, "rule": self.rule, "value": self.value,
                               "threshold": self.threshold, "passed": self.passed, "gap": self.gap,
                               "unit": self.unit}
        for key in ("value_points", "threshold_points", "input_value", "input_threshold"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Evaluation:
    framework_id: str
    scorecard: Scorecard
    holds_wbk: bool
    rules: tuple[RuleResult, ...]
    predicate: str | None
    meets_scores: dict[str, bool] = field(default_factory=dict)  # every score rule of the predicate holds

    @property
    def provisional(self) -> bool:
        return self.scorecard.provisional

    def rules_for(self, predicate: str) -> list[RuleResult]:
        return [r for r in self.rules if r.predicate == predicate]

    def failing(self, predicate: str | None = None) -> list[RuleResult]:
        return [r for r in self.rules if not r.passed and (predicate is None or r.predicate == predicate)]


def _passes(value: float, threshold: float) -> bool:
    return value >= threshold - TOLERANCE


def _gap(value: float, threshold: float) -> float:
    return 0.0 if _passes(value, threshold) else threshold - value


def _hasil_input_threshold(fw: Framework, rule: str, min_points: float) -> float | str | None:
    """The survey value / percent / option that yields ``min_points`` for a hasil item rule."""
    for item in fw.hasil_items.values():
        if item.rule != rule:
            continue
        if item.kind == "option":
            ok = [k for k, m in (item.options or {}).items() if _passes(item.points * m, min_points)]
            return min(ok, key=lambda k: item.options[k]) if ok else None
        return min_points / item.points * item.scale_max
    return None


def _rule_results(fw: Framework, sc: Scorecard, pred: PredicateDef, holds_wbk: bool) -> list[RuleResult]:
    out: list[RuleResult] = []
    components = sc.hasil_components
    item_by_rule = {i.rule: i for i in sc.hasil_items.values()}
    for rd in pred.rules:
        if rd.rule == "total":
            out.append(RuleResult(pred.code, "total", sc.total, rd.min, _passes(sc.total, rd.min),
                                  _gap(sc.total, rd.min), "points"))
        elif rd.rule == "pengungkit":
            out.append(RuleResult(pred.code, "pengungkit", sc.pengungkit, rd.min, _passes(sc.pengungkit, rd.min),
                                  _gap(sc.pengungkit, rd.min), "points"))
        elif rd.rule == "area":
            for area in fw.areas:
                a = sc.areas[area.code]
                need = rd.min_percent / 100.0 * area.max
                out.append(RuleResult(pred.code, f"area:{area.code}", a.percent, rd.min_percent,
                                      _passes(a.score, need), _gap(a.score, need), "percent",
                                      value_points=a.score, threshold_points=need))
        elif rd.rule in components or rd.rule in {c.code for c in fw.hasil_components}:
            value = components.get(rd.rule, 0.0)
            out.append(RuleResult(pred.code, rd.rule, value, rd.min, _passes(value, rd.min),
                                  _gap(value, rd.min), "points"))
        else:
            item = item_by_rule[rd.rule]
            out.append(RuleResult(pred.code, rd.rule, item.points, rd.min, _passes(item.points, rd.min),
                                  _gap(item.points, rd.min), "points", input_value=item.input,
                                  input_threshold=_hasil_input_threshold(fw, rd.rule, rd.min)))
    if pred.requires:
        flag = f"holds_{pred.requires.lower()}"
        out.append(RuleResult(pred.code, flag, holds_wbk, True, bool(holds_wbk), 0.0 if holds_wbk else None,
                              "flag"))
    return out


def evaluate(fw: Framework, scorecard: Scorecard, holds_wbk: bool = False) -> Evaluation:
    """Every rule of both predicates, and the predicate earned.

    The predicate is the highest whose rules all hold. WBBM also needs the unit to hold WBK
    already; a unit meeting the WBBM scores without it earns WBK.
    """
    if scorecard.framework_id != fw.id:
        raise ValueError(f"scorecard of {scorecard.framework_id} evaluated against {fw.id}")
    results: list[RuleResult] = []
    meets_scores: dict[str, bool] = {}
    earned: str | None = None
    for pred in fw.predicates:
        rules = _rule_results(fw, scorecard, pred, holds_wbk)
        results.extend(rules)
        meets_scores[pred.code] = all(r.passed for r in rules if r.unit != "flag")
        lower_ok = pred.requires is None or earned == pred.requires
        if all(r.passed for r in rules) and lower_ok:
            earned = pred.code
    return Evaluation(fw.id, scorecard, bool(holds_wbk), tuple(results), earned, meets_scores)


# ---------------------------------------------------------------------------------------------
# Predicate history


@dataclass(frozen=True)
class Award:
    unit_id: str
    year: int
    predicate: str
    revoked: bool = False
    revoked_year: int | None = None  # year the revocation took effect (None: not revoked, or unknown)


def held_predicate(awards: Iterable[Award | Mapping[str, Any]], year: int) -> str | None:
    """The predicate a unit holds going into the evaluation of ``year`` (awards of earlier years,
    not revoked by then). WBBM outranks WBK."""
    held: set[str] = set()
    for a in awards:
        if isinstance(a, Mapping):
            revoked_on = a.get("revoked_on")
            a = Award(a.get("unit_id", ""), int(a["year"]), a["predicate"], bool(a.get("revoked")),
                      getattr(revoked_on, "year", None) if revoked_on is not None else a.get("revoked_year"))
        if a.year >= year:
            continue
        if a.revoked and (a.revoked_year is None or a.revoked_year <= year):
            continue
        held.add(a.predicate)
    if "WBBM" in held:
        return "WBBM"
    return "WBK" if "WBK" in held else None


def holds_wbk(awards: Iterable[Award | Mapping[str, Any]], year: int) -> bool:
    """True when the unit holds Menuju WBK (or WBBM, which presupposes it) before ``year``."""
    return held_predicate(awards, year) is not None


# ---------------------------------------------------------------------------------------------
# Proposal prerequisites (gates) and nomination criteria


@dataclass(frozen=True)
class GateResult:
    predicate: str
    code: str
    name: str
    level: str  # "instansi" | "unit"
    value: Any
    required: Any
    passed: bool | None  # None: not recorded, cannot tell
    waived: bool = False  # afirmasi units: instansi-level gates do not block

    @property
    def blocking(self) -> bool:
        return self.passed is False and not self.waived


def _grade_ok(scale: list[str], value: Any, minimum: str) -> bool | None:
    if value is None:
        return None
    v = str(value).strip().upper()
    if v not in scale:
        return False
    return scale.index(v) >= scale.index(minimum)


def _gate(spec: Mapping[str, Any], predicate: str, value: Any, instansi_kind: str | None,
          year: int | None) -> tuple[Any, bool | None] | None:
    kind = spec["kind"]
    if kind == "true":
        return True, (None if value is None else bool(value))
    if kind == "one_of":
        accept = spec["accept"].get(predicate)
        if accept is None:
            return None
        return accept, (None if value is None else str(value).strip().upper() in accept)
    if kind == "grade_min":
        minimum = spec["min"].get(predicate)
        if minimum is None:
            return None
        if isinstance(minimum, Mapping):
            # The minimum depends on the kind of instansi; without a known kind it cannot be decided.
            if instansi_kind not in minimum:
                return dict(minimum), None
            minimum = minimum[instansi_kind]
        return minimum, _grade_ok(spec["scale"], value, minimum)
    if kind == "number_min":
        minimum = spec["min"].get(predicate)
        if minimum is None:
            return None
        return minimum, (None if value is None else float(value) >= minimum - TOLERANCE)
    if kind == "years_since":
        minimum = spec["min"].get(predicate)
        if minimum is None:
            return None
        if value is None or year is None:
            return minimum, None
        return minimum, year - int(value) >= minimum
    if kind == "number_max":
        return spec["max"], (None if value is None else float(value) <= spec["max"])
    raise ValueError(f"unknown prerequisite kind {kind!r}")


def check_prerequisites(fw: Framework, facts: Mapping[str, Any], *, instansi_kind: str | None = None,
                        afirmasi: bool = False, year: int | None = None) -> list[GateResult]:
    """Evaluate the proposal prerequisites of both predicates from recorded facts.

    Facts are keyed by each prerequisite's ``input`` (bpk_opinion, sakip_grade, spip_level, ...);
    a missing fact gives ``passed=None``. Afirmasi units have their instansi-level gates waived.
    """
    out: list[GateResult] = []
    for pred in fw.predicates:
        for spec in fw.prerequisites:
            value = facts.get(spec["input"])
            res = _gate(spec, pred.code, value, instansi_kind, year)
            if res is None:
                continue
            required, passed = res
            out.append(GateResult(pred.code, spec["code"], spec["name"], spec["level"], value, required, passed,
                                  waived=bool(afirmasi and spec["level"] == "instansi")))
    return out


def check_nomination(fw: Framework, facts: Mapping[str, Any]) -> list[GateResult]:
    """The 52/2014 nomination criteria (eselon level, strategic service role, ...), where recorded."""
    out = []
    for spec in fw.nomination_criteria:
        value = facts.get(spec["input"])
        required, passed = _gate(spec, "WBK", value, None, None)
        out.append(GateResult("nominasi", spec["code"], spec["name"], "unit", value, required, passed))
    return out

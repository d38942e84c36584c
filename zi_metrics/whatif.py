"""What-if simulation and the minimum-effort plan toward a predicate.

The plan answers "what must we raise, and by how much, to reach WBK this year?": the smallest
total increase in pengungkit points (no area above its max, none decreased), together with the
smallest hasil changes that the target's hasil rules demand. Hasil values are surveys and
performance results the unit cannot simply decide, so they are raised only as far as their own
rules require; the pengungkit points then carry the total and pengungkit rules. Both stages are
solved exactly: the hasil stage is a small linear program (scipy's HiGHS) per option choice, the
pengungkit stage has a closed-form optimum (every area to its minimum, then whatever the total
still needs, spread over the remaining headroom).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from zi_metrics.framework import Framework, HasilItem
from zi_metrics.rules import TOLERANCE, Evaluation, evaluate
from zi_metrics.scoring import Scorecard, score_areas, with_changes


def simulate(fw: Framework, base: Scorecard, *, areas: Mapping[str, float] | None = None,
             hasil: Mapping[str, Any] | None = None, answers: Mapping[Any, Any] | None = None,
             holds_wbk: bool = False) -> Evaluation:
    """Apply changes (area points, hasil inputs, individual answers) to ``base`` and re-evaluate."""
    return evaluate(fw, with_changes(fw, base, areas=areas, hasil=hasil, answers=answers), holds_wbk)


def simulate_points(fw: Framework, areas: Mapping[str, float], hasil: Mapping[str, Any],
                    holds_wbk: bool = False) -> Evaluation:
    """Evaluate area points and hasil inputs as they stand (the sliders' fast path).

    Every predicate rule reads only the area points and the hasil inputs, so this gives the
    same rules, predicate and totals as re-scoring the answers behind those points, without
    scoring a hundred questions on every slider move.
    """
    return evaluate(fw, score_areas(fw, areas, hasil), holds_wbk)


def parse_typed_number(text: Any, lang: str = "id") -> float | None:
    """A number typed in the interface's format, or None when it is not one.

    Indonesian takes a decimal comma ("3,61"; "1.234,5" with a dot grouping thousands) and,
    because people type both, a lone decimal point ("3.61"); English takes a decimal point and
    comma thousands ("1,234.5").
    """
    if not isinstance(text, str):
        return None
    raw = text.strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    if lang == "id":
        raw = raw.replace(".", "").replace(",", ".") if "," in raw else raw
    else:
        raw = raw.replace(",", "")
    if raw.count(".") > 1 or not all(ch.isdigit() or ch in ".-+" for ch in raw):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class PlanChange:
    kind: str  # "area" | "hasil"
    code: str
    current: float | str | None
    target: float | str | None
    increase: float  # points (pengungkit or hasil points)


@dataclass(frozen=True)
class Plan:
    target: str
    feasible: bool
    reason: str  # why infeasible, or a one-line summary when feasible
    area_targets: dict[str, float] = field(default_factory=dict)
    hasil_targets: dict[str, Any] = field(default_factory=dict)
    changes: tuple[PlanChange, ...] = ()
    binding: tuple[str, ...] = ()  # rule names that force the plan (tight at the plan, failing before)
    pengungkit_increase: float = 0.0
    hasil_increase: float = 0.0
    evaluation: Evaluation | None = None


def _points(item: HasilItem, value: Any) -> float:
    if value is None:
        return 0.0
    if item.kind == "option":
        return item.points * (item.options or {})[value]
    return item.points * float(value) / item.scale_max


def _value_for_points(item: HasilItem, points: float) -> float:
    return points / item.points * item.scale_max


def _hasil_stage(fw: Framework, card: Scorecard, target: str) -> tuple[dict[str, Any], float] | None:
    """Cheapest hasil inputs (by points added) that satisfy the target's hasil rules; None if impossible."""
    from scipy.optimize import linprog

    pred = fw.predicate(target)
    items = list(fw.hasil_items.values())
    current = {i.code: card.hasil_items[i.code].input for i in items}
    item_min = {r.rule: r.min for r in pred.rules if r.rule in {i.rule for i in items}}
    comp_min = {r.rule: r.min for r in pred.rules if r.rule in {c.code for c in fw.hasil_components}}
    option_items = [i for i in items if i.kind == "option"]
    cont_items = [i for i in items if i.kind != "option"]

    def option_choices(item: HasilItem) -> list[str]:
        cur = _points(item, current[item.code])
        opts = [k for k in item.options if _points(item, k) >= cur - TOLERANCE] if current[item.code] else list(
            item.options)
        need = item_min.get(item.rule)
        if need is not None:
            opts = [k for k in opts if _points(item, k) >= need - TOLERANCE]
        if current[item.code] is not None and _points(item, current[item.code]) >= (need or 0) - TOLERANCE:
            opts.append(current[item.code])
        return sorted(set(opts), key=lambda k: item.options[k])

    best: tuple[float, dict[str, Any]] | None = None
    for combo in itertools.product(*[option_choices(i) for i in option_items]):
        chosen = dict(zip([i.code for i in option_items], combo, strict=True))
        opt_increase = sum(_points(i, chosen[i.code]) - _points(i, current[i.code]) for i in option_items)
        # LP over the continuous items' points: minimise the points added.
        lo = [_points(i, current[i.code]) for i in cont_items]
        lo = [max(v, item_min.get(i.rule, 0.0)) for v, i in zip(lo, cont_items, strict=True)]
        hi = [i.points for i in cont_items]
        if any(a > b + TOLERANCE for a, b in zip(lo, hi, strict=True)):
            continue
        a_ub, b_ub = [], []
        for comp in fw.hasil_components:
            if comp.code not in comp_min:
                continue
            fixed = sum(_points(i, chosen[i.code]) for i in comp.items if i.kind == "option")
            a_ub.append([-1.0 if i.component == comp.code else 0.0 for i in cont_items])
            b_ub.append(-(comp_min[comp.code] - fixed))
        if cont_items:
            res = linprog(c=[1.0] * len(cont_items), A_ub=a_ub or None, b_ub=b_ub or None,
                          bounds=list(zip(lo, [max(a, b) for a, b in zip(lo, hi, strict=True)], strict=True)),
                          method="highs")
            if res.status != 0:
                continue
            pts = [float(x) for x in res.x]
        else:
            pts = []
            if any(sum(_points(i, chosen[i.code]) for i in c.items) < comp_min.get(c.code, 0) - TOLERANCE
                   for c in fw.hasil_components):
                continue
        values: dict[str, Any] = dict(chosen)
        cont_increase = 0.0
        for item, p in zip(cont_items, pts, strict=True):
            cur_pts = _points(item, current[item.code])
            if p > cur_pts + TOLERANCE:
                values[item.code] = _value_for_points(item, p)
                cont_increase += p - cur_pts
            else:
                values[item.code] = current[item.code] if current[item.code] is not None else 0.0
        cost = opt_increase + cont_increase
        if best is None or cost < best[0] - TOLERANCE:
            best = (cost, values)
    if best is None:
        return None
    return best[1], best[0]


def minimum_plan(fw: Framework, card: Scorecard, target: str, holds_wbk: bool = False,
                 allow_hasil_changes: bool = True) -> Plan:
    """The minimum-effort plan that satisfies every rule of ``target`` ("WBK" or "WBBM")."""
    pred = fw.predicate(target)
    if pred.requires and not holds_wbk:
        return Plan(target, False, f"Menuju {target} requires the unit to hold Menuju {pred.requires} already; "
                                   f"no score can make up for that. Aim for {pred.requires} first.")
    base_eval = evaluate(fw, card, holds_wbk)
    failing_before = {r.rule for r in base_eval.failing(target)}
    # Every lower predicate's rules must hold too (WBBM presupposes WBK's).
    preds = [p for p in fw.predicates if p.code == target or p.code == pred.requires]

    # Stage 1: hasil.
    hasil_rules = {r.rule for p in preds for r in p.rules} & (
        {i.rule for i in fw.hasil_items.values()} | {c.code for c in fw.hasil_components})
    hasil_values = dict(card.hasil_inputs())
    hasil_increase = 0.0
    failing_hasil = [r for r in base_eval.failing(target) if r.rule in hasil_rules]
    if failing_hasil:
        if not allow_hasil_changes:
            first = failing_hasil[0]
            extra = f" (needs {first.input_threshold!r}, now {first.input_value!r})" if first.input_threshold else ""
            return Plan(target, False, f"rule {first.rule} fails{extra}: pengungkit points cannot fix a hasil rule")
        stage = _hasil_stage(fw, card, target)
        if stage is None:
            return Plan(target, False, "the hasil rules cannot all be met even with every hasil input at its best")
        hasil_values, hasil_increase = stage
    hasil_card = score_areas(fw, card.area_points(), hasil_values)
    hasil_total = hasil_card.hasil

    # Stage 2: pengungkit, closed form.
    area_min_pct = max((rd.min_percent for p in preds for rd in p.rules if rd.rule == "area"), default=0.0)
    peng_min = max((rd.min for p in preds for rd in p.rules if rd.rule == "pengungkit"), default=0.0)
    total_min = max(rd.min for p in preds for rd in p.rules if rd.rule == "total")
    current = card.area_points()
    floor = {a.code: max(current[a.code], area_min_pct / 100.0 * a.max) for a in fw.areas}
    needed_peng = max(peng_min, total_min - hasil_total)
    best_peng = sum(a.max for a in fw.areas)
    if needed_peng > best_peng + TOLERANCE:
        return Plan(target, False,
                    f"even with every area at its maximum ({best_peng:.2f} pengungkit points) the total reaches "
                    f"{best_peng + hasil_total:.2f}, below the {total_min:g} that {target} needs; "
                    "the hasil component must rise first")
    extra = max(0.0, needed_peng - sum(floor.values()))
    headroom = {a.code: a.max - floor[a.code] for a in fw.areas}
    room = sum(headroom.values())
    targets = {}
    for a in fw.areas:
        share = extra * headroom[a.code] / room if room > TOLERANCE else 0.0
        targets[a.code] = min(a.max, floor[a.code] + share)
    peng_increase = sum(targets[c] - current[c] for c in targets)

    final_card = score_areas(fw, targets, hasil_values)
    final_eval = evaluate(fw, final_card, holds_wbk)
    changes = [PlanChange("area", c, current[c], targets[c], targets[c] - current[c])
               for c in fw.area_codes if targets[c] > current[c] + TOLERANCE]
    for code, item in fw.hasil_items.items():
        before = card.hasil_items[code].input
        after = hasil_values.get(code)
        if after != before and _points(item, after) > _points(item, before) + TOLERANCE:
            changes.append(PlanChange("hasil", code, before, after, _points(item, after) - _points(item, before)))
    binding = tuple(r.rule for r in final_eval.rules_for(target)
                    if r.rule in failing_before and r.unit != "flag"
                    and abs((r.value_points if r.value_points is not None else r.value)
                            - (r.threshold_points if r.threshold_points is not None else r.threshold)) <= 1e-6)
    if final_eval.predicate != target and not (target == "WBK" and final_eval.predicate == "WBBM"):
        # Defensive: the construction above satisfies every rule; say so plainly if it does not.
        return Plan(target, False, f"internal check failed: the plan reaches {final_eval.predicate}",
                    targets, hasil_values, tuple(changes), binding, peng_increase, hasil_increase, final_eval)
    summary = (f"{target}: +{peng_increase:.2f} pengungkit points"
               + (f", +{hasil_increase:.2f} hasil points" if hasil_increase > TOLERANCE else "")
               + (f"; binding: {', '.join(binding)}" if binding else "; already met" if not changes else ""))
    return Plan(target, True, summary, targets, hasil_values, tuple(changes), binding, peng_increase,
                hasil_increase, final_eval)


# ---------------------------------------------------------------------------------------------
# Page helpers (Simulasi): the slider start values and a language-neutral reason for a plan
# that cannot be met, so the page only reads, calls and draws.


def simulation_inputs(fw: Framework, card: Scorecard) -> tuple[dict[str, float], dict[str, Any]]:
    """The what-if start values of a scorecard: every area's points and every hasil input.

    A missing hasil input starts at its lowest value (0 for a survey or a percentage, the
    lowest option for an option item), which scores the same 0 points as a missing one.
    """
    areas = {a.code: float(card.areas[a.code].score) for a in fw.areas}
    hasil: dict[str, Any] = {}
    for code, item in fw.hasil_items.items():
        value = card.hasil_items[code].input if code in card.hasil_items else None
        if value is None:
            value = min(item.options, key=lambda k: item.options[k]) if item.kind == "option" else 0.0
        hasil[code] = float(value) if item.kind != "option" else value
    return areas, hasil


def infeasibility(fw: Framework, card: Scorecard, target: str,
                  holds_wbk: bool = False) -> tuple[str, dict[str, Any]]:
    """Why ``minimum_plan(fw, card, target, holds_wbk)`` is infeasible, as (kind, details).

    kind: ``"requires"`` (the predicate needs a prior one the unit does not hold; details
    ``required``), ``"hasil"`` (the hasil rules cannot be met even at their best), ``"total"``
    (every area at its max still leaves the total short; details ``best_total``, ``needed``),
    or ``"none"`` when the target is reachable.
    """
    pred = fw.predicate(target)
    if pred.requires and not holds_wbk:
        return "requires", {"required": pred.requires}
    base_eval = evaluate(fw, card, holds_wbk)
    hasil_rules = {i.rule for i in fw.hasil_items.values()} | {c.code for c in fw.hasil_components}
    hasil_total = card.hasil
    if any(r.rule in hasil_rules for r in base_eval.failing(target)):
        stage = _hasil_stage(fw, card, target)
        if stage is None:
            return "hasil", {}
        hasil_total = score_areas(fw, card.area_points(), stage[0]).hasil
    preds = [p for p in fw.predicates if p.code == target or p.code == pred.requires]
    total_min = max(rd.min for p in preds for rd in p.rules if rd.rule == "total")
    best_total = sum(a.max for a in fw.areas) + hasil_total
    if best_total < total_min - TOLERANCE:
        return "total", {"best_total": best_total, "needed": total_min}
    return "none", {}

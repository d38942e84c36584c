"""The roll-up of a parent unit (a ministry, a Ditjen): the aggregate of the units under it in a
round (the parent itself included when it was evaluated): how many meet each predicate, the
weakest areas, and the progress of the follow-ups of the assessors' notes.

Pure shaping of the round overview (zi_metrics.overview.round_overview) and of the follow-ups
(zi_metrics.followups.enrich of store.follow_ups); every parent of a national round in one pass
(about 30,000 unit-ancestor pairs for 10,000 units).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from zi_metrics.analytics import area_minimum_percents
from zi_metrics.framework import Framework

COLUMNS = ("parent_id", "depth", "units", "wbk", "wbbm", "below_wbk", "average_total", "weakest",
           "followups", "followups_done", "followups_late", "percent_done")
WEAKEST = 2  # areas named per parent


@dataclass(frozen=True)
class WeakArea:
    """An area of a parent's units, by the mean of their % of the area's max."""

    code: str
    mean_percent: float
    below_minimum: int  # units under the WBK per-area minimum (0 where the framework has none)


def ancestors(units: Mapping[str, Mapping[str, Any]], unit_id: str) -> list[str]:
    """The units above ``unit_id``, nearest first (a cycle in bad data stops the walk)."""
    out: list[str] = []
    parent, seen = units.get(unit_id, {}).get("parent_id"), {unit_id}
    while parent and parent not in seen:
        out.append(parent)
        seen.add(parent)
        parent = units.get(parent, {}).get("parent_id")
    return out


def _pairs(unit_ids: Iterable[str], units: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """(parent_id, unit_id) for every unit and every unit above it, and each unit with itself: a
    parent's aggregate takes in the parent's own round too."""
    parents, members = [], []
    for uid in unit_ids:
        for p in [uid, *ancestors(units, uid)]:
            parents.append(p)
            members.append(uid)
    return pd.DataFrame({"parent_id": parents, "unit_id": members})


def _depths(units: Mapping[str, Mapping[str, Any]], ids: Iterable[str]) -> dict[str, int]:
    return {u: len(ancestors(units, u)) for u in ids}


def rollup(frame: pd.DataFrame, units: Mapping[str, Mapping[str, Any]], fw: Framework,
           followups: pd.DataFrame | None = None, parents: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per parent unit (a unit with units under it) having at least one unit in ``frame``
    (an overview frame of one round): the units evaluated, meeting Menuju WBK (those meeting WBBM
    included), meeting Menuju WBBM, not meeting WBK, the average total, the ``WEAKEST`` areas
    (WeakArea: the most units under the WBK per-area minimum first, then the lowest mean %) and,
    from ``followups`` (an enriched follow-up frame of the same round, or None), how many
    follow-ups there are, how many are done and late, and ``percent_done`` (None without
    follow-ups). ``parents`` limits the rows to those parents. In tree order, by name at each level."""
    if frame.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    pairs = _pairs(frame["unit_id"].tolist(), units)
    has_children = set(pairs.loc[pairs["parent_id"] != pairs["unit_id"], "parent_id"])
    pairs = pairs[pairs["parent_id"].isin(has_children if parents is None else set(parents) & has_children)]
    if pairs.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    codes = list(fw.area_codes)
    data = frame.set_index("unit_id")[["predicate", "total", *[f"pct_{c}" for c in codes]]]
    joined = pairs.join(data, on="unit_id")
    met = joined["predicate"]
    joined["is_wbbm"] = (met == "WBBM").astype(int)
    joined["is_wbk"] = met.isin(["WBK", "WBBM"]).astype(int)
    minimum = area_minimum_percents(fw).get("WBK")
    for c in codes:
        joined[f"below_{c}"] = (joined[f"pct_{c}"] < minimum - 1e-9).astype(int) if minimum is not None else 0
    grouped = joined.groupby("parent_id", sort=False)
    out = pd.DataFrame({
        "units": grouped.size(),
        "wbk": grouped["is_wbk"].sum(),
        "wbbm": grouped["is_wbbm"].sum(),
        "average_total": grouped["total"].mean(),
    })
    out["below_wbk"] = out["units"] - out["wbk"]
    means = grouped[[f"pct_{c}" for c in codes]].mean()
    below = grouped[[f"below_{c}" for c in codes]].sum()
    weakest = []
    for pid in out.index:
        row, under = means.loc[pid].to_numpy(dtype=float), below.loc[pid].to_numpy(dtype=int)
        # the areas holding most units under the minimum first, then the lowest mean %
        order = sorted((k for k in range(len(codes)) if not np.isnan(row[k])),
                       key=lambda k: (-under[k], row[k], k))[:WEAKEST]
        weakest.append(tuple(WeakArea(codes[k], float(row[k]), int(under[k])) for k in order))
    out["weakest"] = pd.Series(weakest, index=out.index, dtype=object)
    out = out.reset_index()
    out = out.join(_followup_counts(followups, units, out["parent_id"]), on="parent_id")
    depth = _depths(units, out["parent_id"])
    out["depth"] = out["parent_id"].map(depth).astype(int)
    # tree order: a ministry, then its Ditjens (each by name), then the next ministry
    path = {p: tuple((str(units.get(a, {}).get("name", a)), a) for a in reversed([p, *ancestors(units, p)]))
            for p in out["parent_id"]}
    out = out.iloc[sorted(range(len(out)), key=lambda i: path[out["parent_id"].iloc[i]])]
    return out[list(COLUMNS)].reset_index(drop=True)


def _followup_counts(followups: pd.DataFrame | None, units: Mapping[str, Mapping[str, Any]],
                     parent_ids: Iterable[str]) -> pd.DataFrame:
    columns = ["followups", "followups_done", "followups_late", "percent_done"]
    parent_ids = list(parent_ids)
    if followups is None or followups.empty:
        return pd.DataFrame({"followups": 0, "followups_done": 0, "followups_late": 0, "percent_done": None},
                            index=pd.Index(parent_ids, name="parent_id"), columns=columns).astype(
            {"followups": int, "followups_done": int, "followups_late": int, "percent_done": object})
    per_unit = pd.DataFrame({
        "followups": followups.groupby("unit_id").size(),
        "followups_done": followups.assign(done=followups["status"] == "selesai").groupby("unit_id")["done"].sum(),
        "followups_late": followups.groupby("unit_id")["late"].sum(),
    })
    pairs = _pairs(per_unit.index.tolist(), units)
    pairs = pairs[pairs["parent_id"].isin(set(parent_ids))]
    summed = pairs.join(per_unit, on="unit_id").groupby("parent_id")[columns[:3]].sum()
    summed = summed.reindex(parent_ids, fill_value=0).astype(int)
    summed["percent_done"] = [d / n * 100.0 if n else None for d, n in
                              zip(summed["followups_done"], summed["followups"], strict=True)]
    summed.index.name = "parent_id"
    return summed


def scope(rolled: pd.DataFrame, units: Mapping[str, Mapping[str, Any]], chosen: Sequence[str] = (),
          limit: int = 100) -> tuple[pd.DataFrame, int]:
    """The rows to show: with ``chosen`` parents (the page's filter), those and the parents right
    under them; otherwise the top of the tree and the level under it. At most ``limit`` rows;
    returns (rows, how many there were)."""
    if rolled.empty:
        return rolled, 0
    if chosen:
        picked = set(chosen)
        keep = [p in picked or units.get(p, {}).get("parent_id") in picked for p in rolled["parent_id"]]
        rows = rolled[keep]
    else:
        rows = rolled[rolled["depth"] <= int(rolled["depth"].min()) + 1]
    return rows.head(limit).reset_index(drop=True), len(rows)


def weakest_text(weak: Sequence[WeakArea], fw: Framework, lang: str = "id") -> str:
    """"AK 58,20% (3 unit < 60%) · PP 61,00%": the weakest areas with the units under the minimum."""
    from zi_metrics.formatting import format_percent
    from zi_metrics.i18n import t

    minimum = area_minimum_percents(fw).get("WBK")
    parts = []
    for w in weak:
        text = f"{w.code} {format_percent(w.mean_percent, lang)}"
        if minimum is not None and w.below_minimum:
            text += " " + t("rollup.below_minimum", lang, count=w.below_minimum,
                            minimum=format_percent(minimum, lang, 0))
        parts.append(text)
    return " · ".join(parts)

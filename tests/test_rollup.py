"""zi_metrics.rollup: a parent unit's aggregate of the units under it (issue #11.5)."""

from __future__ import annotations

import pandas as pd

from zi_metrics import rollup
from zi_metrics.framework import load_framework

FW = load_framework("permenpanrb-90-2021")
AREAS = list(FW.area_codes)

# ministry -> ditjen-a -> (unit-a1, unit-a2); ministry -> ditjen-b -> unit-b1; other (alone)
UNITS = {
    "ministry": {"name": "Kementerian", "parent_id": None},
    "ditjen-a": {"name": "Ditjen A", "parent_id": "ministry"},
    "ditjen-b": {"name": "Ditjen B", "parent_id": "ministry"},
    "unit-a1": {"name": "Unit A1", "parent_id": "ditjen-a"},
    "unit-a2": {"name": "Unit A2", "parent_id": "ditjen-a"},
    "unit-b1": {"name": "Unit B1", "parent_id": "ditjen-b"},
    "other": {"name": "Lain", "parent_id": None},
}


def _row(uid: str, predicate: str | None, total: float, percents: dict[str, float]) -> dict:
    return {"unit_id": uid, "predicate": predicate, "total": total,
            **{f"pct_{c}": percents.get(c, 80.0) for c in AREAS}}


FRAME = pd.DataFrame([
    _row("ditjen-a", "WBBM", 90.0, {}),
    _row("unit-a1", "WBK", 80.0, {"AK": 55.0, "PP": 59.0}),
    _row("unit-a2", None, 70.0, {"AK": 50.0, "MP": 65.0}),
    _row("unit-b1", None, 72.0, {"PP": 40.0}),
    _row("other", "WBK", 78.0, {}),
])


def test_each_parent_aggregates_its_units_and_itself():
    rolled = rollup.rollup(FRAME, UNITS, FW).set_index("parent_id")
    assert list(rolled.index) == ["ministry", "ditjen-a", "ditjen-b"]  # tree order, by name; no leaf
    assert rolled.loc["ministry", ["units", "wbk", "wbbm", "below_wbk"]].tolist() == [4, 2, 1, 2]
    assert rolled.loc["ditjen-a", ["units", "wbk", "wbbm", "below_wbk"]].tolist() == [3, 2, 1, 1]
    assert rolled.loc["ditjen-b", ["units", "wbk", "wbbm", "below_wbk"]].tolist() == [1, 0, 0, 1]
    assert rolled.loc["ministry", "average_total"] == (90 + 80 + 70 + 72) / 4
    assert rolled.loc["ministry", "depth"] == 0 and rolled.loc["ditjen-b", "depth"] == 1


def test_the_weakest_areas_hold_most_units_under_the_minimum_first():
    rolled = rollup.rollup(FRAME, UNITS, FW).set_index("parent_id")
    weak = rolled.loc["ministry", "weakest"]
    # AK: 2 units under 60 % (mean (80+55+50+80)/4); PP: 2 under 60 % too, lower mean (80+59+80+40)/4
    assert [(w.code, w.below_minimum) for w in weak] == [("PP", 2), ("AK", 2)]
    assert weak[0].mean_percent == (80 + 59 + 80 + 40) / 4
    assert rollup.weakest_text(weak, FW) == "PP 64,75% (2 unit < 60%) · AK 66,25% (2 unit < 60%)"
    assert rollup.weakest_text(rolled.loc["ditjen-b", "weakest"], FW, "en").startswith("PP 40.00% (1 units < 60%)")


def test_follow_up_progress_adds_up_under_each_parent():
    followups = pd.DataFrame({
        "unit_id": ["unit-a1", "unit-a1", "unit-a2", "unit-b1", "other"],
        "status": ["selesai", "proses", "selesai", "belum", "selesai"],
        "late": [False, True, False, True, False],
    })
    rolled = rollup.rollup(FRAME, UNITS, FW, followups).set_index("parent_id")
    assert rolled.loc["ministry", ["followups", "followups_done", "followups_late"]].tolist() == [4, 2, 2]
    assert rolled.loc["ministry", "percent_done"] == 50.0
    assert rolled.loc["ditjen-b", "percent_done"] == 0.0
    without = rollup.rollup(FRAME, UNITS, FW).set_index("parent_id")
    assert without.loc["ministry", "followups"] == 0 and without.loc["ministry", "percent_done"] is None


def test_parents_limit_and_scope():
    rolled = rollup.rollup(FRAME, UNITS, FW)
    assert list(rollup.rollup(FRAME, UNITS, FW, parents=["ditjen-a"])["parent_id"]) == ["ditjen-a"]
    rows, total = rollup.scope(rolled, UNITS)
    assert list(rows["parent_id"]) == ["ministry", "ditjen-a", "ditjen-b"] and total == 3
    rows, total = rollup.scope(rolled, UNITS, ["ditjen-a"])
    assert list(rows["parent_id"]) == ["ditjen-a"]
    rows, total = rollup.scope(rolled, UNITS, ["ministry"])
    assert list(rows["parent_id"]) == ["ministry", "ditjen-a", "ditjen-b"]  # it and the parents right under it
    rows, total = rollup.scope(rolled, UNITS, limit=1)
    assert len(rows) == 1 and total == 3


def test_bad_trees_and_empty_rounds():
    looped = {**UNITS, "ministry": {"name": "Kementerian", "parent_id": "unit-b1"}}  # a cycle in bad data
    assert rollup.ancestors(looped, "unit-b1") == ["ditjen-b", "ministry"]
    assert not rollup.rollup(FRAME, looped, FW).empty
    assert rollup.rollup(FRAME.iloc[0:0], UNITS, FW).empty
    assert rollup.rollup(FRAME[FRAME["unit_id"] == "other"], UNITS, FW).empty  # a unit without parent

"""What the dashboard keeps per unit at national scale (issue #14.4): the unit table's repeated
values as one object each, and Unit without a per-instance __dict__."""

from __future__ import annotations

import numpy as np

from zi_metrics.analytics import _units_from_columns
from zi_metrics.store import Unit


def test_units_share_one_object_per_repeated_value():
    n = 1000
    copy = lambda text: "".join(text)  # noqa: E731 - a new str object per row, as a read returns them
    cols = {
        "id": np.array([f"u{i:04d}" for i in range(n)], dtype=object),
        "name": np.array([f"Unit {i}" for i in range(n)], dtype=object),
        "level": np.array([copy("satker") for _ in range(n)], dtype=object),
        "instansi_kind": np.array([copy("kementerian_lembaga") for _ in range(n)], dtype=object),
        "parent_id": np.array([copy(f"p{i % 10}") if i % 3 else None for i in range(n)], dtype=object),
        "short_name": np.array([None] * n, dtype=object),
        "afirmasi": np.array([i % 2 == 0 for i in range(n)]),
    }
    units = _units_from_columns(cols)
    assert units["u0001"] == {"id": "u0001", "name": "Unit 1", "level": "satker",
                              "instansi_kind": "kementerian_lembaga", "parent_id": "p1", "short_name": None,
                              "afirmasi": False}
    assert len({id(u["level"]) for u in units.values()}) == 1
    assert len({id(u["instansi_kind"]) for u in units.values()}) == 1
    assert len({id(u["parent_id"]) for u in units.values() if u["parent_id"]}) == 10
    assert Unit(**units["u0002"]).afirmasi is True


def test_unit_has_no_instance_dict():
    unit = Unit("u1", "Unit 1", "satker")
    assert not hasattr(unit, "__dict__")
    assert unit.to_dict()["level"] == "satker"

"""The national reads' columns (zi_metrics.store.national._arrow_columns): fetched as numpy for the
server's memory (issue #14.4), with NULLs as Arrow's to_numpy gives them, which bulk relies on."""

from __future__ import annotations

import math

import duckdb
import numpy as np

from zi_metrics.store.national import _arrow_columns

SQL = """SELECT * FROM (VALUES
    (1::INTEGER, 'a', 1.5::DOUBLE, TRUE, 2::SMALLINT, DATE '2024-01-02'),
    (2::INTEGER, NULL, NULL, NULL, NULL, NULL)) t(i, s, d, b, sm, dt)"""


def test_columns_keep_arrow_nulls():
    con = duckdb.connect()
    got = _arrow_columns(con, SQL, {})
    table = con.sql(SQL).to_arrow_table()
    arrow = {n: table.column(n).to_numpy(zero_copy_only=False) for n in table.column_names}
    assert list(got) == list(arrow)
    for name in ("i", "s", "d", "b", "sm"):
        assert got[name].dtype == arrow[name].dtype, name
        assert [None if isinstance(v, float) and math.isnan(v) else v for v in got[name].tolist()] == \
               [None if isinstance(v, float) and math.isnan(v) else v for v in arrow[name].tolist()], name
    assert not isinstance(got["i"], np.ma.MaskedArray) and got["i"].tolist() == [1, 2]
    assert got["s"].tolist() == ["a", None] and got["b"].tolist() == [True, None]
    assert math.isnan(got["d"][1]) and math.isnan(got["sm"][1]) and got["sm"][0] == 2.0
    assert got["dt"][0] == np.datetime64("2024-01-02") and np.isnat(got["dt"][1])


def test_columns_without_nulls_are_plain_arrays():
    con = duckdb.connect()
    got = _arrow_columns(con, "SELECT range::INTEGER AS cell, range * 0.5 AS number FROM range(5)", {})
    assert got["cell"].dtype == np.int32 and got["cell"].tolist() == [0, 1, 2, 3, 4]
    assert got["number"].dtype == np.float64 and not isinstance(got["number"], np.ma.MaskedArray)

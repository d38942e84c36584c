"""Display formatting: separators per language, half-up rounding, missing values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zi_metrics.formatting import MISSING, format_gap, format_number, format_percent


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.56, "id", 2, "1.234,56"),
        (1234.56, "en", 2, "1,234.56"),
        (0, "id", 2, "0,00"),
        (7, "en", 2, "7.00"),
        (1234567.891, "id", 2, "1.234.567,89"),
        (1234567.891, "en", 2, "1,234,567.89"),
        (999.5, "id", 0, "1.000"),
        (123, "en", 0, "123"),
        (-1234.5, "id", 2, "-1.234,50"),
        (-1234.5, "en", 2, "-1,234.50"),
        (Decimal("18.25"), "id", 2, "18,25"),
        (3.6, "id", 1, "3,6"),
    ],
)
def test_separators_per_language(value, lang, decimals, expected):
    assert format_number(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("value", "id_text", "en_text"),
    [
        # half-up on the decimal as written; binary floats would give 2.34 / 1.00 / 0.12
        (2.345, "2,35", "2.35"),
        (1.005, "1,01", "1.01"),
        (0.125, "0,13", "0.13"),
        # ties go away from zero for negatives too
        (-2.345, "-2,35", "-2.35"),
        (-0.125, "-0,13", "-0.13"),
        # not ties: ordinary rounding
        (2.344, "2,34", "2.34"),
        (2.3449999, "2,34", "2.34"),
        # banker's rounding would give 2,34 / 0,12 / 2,00: we do not use it
        (2.335, "2,34", "2.34"),
        (2.5, "2,50", "2.50"),
        (999.995, "1.000,00", "1,000.00"),
    ],
)
def test_rounding_is_half_up(value, id_text, en_text):
    assert format_number(value, "id") == id_text
    assert format_number(value, "en") == en_text


def test_half_up_with_zero_decimals():
    assert [format_number(v, "en", 0) for v in (0.5, 1.5, 2.5, -2.5)] == ["1", "2", "3", "-3"]


def test_a_value_that_rounds_to_zero_has_no_minus_sign():
    assert format_number(-0.001, "id") == "0,00"
    assert format_number(-0.0, "en") == "0.00"


@pytest.mark.parametrize("value", [None, float("nan"), float("inf")])
def test_missing_values_show_a_dash(value):
    assert format_number(value, "id") == MISSING == "–"
    assert format_percent(value, "en") == "–"
    assert format_gap(value, "id") == "–"


def test_percent():
    assert format_percent(62.5, "id") == "62,50%"
    assert format_percent(62.5, "en") == "62.50%"
    assert format_percent(74.995, "id") == "75,00%"
    assert format_percent(60, "en", 0) == "60%"


def test_gap_uses_the_catalogue():
    assert format_gap(2.345, "id") == "kurang 2,35 poin"
    assert format_gap(2.345, "en") == "2.35 points short"
    assert format_gap(1250.5, "id") == "kurang 1.250,50 poin"


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        format_number(1, "fr")
    with pytest.raises(ValueError):
        format_number(1, "id", -1)
    with pytest.raises(TypeError):
        format_number(True, "id")
    with pytest.raises(TypeError):
        format_number("12", "id")  # type: ignore[arg-type]


def test_numpy_and_pandas_values():
    import numpy as np
    import pandas as pd

    assert format_number(np.float64(2.345), "id") == "2,35"
    assert format_number(np.int64(1234), "en", 0) == "1,234"
    assert format_number(np.float32(0.5), "en", 0) == "1"
    assert format_number(pd.NA, "id") == "–"
    assert format_number(np.nan, "en") == "–"

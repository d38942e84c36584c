"""Number formatting for display, Indonesian or English conventions.

Indonesian: ``1.234,56`` (dot groups thousands, comma before decimals); English:
``1,234.56``. Rounding is half-up (away from zero on a tie) on the number as written
in decimal, so ``2.345`` shows as ``2,35`` although the binary float is slightly below
2.345, and ``-2.345`` shows as ``-2,35``. Comparisons elsewhere use unrounded values;
these functions are for display only.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal

from zi_metrics.i18n import t

MISSING = "–"  # en dash for a missing value

_SEPARATORS: dict[str, tuple[str, str]] = {
    # lang: (thousands, decimal)
    "id": (".", ","),
    "en": (",", "."),
}

Number = int | float | Decimal


def _separators(lang: str) -> tuple[str, str]:
    try:
        return _SEPARATORS[lang]
    except KeyError:
        raise ValueError(f"no number format for language {lang!r}") from None


def _to_decimal(x: object) -> Decimal | None:
    """Exact decimal of ``x``; None for a missing value (None, NaN, inf, pandas NA/NaT)."""
    if x is None or type(x).__name__ in {"NAType", "NaTType"}:
        return None
    if isinstance(x, bool):
        raise TypeError("a bool is not a number to format")
    if isinstance(x, Decimal):
        return x if x.is_finite() else None
    if isinstance(x, numbers.Integral):  # int, numpy integers
        return Decimal(int(x))
    if isinstance(x, numbers.Real):  # float, numpy floats
        f = float(x)
        if math.isnan(f) or math.isinf(f):
            return None
        # repr() is the shortest decimal that round-trips: 2.345 -> "2.345", not 2.34499...
        return Decimal(repr(f))
    raise TypeError(f"cannot format {x!r} as a number")


def format_number(x: Number | None, lang: str = "id", decimals: int = 2) -> str:
    """``x`` rounded half-up to ``decimals`` places with the language's separators; None/NaN -> '–'."""
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    thousands, point = _separators(lang)
    d = _to_decimal(x)
    if d is None:
        return MISSING
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    negative = q < 0  # a value that rounds to zero loses its sign: never "-0,00"
    integer, _, fraction = f"{abs(q):f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = thousands.join(groups)
    if decimals:
        text += point + fraction
    return ("-" if negative else "") + text


def format_percent(percent: Number | None, lang: str = "id", decimals: int = 2) -> str:
    """A value already in percent units (62.5 -> '62,50%'); None -> '–'."""
    text = format_number(percent, lang, decimals)
    return text if text == MISSING else f"{text}%"


def format_gap(points: Number | None, lang: str = "id", decimals: int = 2) -> str:
    """'kurang 2,35 poin' / '2.35 points short', from the i18n catalogue; None -> '–'."""
    text = format_number(points, lang, decimals)
    return text if text == MISSING else t("gap.points", lang, gap=text)


__all__ = ["MISSING", "format_gap", "format_number", "format_percent"]

"""The cells of a units file (or of the unit form) as values: text, the words for levels and
instansi kinds in English or Indonesian, yes/no, numbers with a decimal comma, and prerequisite
facts checked against their kinds. Pure functions; :mod:`zi_metrics.registry` turns a refusal into
a problem naming its line and column."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from zi_metrics.store import BPK_OPINIONS, GRADES, MAX_YEAR, MIN_YEAR, PREREQUISITE_FIELDS

LEVEL_WORDS = {
    "instansi": "instansi", "agency": "instansi",
    "eselon1": "eselon1", "eseloni": "eselon1", "es1": "eselon1", "esi": "eselon1", "echelon1": "eselon1",
    "eselon2": "eselon2", "eselonii": "eselon2", "es2": "eselon2", "esii": "eselon2", "echelon2": "eselon2",
    "satker": "satker", "satuankerja": "satker", "unitkerja": "satker",
}
KIND_WORDS = {
    "kementerianlembaga": "kementerian_lembaga", "kl": "kementerian_lembaga", "kementerian": "kementerian_lembaga",
    "lembaga": "kementerian_lembaga", "ministry": "kementerian_lembaga",
    "pemerintahdaerah": "pemerintah_daerah", "pemda": "pemerintah_daerah", "pemprov": "pemerintah_daerah",
    "pemkab": "pemerintah_daerah", "pemkot": "pemerintah_daerah", "localgovernment": "pemerintah_daerah",
}
_TRUE = {"ya", "true", "1", "benar", "yes", "x"}
_FALSE = {"tidak", "false", "0", "salah", "no", "bukan"}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def shown(value: Any) -> str:
    """A value as a message quotes it (at most 60 characters)."""
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text_of(value: Any) -> str:
    """A cell as trimmed text with single spaces ('' when empty); 12.0 reads as '12'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def unquote_formula(text: str) -> str:
    """Undo the apostrophe a units export puts before a name starting like a formula."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@" else text


def word_of(value: Any) -> str:
    """A matching key: lower case without spaces, underscores, hyphens, dots or slashes."""
    return re.sub(r"[\s_\-./]+", "", text_of(value).casefold())


def suggest_id(text: str) -> str:
    """A slug from a name: ``"Itjen Kemendesa"`` -> ``itjen-kemendesa``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")


def number_of(value: Any) -> float | None:
    """A finite number from a number or text ('97,5', '95%'), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = text_of(value).rstrip("%").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def bool_of(value: Any) -> bool | None:
    """Yes/no from TRUE/FALSE, 1/0 or words (ya, tidak, yes, no, ...), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = word_of(value)
    return True if word in _TRUE else False if word in _FALSE else None


def whole_of(value: Any) -> int | None:
    number = number_of(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def fact_value(name: str, value: Any, year: int | None) -> tuple[Any, dict[str, Any] | None]:
    """(the prerequisite fact's value, None) or (None, the refusal's parameters)."""
    kind = PREREQUISITE_FIELDS[name]
    quoted = shown(text_of(value))
    if kind in ("opinion", "grade"):
        allowed = BPK_OPINIONS if kind == "opinion" else GRADES
        v = text_of(value).upper().replace(" ", "")
        return (v, None) if v in allowed else (None, {"field": name, "value": quoted, "allowed": ", ".join(allowed)})
    if kind == "bool":
        b = bool_of(value)
        return (b, None) if b is not None else (None, {"field": name, "value": quoted, "allowed": "ya, tidak"})
    if kind in ("percent", "spip"):
        high = 100.0 if kind == "percent" else 5.0
        n = number_of(value)
        ok = n is not None and 0 <= n <= high
        return (n, None) if ok else (None, {"field": name, "value": quoted, "allowed": f"0-{high:g}"})
    if kind == "eselon":
        e = _ROMAN.get(word_of(value)) or whole_of(value)
        ok = e is not None and 1 <= e <= 4
        return (e, None) if ok else (None, {"field": name, "value": quoted, "allowed": "1-4"})
    if kind == "year":
        y = whole_of(value)
        high = year if year is not None else MAX_YEAR
        ok = y is not None and MIN_YEAR <= y <= high
        return (y, None) if ok else (None, {"field": name, "value": quoted, "allowed": f"{MIN_YEAR}-{high}"})
    raise AssertionError(kind)  # pragma: no cover

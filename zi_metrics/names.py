"""One name per measure, in the reader's language, from the framework.

Every label of a measure (a table header, a chart axis, a failing rule in a sentence, a workbook
column, the PDF report) comes from here, so a measure is never named three ways. Areas and hasil
components and items take their names from the framework file (``name`` / ``name_en``); the
figures the framework does not name (total, pengungkit, hasil, the halves, the prior-predicate
rule) come from the i18n catalogue.

Codes accepted everywhere: ``total``, ``pengungkit``, ``hasil``, an area code (``MP``) or its rule
(``area:MP``), a half (``pemenuhan``), a hasil component (``bersih``), a hasil item's code
(``survey_anti_korupsi``, ``tlhp_percent``) or its rule name (``tlhp``), and ``holds_wbk``.
"""

from __future__ import annotations

from collections.abc import Iterable

from zi_metrics.framework import Framework
from zi_metrics.i18n import t

_FIGURES = ("total", "pengungkit", "hasil")


def measure_name(fw: Framework, code: str, lang: str = "id", *, short: bool = False) -> str:
    """The framework's name of a measure in ``lang`` (``code`` itself if nothing is called that).
    ``short``: the file's short form of a hasil measure (``Survei anti korupsi (IPAK)``), for narrow
    places; areas are then still named in full (their short form is their code)."""
    english = lang == "en"
    if code in _FIGURES:
        return t(f"measure.{code}", lang)
    if code.startswith("holds_"):
        return t(f"rule.{code}", lang)
    area_code = code.split(":", 1)[1] if code.startswith("area:") else code
    for area in fw.areas:
        if area.code == area_code:
            return area.name_en if english else area.name
    if code in fw.half_names:
        return t(f"measure.half.{code}", lang)
    for comp in fw.hasil_components:
        if comp.code == code:
            return _pick(comp, english, short)
        for item in comp.items:
            if code in (item.code, item.rule):
                return _pick(item, english, short)
    return code


def _pick(measure: object, english: bool, short: bool) -> str:
    field = ("short" if short else "name") + ("_en" if english else "")
    return str(getattr(measure, field, "") or getattr(measure, "name_en" if english else "name"))


def area_label(fw: Framework, code: str, lang: str = "id") -> str:
    """``MP · Manajemen Perubahan``: an area's code and name, for lists and axis labels."""
    return f"{code} · {measure_name(fw, code, lang)}"


def area_names(fw: Framework, lang: str = "id") -> dict[str, str]:
    """Area code -> name, in the framework's order (for chart builders that take a mapping)."""
    return {a.code: measure_name(fw, a.code, lang) for a in fw.areas}


def rule_name(fw: Framework, rule: str, lang: str = "id") -> str:
    """A predicate rule as a sentence subject: ``Area Penguatan Pengawasan (% dari maksimum)``,
    ``Nilai total``, ``Survei Persepsi Anti Korupsi (IPAK/SPAK)``."""
    if rule.startswith("area:"):
        code = rule.split(":", 1)[1]
        return t("rule.area", lang, area=measure_name(fw, code, lang), code=code)
    if rule in ("total", "pengungkit") or rule.startswith("holds_"):
        return t(f"rule.{rule}", lang)
    return measure_name(fw, rule, lang)


def rule_short_name(fw: Framework, rule: str, lang: str = "id") -> str:
    """A rule in a compact list or a narrow table: an area rule by its code (``PW``), a hasil rule by
    the framework's short name (``Survei anti korupsi (IPAK)``), the others by their name."""
    if rule.startswith("area:"):
        return rule.split(":", 1)[1]
    if rule.startswith("holds_"):
        return t(f"rule.{rule}_short", lang)
    if rule in ("total", "pengungkit"):
        return rule_name(fw, rule, lang)
    return measure_name(fw, rule, lang, short=True)


def rules_list(fw: Framework, rules: Iterable[str], lang: str = "id") -> str:
    """Failing rules as one short line (``MP, PW, Nilai total``); empty for none."""
    return ", ".join(rule_short_name(fw, r, lang) for r in rules)


def stage_name(stage: str, lang: str = "id", *, short: bool = False) -> str:
    """An assessor stage (``mandiri``, ``tpi_eselon1``, ``tpi``, ``tpn``) in ``lang``."""
    return t(f"stage_short.{stage}" if short else f"stage.{stage}", lang)


def predicate_name(code: str | None, lang: str = "id") -> str:
    """``Menuju WBK`` / ``Menuju WBBM`` / ``Belum ada predikat`` (anything else: none)."""
    if isinstance(code, str) and code.lower() in ("wbk", "wbbm"):
        return t(f"predicate.{code.lower()}", lang)
    return t("predicate.none", lang)


__all__ = ["area_label", "area_names", "measure_name", "predicate_name", "rule_name", "rule_short_name",
           "rules_list", "stage_name"]

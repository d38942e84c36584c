"""The string catalogues: same keys in every language, placeholders, domain terms, strictness."""

from __future__ import annotations

import json
import string

import pytest

from zi_metrics import i18n
from zi_metrics.i18n import available_languages, catalogue, missing_keys, t

AREA_NAMES = {
    "MP": "Manajemen Perubahan",
    "TT": "Penataan Tatalaksana",
    "SDM": "Penataan Sistem Manajemen SDM Aparatur",
    "AK": "Penguatan Akuntabilitas Kinerja",
    "PW": "Penguatan Pengawasan",
    "PP": "Peningkatan Kualitas Pelayanan Publik",
}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_languages_indonesian_first():
    assert available_languages() == ["id", "en"]


def test_catalogues_have_the_same_keys():
    assert missing_keys() == {"id": set(), "en": set()}
    assert set(catalogue("id")) == set(catalogue("en"))


def test_missing_keys_reports_both_directions(tmp_path, monkeypatch):
    (tmp_path / "id.json").write_text(json.dumps({"a": "A", "only.id": "x"}), encoding="utf-8")
    (tmp_path / "en.json").write_text(json.dumps({"a": "A", "only.en": "y"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    i18n.reload()
    try:
        assert missing_keys() == {"id": {"only.en"}, "en": {"only.id"}}
    finally:
        monkeypatch.undo()
        i18n.reload()


def test_every_value_is_a_non_empty_string_with_matching_placeholders():
    ids, ens = catalogue("id"), catalogue("en")
    for key, value in ids.items():
        assert value.strip(), f"id.json {key} is empty"
        assert ens[key].strip(), f"en.json {key} is empty"
        assert _placeholders(value) == _placeholders(ens[key]), key


def test_seeded_keys_a_dashboard_needs():
    ids = catalogue("id")
    for key in [
        "app.title",
        "app.demo_banner",
        "page.overview",
        "page.unit",
        "page.gaps",
        "page.progress",
        "page.whatif",
        "page.data",
        "page.present",
        "sidebar.year",
        "sidebar.stage",
        "sidebar.unit",
        "stage.mandiri",
        "stage.tpi",
        "stage.tpn",
        "col.total",
        "col.pengungkit",
        "col.hasil",
        "col.predicate",
        "col.completeness",
        "col.failed_rules",
        "result.pass",
        "result.fail",
        "gap.points",
        "empty.no_data",
    ]:
        assert key in ids, key
    pages = ("overview", "unit", "gaps", "progress", "whatif", "data", "present")
    assert [t(f"page.{p}") for p in pages] == [
        "Ringkasan",
        "Profil unit",
        "Analisis kesenjangan",
        "Progres",
        "Simulasi",
        "Kelola data",
        "Presentasi",
    ]
    assert t("result.pass") == "memenuhi"
    assert t("result.fail") == "belum memenuhi"
    assert "sintetis" in t("app.demo_banner").lower()
    assert "synthetic" in t("app.demo_banner", "en").lower()


def test_placeholders_are_filled():
    assert t("gap.points", "id", gap="2,35") == "kurang 2,35 poin"
    assert t("gap.points", "en", gap="2.35") == "2.35 points short"
    assert t("chart.ring.wbk", "en", percent="60") == "Menuju WBK 60%"
    with pytest.raises(KeyError):
        t("gap.points", "id")  # the placeholder was not given


def test_domain_terms_keep_the_regulation_names_in_both_languages():
    # Areas and hasil measures are named by the framework (zi_metrics.names), not the catalogue:
    # the regulation's names in Indonesian, the framework's English names in English (issue #12.5).
    from zi_metrics.framework import load_framework
    from zi_metrics.names import measure_name

    fw = load_framework("permenpanrb-90-2021")
    assert not [k for k in catalogue("id") if k.startswith("area.")]
    for code, name in AREA_NAMES.items():
        assert measure_name(fw, code, "id") == name.replace("Akuntabilitas Kinerja", "Akuntabilitas")
        assert measure_name(fw, code, "en") == fw.area(code).name_en != name
    assert measure_name(fw, "survey_anti_korupsi", "en") == "Anti-corruption perception survey (IPAK/SPAK)"
    # English leads with English and keeps the regulation's term in brackets
    assert t("stage.mandiri", "en") == "Self-assessment (penilaian mandiri)"
    assert t("stage.mandiri", "id") == "Penilaian mandiri"
    for lang in ("id", "en"):
        assert t("predicate.wbk", lang) == "Menuju WBK"
        assert t("predicate.wbbm", lang) == "Menuju WBBM"
        assert t("term.lke", lang) == "LKE"
        assert t("stage.tpi", lang).startswith("TPI")
        assert t("stage.tpn", lang).startswith("TPN")
        assert t("component.pengungkit", lang).startswith("Pengungkit")
        assert t("component.hasil", lang).startswith("Hasil")
    english = " ".join(catalogue("en").values()).lower()
    # English may add a gloss in brackets after the term, never replace the term
    for replacement in ("towards wbk", "towards wbbm", "integrity zone", "evaluation worksheet"):
        assert replacement not in english, replacement


def test_missing_key_raises_in_strict_mode():
    # tests/conftest.py turns strict mode on for every test
    with pytest.raises(KeyError, match="no.such.key"):
        t("no.such.key", "en")


def test_missing_key_falls_back_outside_tests(monkeypatch, tmp_path):
    monkeypatch.delenv("ZI_I18N_STRICT")
    (tmp_path / "id.json").write_text(json.dumps({"a": "Satu", "b": "Dua"}), encoding="utf-8")
    (tmp_path / "en.json").write_text(json.dumps({"a": "One"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    i18n.reload()
    try:
        assert t("b", "en") == "Dua"  # from the default language
        assert t("c", "en") == "c"  # the key itself
    finally:
        monkeypatch.undo()
        i18n.reload()


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="unknown language"):
        t("app.title", "fr")

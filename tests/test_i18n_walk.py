"""Every page in both languages with strict i18n: no missing catalogue key, no exception.

``ZI_I18N_STRICT=1`` (set for every test by tests/conftest.py) makes ``t()`` raise KeyError on a
key missing from a catalogue, so a page drawing an untranslated label fails here. The pages are
the router's own list (``PAGES`` in dashboard.py, read without running it), so a page added there
is walked without touching this test. The presentation is also stepped to a unit slide, which
draws strings the summary slide does not.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

from zi_metrics.i18n import DEFAULT_LANGUAGE, available_languages, missing_keys

REPO = Path(__file__).resolve().parents[1]
CATALOGUES = REPO / "zi_metrics" / "i18n"


def router_pages() -> list[str]:
    """The page files of dashboard.py's PAGES list that exist (the router leaves the others out)."""
    tree = ast.parse((REPO / "dashboard.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            entries = ast.literal_eval(node.value)
            return [path for path, _title, _url in entries if (REPO / path).exists()]
    raise AssertionError("dashboard.py has no PAGES list")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from zi_metrics.database import ensure_database

    path = tmp_path_factory.mktemp("i18n-walk") / "demo.duckdb"
    ensure_database(path)
    return path


@pytest.fixture
def walk_db(seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "zi.duckdb"
    shutil.copyfile(seeded, path)
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return path


def test_strict_mode_is_on_for_the_walk():
    assert os.environ.get("ZI_I18N_STRICT") == "1"


def test_the_router_lists_the_pages_walked():
    pages = router_pages()
    assert "views/ringkasan.py" in pages
    assert "views/present.py" in pages


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_renders_in_both_languages_without_missing_keys(walk_db: Path, lang: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.query_params["peta"] = "1"  # Ringkasan's heatmap drawn: its texts are walked too
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == lang
    visited = []
    for page in router_pages():
        at.switch_page(page).run()
        problems = [e.value for e in at.exception]
        assert not problems, f"{page} ({lang}): {problems}"
        assert at.session_state["lang"] == lang, f"{page} switched the language"
        visited.append(page)
        if page == "views/present.py":
            # a unit slide too: radar, rule table and progress strings
            at.button(key="zi_slide_next").click().run()
            problems = [e.value for e in at.exception]
            assert not problems, f"{page} slide 2 ({lang}): {problems}"
    assert visited == router_pages()


@pytest.mark.slow
def test_the_sidebar_and_present_page_change_language(walk_db: Path):
    from streamlit.testing.v1 import AppTest

    seen = {}
    for lang in ("id", "en"):
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("views/present.py").run()
        seen[lang] = (at.button(key="zi_slide_next").label, at.sidebar.selectbox[0].label)
    assert seen["id"] == ("Berikutnya", "Tahun")  # the arrow is a Material icon beside the label
    assert seen["en"] == ("Next", "Year")


def test_catalogues_have_identical_key_sets():
    assert available_languages()[0] == DEFAULT_LANGUAGE == "id"
    assert set(available_languages()) >= {"id", "en"}
    keys = {}
    for path in sorted(CATALOGUES.glob("*.json")):
        with path.open(encoding="utf-8") as f:
            data = json.load(f)
        assert isinstance(data, dict) and all(isinstance(v, str) for v in data.values()), path.name
        keys[path.stem] = set(data)
    assert keys["id"] == keys["en"], {
        "only in id.json": sorted(keys["id"] - keys["en"]),
        "only in en.json": sorted(keys["en"] - keys["id"]),
    }
    assert all(not missing for missing in missing_keys().values()), missing_keys()


def test_catalogue_placeholders_agree_between_languages():
    """A template's {placeholders} are the same in every language (a missing one raises in t())."""
    import string

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    catalogues = {}
    for lang in ("id", "en"):
        with (CATALOGUES / f"{lang}.json").open(encoding="utf-8") as f:
            catalogues[lang] = json.load(f)
    differing = {k: (fields(v), fields(catalogues["en"].get(k, "")))
                 for k, v in catalogues["id"].items() if fields(v) != fields(catalogues["en"].get(k, ""))}
    assert not differing, differing

"""Every page and every slide drawn (AppTest) with hostile names, notes, evidence, PIC, links, file
names and actors (tests/reliability/hostile_data.py): no exception, and no text from data reaches an
element that renders Markdown in a form Streamlit would turn into a link, an image, HTML, an
emoji/icon shortcode or math (issue #15.2). The Chromium walk (tests/browser/test_hostile_render.py)
checks the rendered page itself.

Markdown-rendering fields: the body of st.markdown/caption/alerts/headings/metrics/toasts, and the
label, help and delta of every widget, metric, expander, popover, tab, page link and button. Options
of select boxes are plain text and may hold the data as it is.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_data as hd  # noqa: E402

MARKDOWN_KEYS = {"body", "label", "help", "delta", "text", "caption", "captions"}
# A construct that would render as a link, image, HTML, shortcode or math: anything of these not
# preceded by a backslash (the escape) and not broken by a word joiner (U+2060).
LIVE = re.compile(
    r"(?<!\\)(\]\(|!\[|<[A-Za-z/!?]|(?i:https?|ftp)(?::|\\:)//|(?i:www)\.|[\w.+-]@[\w-]|(?<![\\\w]):[a-z_]+(?<!\\):"
    r"|(?<!\\)\$[^$\s])")
CODE_SPAN = re.compile(r"(`+).+?\1")  # a code span (used for URL values in notices): literal text


@pytest.fixture(scope="module")
def hostile_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hd.build(tmp_path_factory.mktemp("hostile-pages") / "hostile.duckdb")


@pytest.fixture
def hostile_db(hostile_seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "zi.duckdb"
    shutil.copyfile(hostile_seed, path)
    monkeypatch.setenv("ZI_DB_PATH", str(path))
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return path


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, key)]
    return []


def markdown_fields(at: Any) -> list[tuple[str, str, str]]:
    """(element type, field, text) of every Markdown-rendering string field on the page."""
    from google.protobuf.json_format import MessageToDict

    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = getattr(node, "type", type(node).__name__)
        if kind in ("html", "plotly_chart", "arrow_data_frame", "dataframe", "table"):
            continue  # HTML is checked by test_hostile_input; charts escape labels; grids are plain text
        for key, text in _strings(MessageToDict(proto, preserving_proto_field_name=True)):
            if key in MARKDOWN_KEYS and text:
                out.append((kind, key, text))
    return out


def live_markup(at: Any) -> list[str]:
    """Hostile data in a Markdown field in a form that would render as markup (the one link the code
    makes from a validated evidence address aside)."""
    from zi_metrics.quoting import markdown_link

    made_link = markdown_link(hd.VALID_LINK)
    bad = []
    for kind, key, text in markdown_fields(at):
        if hd.EVIL not in text and "zi-xss" not in text and "gnp" not in text:
            continue  # not data: the catalogue's own Markdown (bold, icons) is the app's
        plain = CODE_SPAN.sub("", text.replace(made_link, ""))
        for m in LIVE.finditer(plain):
            bad.append(f"{kind}.{key}: {m.group()!r} in {plain[max(0, m.start() - 40):m.end() + 40]!r}")
    return bad


def _open(page_file: str, **query: str) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page_file != "ringkasan":
        at.switch_page(f"views/{page_file}.py").run()
    return at


ROUND = {"unit": hd.UNIT, "tahun": str(hd.YEAR), "tahap": "tpi"}
DECK = {**ROUND, "units": f"{hd.UNIT},kemendesa-itjen"}
PAGES = {  # name: (page file in views/, URL parameters)
    "ringkasan": ("ringkasan", {**ROUND, "peta": "1"}),
    "profil": ("profil", {**ROUND, "peer": "kemendesa-itjen"}),
    "kesenjangan": ("kesenjangan", ROUND),
    "kesenjangan-soal": ("kesenjangan", {**ROUND, "soal": "VALID"}),
    "tindak-lanjut": ("tindak-lanjut", ROUND),
    "progres": ("progres", ROUND),
    "simulasi": ("simulasi", ROUND),
    "kelola-data": ("kelola-data", ROUND),
    "presentasi-1": ("present", {**DECK, "slide": "1"}),
    "presentasi-2": ("present", {**DECK, "slide": "2"}),
}


def _holds_data(at: Any) -> bool:
    """Whether the page's main area (not the sidebar's unit picker) shows the hostile unit or data."""
    for node in at.main:
        proto = getattr(node, "proto", None)
        if proto is not None and any(m in proto.SerializeToString() for m in (b"Uji", hd.EVIL.encode())):
            return True
    return any(_holds_data_in(child) for child in at.main.children.values()) if hasattr(at.main, "children") \
        else False


def _holds_data_in(block: Any) -> bool:
    proto = getattr(block, "proto", None)
    if proto is not None and any(m in proto.SerializeToString() for m in (b"Uji", hd.EVIL.encode())):
        return True
    return any(_holds_data_in(child) for child in getattr(block, "children", {}).values())


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_shows_hostile_data_as_text(hostile_db, name):
    page_file, query = PAGES[name][0], dict(PAGES[name][1])
    if query.get("soal") == "VALID":
        query["soal"] = str(hd.valid_link_question())
    at = _open(page_file, **query)
    assert not at.exception, [e.value for e in at.exception]
    assert _holds_data(at), f"{name} never showed the hostile unit: the test would prove nothing"
    bad = live_markup(at)
    assert not bad, "\n".join(bad)


def test_kelola_data_as_an_editor(hostile_db):
    """The editor's Kelola data (registry, import, delete, downloads, the log) with the hostile unit
    selected: every label naming the unit stays text."""
    from streamlit.testing.v1 import AppTest

    from zi_metrics.accounts import hash_password

    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "dashboard.py"), default_timeout=120)
    at.secrets["zi"] = {"accounts": {"siti": hash_password("rahasia-ZI-2026", rounds=4)}}
    for key, value in ROUND.items():
        at.query_params[key] = value
    at.session_state["_zi_local_editor"] = "siti"
    at.run()
    at.switch_page("views/kelola-data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [text for _, key, text in markdown_fields(at) if key == "label"]
    assert any("Uji" in text for text in labels), labels  # the delete picker and downloads name the unit
    bad = live_markup(at)
    assert not bad, "\n".join(bad)


def test_the_live_markup_check_finds_raw_data():
    """The check above is not vacuous: the raw hostile text is flagged in every form it takes."""
    class Node:
        def __init__(self, body: str) -> None:
            from streamlit.proto.Markdown_pb2 import Markdown

            self.type = "markdown"
            self.proto = Markdown(body=body)

    class Tree:
        def __init__(self, bodies: list[str]) -> None:
            self._tree = [Node(b) for b in bodies]

    from zi_metrics.quoting import markdown_literal

    for piece in hd.PIECES[:8] + (hd.PIECES[10],):
        assert live_markup(Tree([f"Unit {piece} evil.example zi-xss"])), piece
        assert not live_markup(Tree([f"**Unit** {markdown_literal(piece + ' evil.example zi-xss')}"])), piece

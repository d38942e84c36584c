"""One number format per language: every page walked in Indonesian shows no number with a decimal
point and no "None" / "nan", in its text, its tables (what the grid displays: a Styler's display
values, or what a column format would print), its charts (Plotly's separators, texts and axis
labels) and its widget labels and options.

The Simulasi sliders and number inputs draw their own value with a printf format that only knows
the decimal point (helper "plan" pairs them with typed inputs, issue #12.5): their values are not
walked here; their labels and help texts are.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_i18n_walk import router_pages

REPO = Path(__file__).resolve().parents[1]
# a decimal point between digits that is not a thousands separator (exactly three digits then a
# comma, a space, the end or another group); "1.234,56" and "2025" pass, "92.71" and "0.5" do not
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.(?!\d{3}(?:[.,]\d|\b(?![.,]\d)))\d+")
NONE_WORD = re.compile(r"\b(None|nan|NaN|NaT|<NA>)\b")
# a date with its time of day as Indonesian writes it (the audit log: "3 Des 2026 14.05"): no number
DATE_TIME = re.compile(r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4} [012]\d\.[0-5]\d\b")
PRINTF_DECIMALS = re.compile(r"%[-+ 0#,]*\d*\.(\d+)[fFeEgG]")


FLAG = "⚠ "  # a finding the walker made itself (a column format that prints a decimal point, ...)


def offences(text: str) -> list[str]:
    text = DATE_TIME.sub("", text)
    return ([text] if text.startswith(FLAG) else []) + DECIMAL_POINT.findall(text) + NONE_WORD.findall(text)


def test_the_detector_tells_decimal_points_from_thousands():
    assert not offences("1.234,56 · 2025 · 92,71% · PermenPANRB 90/2021 · 1.234.567 · v1 · a.b")
    assert not offences("contoh.lapor.go.id/ditjen · 1. Kesesuaian · Q12, Q110")
    assert not offences("siti mengimpor LKE Itjen 2025 TPI dari lke-itjen.xlsx, 3 Des 2026 14.05")
    assert offences("3 Des 2026 14.05 poin 92.71") == ["92.71"]
    for bad in ("92.71", "0.5 poin", "Total 6.86", "1,234.56", "None", "nilai nan", "3.600"[:3]):
        assert offences(bad), bad


def _arrow_frame(data: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas()


def _dataframe_texts(el: Any) -> Iterator[str]:
    """What the grid shows: the Styler's display values where there are some; otherwise each cell
    as the column's printf format (or Streamlit's default for floats) would print it."""
    import pandas as pd

    proto = el.proto
    config = json.loads(getattr(proto, "columns", "") or "{}")  # a st.table has no column config
    for cfg in config.values():
        yield str(cfg.get("label", ""))
    if proto.arrow_data.HasField("styler") and proto.arrow_data.styler.display_values:
        shown = _arrow_frame(proto.arrow_data.styler.display_values)
        for col in shown.columns:
            kind = config.get(str(col), {}).get("type_config", {})
            if kind.get("type") == "progress" or kind.get("format"):
                continue  # a column format wins over the Styler (checked below)
            yield from (str(v) for v in shown[col].tolist())
    data = _arrow_frame(proto.arrow_data.data)
    for col in data.columns:
        cfg = config.get(str(col), {}).get("type_config", {})
        fmt = cfg.get("format")
        values = data[col]
        if pd.api.types.is_float_dtype(values):
            if isinstance(fmt, str) and (m := PRINTF_DECIMALS.search(fmt)) and int(m.group(1)) > 0:
                yield f"{FLAG}{col}: the format {fmt} prints a decimal point"
            elif fmt is None and not (proto.arrow_data.HasField("styler")
                                      and proto.arrow_data.styler.display_values):
                fractional = values.dropna()
                if ((fractional % 1) != 0).any():
                    yield f"{FLAG}{col}: floats shown unformatted, e.g. {fractional.iloc[0]}"
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            styled = proto.arrow_data.HasField("styler") and proto.arrow_data.styler.display_values
            for v in values.tolist():
                if v is None and not styled:
                    yield f"{FLAG}{col}: None"
                elif isinstance(v, str):
                    yield v


def _plotly_texts(el: Any, lang: str) -> Iterator[str]:
    spec = json.loads(el.proto.spec)
    layout = spec.get("layout", {})
    if lang == "id":
        sep = layout.get("separators") or (layout.get("template", {}).get("layout", {}).get("separators"))
        if sep != ",.":
            yield f"{FLAG}chart {layout.get('title')}: separators {sep!r}, not ',.'"

    def strings(node: Any, key: str = "") -> Iterator[str]:
        if isinstance(node, str):
            if key not in {"hovertemplate", "texttemplate", "type", "mode", "fill", "tickformat", "hoverformat",
                           "xaxis", "yaxis", "legendgroup", "uid", "meta", "name_key", "color", "bgcolor",
                           "fillcolor", "bordercolor", "family", "dash", "symbol"} and not node.startswith("#"):
                yield node
        elif isinstance(node, dict):
            for k, v in node.items():
                if k in {"template", "colorscale", "x", "y", "r", "z", "lat", "lon"} and not isinstance(v, str):
                    continue
                yield from strings(v, k)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v, key)

    for trace in spec.get("data", []):
        yield from strings(trace)
    yield from strings({k: v for k, v in layout.items() if k != "template"})


def _widget_texts(at: Any) -> Iterator[str]:
    for kind in ("selectbox", "multiselect", "radio", "checkbox", "toggle", "text_input", "button",
                 "download_button", "slider", "number_input", "select_slider", "segmented_control", "pills"):
        try:
            widgets = getattr(at, kind)
        except (AttributeError, KeyError):
            continue
        for w in widgets:
            yield str(getattr(w, "label", "") or "")
            if getattr(w, "help", None):
                yield str(w.help)
            if kind in ("selectbox", "multiselect", "radio", "select_slider"):
                yield from (str(o) for o in w.options)


def page_texts(at: Any, lang: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of everything the page displays that a reader reads as text."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning",
                 "error", "success", "latex", "code"):
        for el in getattr(at, kind):
            yield kind, str(el.value)
    for el in at.metric:
        yield "metric", f"{el.label}: {el.value} {el.proto.delta or ''}"
    for el in at.dataframe:
        for text in _dataframe_texts(el):
            yield "dataframe", text
    for el in at.get("table"):
        for text in _dataframe_texts(el):
            yield "table", text
    for el in at.get("plotly_chart"):
        for text in _plotly_texts(el, lang):
            yield "chart", text
    for text in _widget_texts(at):
        yield "widget", text


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from zi_metrics.database import ensure_database

    path = tmp_path_factory.mktemp("format-walk") / "demo.duckdb"
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


def walk(lang: str) -> dict[str, list[str]]:
    """Every page (and the deck's second slide, a failing unit's profile) -> its offending texts."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.query_params["unit"] = "kemendesa-ditjen-pdt"
    at.query_params["tahun"] = "2025"
    at.query_params["tahap"] = "tpi"
    at.query_params["peta"] = "1"  # Ringkasan's heatmap drawn: its texts are walked too
    at.run()
    found: dict[str, list[str]] = {}

    def check(where: str) -> None:
        assert not at.exception, (where, [e.value for e in at.exception])
        bad = [f"{kind}: {text!r} -> {offences(text)}" for kind, text in page_texts(at, lang) if offences(text)]
        if bad:
            found[where] = bad

    for page in router_pages():
        at.switch_page(page).run()
        check(page)
        if page == "views/present.py":
            at.button(key="zi_slide_next").click().run()
            check(f"{page} (slide 2)")
    return found


@pytest.mark.slow
def test_every_page_in_indonesian_shows_one_number_format_and_no_none(walk_db: Path):
    found = walk("id")
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def indonesian_measure_names() -> set[str]:
    """The Indonesian names of areas and hasil measures that have an English name of their own."""
    from zi_metrics.framework import list_frameworks, load_framework

    out = set()
    for fid in list_frameworks():
        fw = load_framework(fid)
        out |= {a.name for a in fw.areas if a.name != a.name_en}
        for comp in fw.hasil_components:
            out |= {x.name for x in (comp, *comp.items) if x.name != x.name_en}
            out |= {x.short for x in (comp, *comp.items) if x.short != x.short_en}
    return out


@pytest.mark.slow
def test_every_page_in_english_names_measures_and_stages_in_english(walk_db: Path):
    from streamlit.testing.v1 import AppTest

    names = indonesian_measure_names()
    assert "Survei Persepsi Anti Korupsi (IPAK/SPAK)" in names and "Penguatan Pengawasan" in names
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.query_params["unit"] = "kemendesa-ditjen-pdt"
    at.query_params["tahun"] = "2025"
    at.query_params["tahap"] = "mandiri"
    at.query_params["peta"] = "1"  # Ringkasan's heatmap drawn: its texts are walked too
    at.run()
    found = {}
    for page in router_pages():
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        texts = [text for _, text in page_texts(at, "en")]
        bad = sorted({n for n in names for text in texts if n in text})
        bad += sorted({text for text in texts if re.search(r"\bPenilaian mandiri\b(?! \()|\bMandiri\b", text)})
        if bad:
            found[page] = bad
    assert at.sidebar.selectbox(key="tahap").format_func("mandiri") == "Self-assessment (penilaian mandiri)"
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)

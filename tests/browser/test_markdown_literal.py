"""zi_metrics.quoting.markdown_literal against Streamlit's own Markdown renderer, in Chromium: hostile
strings and 150 seeded random strings of Markdown punctuation, addresses and shortcodes, each drawn
through st.markdown, st.caption, an alert, a subheader, an expander's, a metric's, a button's, a
checkbox's and a tab's label and a metric's value, must read exactly as typed (only whitespace
collapsed) with no link, image, math, emoji or icon made of them. The oracle is the browser's text,
not the escaping code."""

from __future__ import annotations

import importlib.util
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
HIDDEN = dict.fromkeys(map(ord, "\u2060\u2068\u2069"))  # the word joiner and isolates the escaping adds

_spec = importlib.util.spec_from_file_location("browser_conftest_md", Path(__file__).resolve().parent / "conftest.py")
_browser_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_browser_conftest)

FIXED = [
    "<script>alert('x')</script> <b>tebal</b> <img src=//evil.example/t.png>",
    "[klik](http://evil.example/l) ![gambar](http://evil.example/i.png) [ref]: http://evil.example/r",
    "<http://evil.example/a> http://evil.example/b https://evil.example/c www.evil.example/w",
    "mata@evil.example mailto:mata@evil.example xmpp:mata@evil.example",
    ":smile: :+1: :material/home: :red[merah] :blue-background[biru] :streamlit:",
    "$x^2$ $$y$$ \\(z\\) Rp 1.000.000 50% 10:30",
    "**tebal** *miring* _miring_ ~~coret~~ ~coret~ `kode` ```blok```",
    "# judul", "## judul 2", "- satu", "+ dua", "* tiga", "1. satu", "2) dua", "> kutipan", "---", "===",
    "| a | b |", "a | b", "AT&amp;T &lt;b&gt; &#60;i&#62; & co", "\\[escaped\\] \\\\ backslash \\",
    "Dit. Perencanaan PKT (Biro Umum) 30/09/2026 - 92,44 - a_b_c",
    "\u202egnp.exe\u202c teks", "[^1] catatan kaki [^1]: isi",
]
ALPHABET = list("abcXYZ 019 .,;:!?*_`~[](){}<>#+-=|$&@/\\\"'%^") + [
    "http://", "https://", "www.", "@evil.example", ":smile:", ":material/home:", ":red[", "$x$", "&amp;",
    " evil.example ", "\n"]


def corpus() -> list[str]:
    rng = random.Random(20261203)
    out = list(FIXED)
    for _ in range(150):
        out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))).strip() or "x")
    return out


APP = '''
import json, os, sys
sys.path.insert(0, os.environ["ZI_REPO"])
import streamlit as st
from zi_metrics.quoting import markdown_literal as lit
texts = json.load(open(os.environ["ZI_CORPUS"], encoding="utf-8"))
start = int(st.query_params.get("from", 0))
for i, text in enumerate(texts[start:start + 30], start=start):
    v = lit(text)
    with st.container(key=f"case{i}"):
        st.markdown(v)
        st.caption(v)
        st.info(v)
        st.subheader(v, anchor=False)
        with st.expander(v):
            st.write("")
        st.metric(v, v)
        st.button(v, key=f"b{i}")
        st.checkbox(v, key=f"c{i}")
        st.tabs([v])
'''


@pytest.fixture(scope="module")
def literal_app(tmp_path_factory: pytest.TempPathFactory, free_port_factory: Callable[[], int],
                artifacts_dir: Path) -> Iterator[tuple[str, list[str]]]:
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    folder = tmp_path_factory.mktemp("markdown-literal")
    texts = corpus()
    (folder / "corpus.json").write_text(json.dumps(texts), encoding="utf-8")
    (folder / "app.py").write_text(APP, encoding="utf-8")
    port = free_port_factory()
    env = {**os.environ, "ZI_REPO": str(REPO), "ZI_CORPUS": str(folder / "corpus.json")}
    log = (artifacts_dir / "streamlit-markdown-literal.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(folder / "app.py"), "--server.headless",
                             "true", "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                if opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "streamlit did not start"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", texts
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _norm(text: str) -> str:
    return " ".join(text.translate(HIDDEN).split())


def test_every_string_reads_as_typed_in_every_element(page: Page, literal_app) -> None:
    base_url, texts = literal_app
    outside: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith((base_url, "data:", "blob:"))
               else (outside.append(route.request.url), route.abort()))
    bad = []
    for start in range(0, len(texts), 30):
        page.goto(f"{base_url}/?from={start}")
        expect(page.locator(READY)).to_be_visible(timeout=90_000)
        last = min(start + 30, len(texts)) - 1
        expect(page.locator(f".st-key-case{last} [data-testid='stTab']")).to_be_visible(timeout=90_000)
        for i in range(start, last + 1):
            box = page.locator(f".st-key-case{i}")
            for part in ("stTab", "stMetricValue", "stCheckbox", "stButton"):  # drawn to its end
                expect(box.locator(f'[data-testid="{part}"]')).to_have_count(1, timeout=90_000)
            expect(box.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=90_000)
            want = _norm(texts[i])
            shown = box.evaluate("""box => {
                const q = s => Array.from(box.querySelectorAll(s));
                const text = e => e ? e.innerText : null;
                return {
                  markdown: q('[data-testid="stMarkdownContainer"]').map(text).filter(t => t !== ""),
                  metric: text(box.querySelector('[data-testid="stMetricValue"]')),
                  tab: text(box.querySelector('[data-baseweb="tab"]')),
                  links: q('a[href]').map(a => a.href),
                  images: q('img, svg image').length,
                  math: q('.katex, math').length,
                };
            }""")
            texts_shown = [*shown["markdown"], shown["metric"], shown["tab"]]
            wrong = [t for t in texts_shown if t is not None and _norm(t) != want]
            if wrong or shown["links"] or shown["images"] or shown["math"]:
                bad.append(f"{texts[i]!r}: shown as {sorted(set(map(repr, wrong)))[:3]} links={shown['links'][:2]} "
                           f"images={shown['images']} math={shown['math']}")
            assert len(shown["markdown"]) >= 9, (texts[i], shown)  # every element was found
    assert not outside, outside
    assert not bad, "\n".join(bad[:30])

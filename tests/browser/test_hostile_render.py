"""Every page and slide in Chromium with hostile names, notes, evidence, PIC, links, file names and
actors (tests/reliability/hostile_data.py), as a viewer and as a signed-in editor (issue #15.2):

* no ``<a>`` of the page leads anywhere but the app itself, except the one evidence link the code
  makes from a validated http(s) address (to its own host, with the address shown as text);
* no ``<img>`` (or other loaded resource) comes from outside the app: every request the browser
  makes is intercepted and any host but 127.0.0.1 is refused and counted;
* the hostile text is on the page, shown as typed (a Markdown link reads ``[klik](http://...)``).

Screenshots of the hostile profile, focus box and Tindak lanjut at 1280x720 and 1440x900 go to
test-artifacts/.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reliability"))
import hostile_data as hd  # noqa: E402

# This folder's conftest, by path (another folder's conftest may own the module name "conftest").
_spec = importlib.util.spec_from_file_location("browser_conftest", Path(__file__).resolve().parent / "conftest.py")
_browser_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_browser_conftest)
run_streamlit = _browser_conftest.run_streamlit

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ACCOUNT = ("siti", "rahasia-ZI-2026")
HIDDEN = dict.fromkeys(map(ord, "\u2060\u2068\u2069"))  # the word joiner and isolates the escaping adds


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, free_port_factory: Callable[[], int],
                   artifacts_dir: Path) -> Iterator[str]:
    from zi_metrics.accounts import add_account, hash_password

    folder = tmp_path_factory.mktemp("hostile-render")
    db = hd.build(folder / "hostile.duckdb")
    secrets = folder / "secrets.toml"
    add_account(secrets, ACCOUNT[0], hash_password(ACCOUNT[1], rounds=4))
    with run_streamlit(free_port_factory(), db, artifacts_dir / "streamlit-hostile.log", secrets=secrets) as url:
        yield url


class Outside:
    """Every request of a browser context to a host other than the app's, refused and remembered."""

    def __init__(self, base_url: str) -> None:
        self.host = urlsplit(base_url).hostname
        self.refused: list[str] = []

    def route(self, route) -> None:  # noqa: ANN001 - Playwright's Route
        url = route.request.url
        scheme = urlsplit(url).scheme
        if scheme in ("data", "blob") or urlsplit(url).hostname == self.host:
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


@pytest.fixture(scope="module")
def walk(shared_tab, hostile_server: str) -> Iterator[tuple[Page, Outside]]:  # noqa: ANN001 - conftest.SharedTab
    page = shared_tab.take()
    try:
        page.set_viewport_size({"width": 1440, "height": 900})
        outside = Outside(hostile_server)
        page.context.route("**/*", outside.route)
        page.goto(hostile_server)  # the router's first run before any deep link
        expect(page.locator(READY)).to_be_visible(timeout=90_000)
        yield page, outside
    finally:
        page.context.unroute_all(behavior="ignoreErrors")
        shared_tab.leave()


def _visit(page: Page, base_url: str, path: str, **query: str) -> None:
    page.goto(f"{base_url}/{path}?{urlencode(query)}")
    expect(page.locator(READY)).to_be_visible(timeout=90_000)
    page.wait_for_load_state("networkidle")
    expect(page.locator(READY)).to_be_visible(timeout=90_000)
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def _links_and_images(page: Page) -> tuple[list[tuple[str, str]], list[str]]:
    """(href, text) of every link and the src of every image of the document, resolved."""
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => [e.href, e.innerText])")
    images = page.eval_on_selector_all("img[src], image[href], source[src]",
                                       "els => els.map(e => e.src || e.getAttribute('href') || '')")
    return [(h, t) for h, t in links], images


def _check_page(page: Page, base_url: str, where: str) -> list[str]:
    host = urlsplit(base_url).hostname
    links, images = _links_and_images(page)
    bad = []
    for href, text in links:
        parts = urlsplit(href)
        if parts.hostname == host or href.startswith(("#", "about:")):
            continue
        if parts.hostname == hd.VALID_HOST and text.translate(HIDDEN) == hd.VALID_LINK:
            continue  # the evidence link the code makes from a validated address
        bad.append(f"{where}: link {href!r} ({text[:60]!r})")
    for src in images:
        parts = urlsplit(src)
        if parts.scheme not in ("data", "blob") and parts.hostname != host:
            bad.append(f"{where}: image {src!r}")
    return bad


ROUND = {"unit": hd.UNIT, "tahun": str(hd.YEAR), "tahap": "tpi"}
VIEWS = [
    ("ringkasan", {**ROUND, "peta": "1"}),
    ("profil", {**ROUND, "peer": "kemendesa-itjen"}),
    ("kesenjangan", ROUND),
    ("kesenjangan", {**ROUND, "soal": "VALID"}),
    ("tindak-lanjut", ROUND),
    ("progres", ROUND),
    ("simulasi", ROUND),
    ("kelola-data", ROUND),
    ("presentasi", {**ROUND, "units": f"{hd.UNIT},kemendesa-itjen", "slide": "1"}),
    ("presentasi", {**ROUND, "units": f"{hd.UNIT},kemendesa-itjen", "slide": "2"}),
]
SHOTS = {"profil", "kesenjangan-soal", "tindak-lanjut"}


def _walk_all(page: Page, outside: Outside, base_url: str, artifacts: Path, who: str) -> list[str]:
    bad: list[str] = []
    for path, query in VIEWS:
        query = dict(query)
        name = path
        if query.get("soal") == "VALID":
            query["soal"] = str(hd.valid_link_question())
            name = f"{path}-soal"
        _visit(page, base_url, path, **query)
        bad += _check_page(page, base_url, f"{who} {name}")
        if name in SHOTS and who == "viewer":
            for width, height in ((1280, 720), (1440, 900)):
                page.set_viewport_size({"width": width, "height": height})
                expect(page.locator(READY)).to_be_visible(timeout=90_000)
                page.screenshot(path=str(artifacts / f"hostile-{name}-{width}x{height}.png"))
            page.set_viewport_size({"width": 1440, "height": 900})
    return bad + [f"{who}: request to {url}" for url in outside.refused]


def test_hostile_data_is_text_on_every_page_and_slide(walk, hostile_server: str, artifacts_dir: Path) -> None:
    page, outside = walk
    bad = _walk_all(page, outside, hostile_server, artifacts_dir, "viewer")
    assert not bad, "\n".join(bad)

    # The data is there, as typed: the profile's heading holds the unit's name with its Markdown.
    _visit(page, hostile_server, "profil", **ROUND)
    text = page.locator('[data-testid="stMain"]').inner_text().translate(HIDDEN)
    shown = [piece for piece in hd.PIECES if piece in hd.NAME and not any(ord(c) < 32 for c in piece)]
    assert len(shown) >= 7
    for piece in shown:
        assert piece in text, piece
    assert "\\x07\\x1b" in text  # control characters shown escaped
    # The focus box of a question shows its follow-up's evidence link, made from the validated
    # address: one link to its host, the address as its text.
    _visit(page, hostile_server, "kesenjangan", **ROUND, soal=str(hd.valid_link_question()))
    made = page.locator('[data-testid="stMain"] a[href*="bukti.example"]')
    expect(made).to_have_count(1)
    assert made.inner_text().translate(HIDDEN) == hd.VALID_LINK

    # Signed in as an editor: Kelola data's registry, import, delete and downloads sections.
    _visit(page, hostile_server, "kelola-data", **ROUND)
    page.get_by_label("Nama pengguna").fill(ACCOUNT[0])
    page.get_by_label("Kata sandi").fill(ACCOUNT[1])
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_text(f"Masuk sebagai editor: {ACCOUNT[0]}")).to_be_visible(timeout=60_000)
    expect(page.locator(READY)).to_be_visible(timeout=90_000)
    bad = _check_page(page, hostile_server, "editor kelola-data")
    for width, height in ((1280, 720), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(artifacts_dir / f"hostile-kelola-data-editor-{width}x{height}.png"), full_page=True)
    bad += [f"editor: request to {url}" for url in outside.refused]
    assert not bad, "\n".join(bad)

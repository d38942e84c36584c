"""Streamlit entry point: a router over views/ with the shared sidebar (language, year, stage, unit).

Run with ``streamlit run dashboard.py``. The database is $ZI_DATABASE_URL (a postgresql:// URL or a
path), else $ZI_DB_PATH, else data/zi.duckdb; on first run it is created with synthetic demo data.
"""

from pathlib import Path

import streamlit as st

from ui import memory

memory.configure()  # before the first data is read (see ui/memory.py)

from ui import state, urlstate  # noqa: E402
from zi_metrics.store import StoreError  # noqa: E402

# The tab's icon is an image served by the app: an emoji needs an emoji font (a missing-glyph box
# without one), and a Material icon as page_icon makes the browser fetch it from fonts.gstatic.com.
st.set_page_config(page_title="Zona Integritas", page_icon=str(Path(__file__).parent / "ui/assets/favicon.png"),
                   layout="wide")

tr = state.tr
store = state.get_store()
state.begin_run(store)  # one data version for everything this run reads (see ui/state.py)
try:
    with store.reads_together(lazy=True):  # on a cache miss the sidebar's reads open the database once
        st.session_state["selection"] = state.sidebar(store)
except StoreError as exc:  # e.g. a long import holds the file beyond the busy timeout
    state.show_store_error(exc, store.location)
    st.stop()

# The pages live in views/, not pages/: Streamlit 1.67 treats a pages/ folder beside the entry
# script as an old-style multipage app until st.navigation has run once in the process, so on a
# fresh server the first deep link (say /kesenjangan) showed "Page not found", and a page whose
# file name matched its URL ran without this script (no sidebar). Files are named by URL path.
PAGES = [
    ("views/ringkasan.py", "page.overview", "ringkasan"),
    ("views/profil.py", "page.unit", "profil"),
    ("views/kesenjangan.py", "page.gaps", "kesenjangan"),
    ("views/tindak-lanjut.py", "page.followup", "tindak-lanjut"),
    ("views/progres.py", "page.progress", "progres"),
    ("views/simulasi.py", "page.whatif", "simulasi"),
    ("views/kelola-data.py", "page.data", "kelola-data"),
    ("views/present.py", "page.present", "presentasi"),
]
HOME = "ringkasan"


def _to_overview() -> None:
    """/ringkasan, the name the sidebar shows: Streamlit serves the default page only at / (its
    url_path is ""), so the address /ringkasan would open with Streamlit's English "Page not
    found". This hidden page sends the reader to / with the same query string."""
    st.switch_page(pages[0], query_params={k: st.query_params.get_all(k) for k in st.query_params})


# The default page's own url_path only names it inside Streamlit (a default page's address is /);
# "ringkasan" belongs to the hidden page above.
pages = [st.Page(path, title=tr(title), url_path=f"{url}-home" if url == HOME else url, default=url == HOME)
         for path, title, url in PAGES]
pages.append(st.Page(_to_overview, title=tr("page.overview"), url_path=HOME, visibility="hidden"))
navigation = st.navigation(pages)
state.navigated()  # a sidebar read that met a write reruns now, on this page
missing = urlstate.unknown_page(url for _, _, url in PAGES)
if missing is not None:  # an address with no page: say where the reader landed instead
    st.warning(tr("notice.unknown_page", page=state.md_text(missing[:60]), shown=navigation.title))
if st.session_state["selection"].year is None and navigation.url_path != "kelola-data":
    from ui import onboarding

    onboarding.empty_pointer()  # an empty database: every page says where to start
try:
    navigation.run()
except StoreError as exc:
    state.show_store_error(exc, store.location)

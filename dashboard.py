"""Streamlit entry point: a router over pages/ with the shared sidebar (language, year, stage, unit).

Run with ``streamlit run dashboard.py``. The database is $ZI_DB_PATH or data/zi.duckdb; on first
run it is created with synthetic demo data.
"""

from pathlib import Path

import streamlit as st

from ui import state

st.set_page_config(page_title="Zona Integritas", page_icon="🛡️", layout="wide")

store = state.get_store()
st.session_state["selection"] = state.sidebar(store)
tr = state.tr

# Pages whose file is not there yet are left out, so the router never points at a missing file.
PAGES = [
    ("pages/overview.py", "page.overview", "ringkasan"),
    ("pages/unit.py", "page.unit", "profil"),
    ("pages/gaps.py", "page.gaps", "kesenjangan"),
    ("pages/progress.py", "page.progress", "progres"),
    ("pages/whatif.py", "page.whatif", "simulasi"),
    ("pages/data.py", "page.data", "kelola-data"),
    ("pages/present.py", "page.present", "presentasi"),
]
HERE = Path(__file__).parent
pages = [
    st.Page(path, title=tr(title), url_path=url, default=(url == "ringkasan"))
    for path, title, url in PAGES
    if (HERE / path).exists()
]
navigation = st.navigation(pages)
navigation.run()

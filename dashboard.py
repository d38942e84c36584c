"""Streamlit entry point: a router over pages/ with the shared sidebar (language, year, stage, unit).

Run with ``streamlit run dashboard.py``. The database is $ZI_DB_PATH or data/zi.duckdb; on first
run it is created with synthetic demo data.
"""

import streamlit as st

from ui import state

st.set_page_config(page_title="Zona Integritas", page_icon="🛡️", layout="wide")

store = state.get_store()
st.session_state["selection"] = state.sidebar(store)
tr = state.tr

pages = [
    st.Page("pages/overview.py", title=tr("page.overview"), url_path="ringkasan", default=True),
]
navigation = st.navigation(pages)
navigation.run()

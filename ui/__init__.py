"""Streamlit-side helpers shared by the pages: the cached store, cached scored rounds, the
shared sidebar and small display helpers. Scoring stays in zi_metrics; SQL stays in the store."""

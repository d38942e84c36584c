"""The benchmarks' stack floor (issue #14.4): a Streamlit page that imports the libraries the
dashboard needs (pandas, pyarrow, duckdb, plotly) and draws one small chart, and nothing else."""

import duckdb  # noqa: F401
import pandas as pd
import plotly.graph_objects as go
import pyarrow  # noqa: F401
import streamlit as st

st.title("Stack floor")
frame = pd.DataFrame({"x": [1, 2, 3], "y": [10, 70, 65]})
st.plotly_chart(go.Figure(go.Bar(x=frame["x"], y=frame["y"])), theme=None, key="chart")

"""The benchmarks' one-chart page: a title and one small plotly chart (what loading plotly.js
costs any page that draws a chart)."""

import plotly.graph_objects as go
import streamlit as st

st.title("One chart")
st.plotly_chart(go.Figure(go.Heatmap(z=[[10, 70], [65, 90]])), theme=None, key="chart")

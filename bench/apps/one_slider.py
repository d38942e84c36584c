"""The benchmarks' bare one-slider app: moving the slider reruns the script and prints the value
(the floor of a slider move until the page shows its result)."""

import streamlit as st

value = st.slider("Value", min_value=0.0, max_value=10.0, value=5.0, step=0.01)
st.markdown(f"Value: **{value:.2f}**")

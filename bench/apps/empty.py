"""The benchmarks' empty Streamlit page: a title and nothing else (the floor of a page load)."""

import streamlit as st

st.title("Empty")

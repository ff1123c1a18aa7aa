"""A bare Streamlit page for bench/browser_timings.py: a lower bound, what Streamlit itself costs on
this machine, with no data and no KPI.

A title, a region multiselect in the sidebar, and one bordered card of one HTML block (st.html, as on
the overview) and one link per KPI in metrics.toml (the bench waits for that many). Changing the region
reruns the page and redraws the cards, as on the overview.
"""

import streamlit as st

from cxkpi.registry import load_registry

CARDS = len(load_registry())

REGIONS = ["APAC", "EMEA", "LATAM", "North America"]

with st.sidebar:
    regions = st.multiselect("Region", REGIONS, key="filter_region", placeholder="All regions")
st.title("Customer experience KPIs")
shown = ", ".join(regions) or "all regions"
for first in range(0, CARDS, 4):
    for column, index in zip(st.columns(4), range(first, min(first + 4, CARDS)), strict=False):
        with column, st.container(border=True, key=f"card-{index}"):
            st.html(f'<h5>KPI {index + 1}</h5><span class="cx-value">{shown}</span>')
            st.page_link("https://example.com/", label="Trend and breakdown", icon=":material/arrow_forward:")

"""A bare Streamlit page shaped like the overview, for bench/browser_timings.py: what Streamlit itself
costs on this machine, with no data and no KPI.

A title, a region multiselect in the sidebar, and nine bordered cards of one Markdown block and one
link each. Changing the region reruns the page and redraws the cards, as on the overview.
"""

import streamlit as st

REGIONS = ["APAC", "EMEA", "LATAM", "North America"]

with st.sidebar:
    regions = st.multiselect("Region", REGIONS, key="filter_region", placeholder="All regions")
st.title("Customer experience KPIs")
shown = ", ".join(regions) or "all regions"
for first in range(0, 9, 4):
    for column, index in zip(st.columns(4), range(first, min(first + 4, 9)), strict=False):
        with column, st.container(border=True, key=f"card-{index}"):
            st.markdown(f'##### KPI {index + 1}\n\n<span class="cx-value">{shown}</span>', unsafe_allow_html=True)
            st.page_link("https://example.com/", label="Trend and breakdown", icon=":material/arrow_forward:")

"""cxkpi executive overview: what needs attention, whose it is, and every KPI on one screen.

Run with `streamlit run dashboard.py` (or `make run`). The KPI pages live in pages/.
"""

import streamlit as st

from ui import overview, sidebar

page = sidebar.render("Overview")
if page.present:
    # Presentation mode (?present=1) is left on a meeting room's screen: its numbers refresh themselves.
    st.fragment(overview.render, run_every=overview.present_refresh_seconds())(page)
else:
    overview.render(page)

"""cxkpi executive overview: every KPI, its owner and its target on one screen.

Run with `streamlit run dashboard.py` (or `make run`). The KPI pages live in pages/.
"""

import streamlit as st

from ui import cards, data, exports, sidebar
from ui import formatting as fmt

COLUMNS = 4

page = sidebar.render("Overview")

st.title("Customer experience KPIs")
st.markdown(
    f"**{fmt.period(page.period)}** · {page.filters.describe()} · "
    f"compared with {fmt.period(page.period.previous())}"
)

reports = data.overview(page.db_path, page.kpis, page.period, page.filters)
st.caption(f"{fmt.on_target_summary(reports)} · every KPI has one accountable owner")
for stale in data.stale_sources(page.db_path):  # the rule: cxkpi/health.py
    st.warning(stale.message(), icon=":material/schedule:")
if not page.present:  # presentation mode (?present=1) shows the numbers only
    exports.overview_downloads(reports, page.period, page.filters.describe(), page.link, "Customer experience KPIs")

for first in range(0, len(reports), COLUMNS):
    for column, report in zip(st.columns(COLUMNS), reports[first : first + COLUMNS], strict=False):
        with column:
            cards.kpi_card(report, details_page=sidebar.page_for(report.kpi.id))

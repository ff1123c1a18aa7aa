"""The KPI page: any KPI in the registry, named by the link (/KPI?kpi=<id>): a KPI added as one SQL file
and one metrics.toml entry is shown here, with the same layout as the KPIs that have a page file."""

from ui import kpi_page

kpi_page.render_named_in_link()

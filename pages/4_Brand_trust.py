"""Brand trust: headline, trend, breakdown and definition."""

from ui import kpi_page

kpi_page.render("brand_trust")

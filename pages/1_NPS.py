"""Net Promoter Score: headline, trend, breakdown and definition."""

from ui import kpi_page

kpi_page.render("nps")

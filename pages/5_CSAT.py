"""Customer satisfaction (CSAT): headline, trend, breakdown, what moves it and definition."""

from ui import kpi_page

kpi_page.render("csat")

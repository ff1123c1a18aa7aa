"""Complaint rate per 1,000 orders: headline, trend, breakdown and definition."""

from ui import kpi_page

kpi_page.render("complaint_rate")

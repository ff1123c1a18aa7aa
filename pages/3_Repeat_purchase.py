"""Repeat-purchase rate: headline, trend, breakdown and definition."""

from ui import kpi_page

kpi_page.render("repeat_purchase_rate")

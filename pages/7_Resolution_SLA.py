"""Complaints resolved within SLA: headline, trend, breakdown, time to resolution and backlog."""

from ui import kpi_page

kpi_page.render("complaints_resolved_within_sla")

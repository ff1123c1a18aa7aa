"""Complaint response time: headline (with p90 and unanswered count), trend, breakdown and definition."""

from ui import kpi_page

kpi_page.render("complaint_response_hours")

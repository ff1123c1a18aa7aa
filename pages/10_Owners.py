"""Owners: who is accountable for each KPI, how it stands, and every change of owner or target."""

from ui import owners_page

owners_page.render()

"""Data: upload exports, see what loaded, what was set aside and why, and how fresh each table is."""

from ui import data_page

data_page.render()

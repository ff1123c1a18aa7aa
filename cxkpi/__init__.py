"""cxkpi: customer-centricity KPIs from CRM, survey and helpdesk exports, kept in DuckDB."""

__version__ = "0.1.0"

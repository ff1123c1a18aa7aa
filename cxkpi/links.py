"""The address of a view, for what leaves the app (the digest, alerts): the overview with the period and
filters in the query string, as the app writes it (ui.state; a test holds the two to one format), under
the address people open the app at: $CXKPI_PUBLIC_URL (e.g. https://cx.example.com), else
http://localhost:8501, where `make run` serves it."""

from __future__ import annotations

import os
from urllib.parse import urlencode

from cxkpi.kpis import FILTER_DIMENSIONS, Filters
from cxkpi.periods import Period

PUBLIC_URL_ENV = "CXKPI_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"


def public_url() -> str:
    return (os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).rstrip("/")


def view_query(period: Period, filters: Filters, language: str = "") -> dict[str, list[str]]:
    """The query of the overview's view of `period` and `filters`, compared with the previous period; with
    `language`, in that language (lang=, as the app writes it)."""
    query = {"from": [period.start.isoformat()], "to": [period.end.isoformat()], "compare": ["previous"],
             "grain": ["month"], "by": ["region"]}
    query.update({name: list(getattr(filters, name)) for name in FILTER_DIMENSIONS if getattr(filters, name)})
    if language:
        query["lang"] = [language]
    return query


def view_url(period: Period, filters: Filters, language: str = "") -> str:
    """'https://cx.example.com/?from=2026-07-01&to=2026-09-30&compare=previous&grain=month&by=region'."""
    query = view_query(period, filters, language)
    return f"{public_url()}/?{urlencode([(name, value) for name, values in query.items() for value in values])}"

"""The filter state: ONE session_state entry shared by every page.

Widgets are not the source of truth: Streamlit deletes a widget's key when a run does not draw it,
and the "same" widget on another page is a different widget. So the chosen values live here, each
sidebar widget is seeded from them on every run and copies its value back when the user changes it.
(Putting the filters into the URL later means reading/writing this one entry.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import streamlit as st

from cxkpi.kpis import FILTER_DIMENSIONS, Filters
from cxkpi.periods import Period

STATE_KEY = "cxkpi_filter_state"


@dataclass(frozen=True)
class FilterState:
    # None = "the default period" (the last full quarter), so it follows the data as new loads arrive.
    start: date | None = None
    end: date | None = None
    region: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()

    def period(self, default: Period) -> Period:
        if self.start is None or self.end is None:
            return default
        return Period(self.start, self.end)

    def filters(self) -> Filters:
        return Filters(region=self.region, segment=self.segment, channel=self.channel)

    def limited_to(self, choices: dict[str, list[str]]) -> FilterState:
        """Drop chosen values the warehouse no longer offers (a multiselect refuses unknown defaults)."""
        kept = {name: tuple(v for v in getattr(self, name) if v in choices.get(name, [])) for name in FILTER_DIMENSIONS}
        return replace(self, **kept)


def current() -> FilterState:
    return st.session_state.get(STATE_KEY) or FilterState()


def update(**changes: Any) -> None:
    st.session_state[STATE_KEY] = replace(current(), **changes)


def reset() -> None:
    st.session_state[STATE_KEY] = FilterState()

"""CSS on top of the Streamlit theme: tighter page margins so four cards fit side by side, and the
KPI card's own styles (the card is HTML, ui.cards.card_html)."""

from __future__ import annotations

import streamlit as st

# Selectors are Streamlit's stable data-testid / st-key-* hooks; streamlit is pinned in requirements.txt.
CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 4rem 2.5rem 3rem 2.5rem; max-width: 1600px; }
.cx-card p { font-size: 0.875rem; line-height: 1.6; color: rgba(49, 51, 63, 0.6); margin: 0 0 0.75rem 0; }
.cx-card .cx-title { font-size: 1.05rem; font-weight: 600; line-height: 1.4; color: rgb(49, 51, 63);
                     margin: 0 0 0.5rem 0; padding: 0; }
.cx-card .cx-owner { font-size: 1rem; color: rgb(49, 51, 63); }
.cx-card .cx-headline { display: flex; align-items: center; flex-wrap: wrap; gap: 0.5rem; margin: 0.25rem 0 0.75rem 0; }
.cx-card .cx-value { font-size: 2.1rem; font-weight: 600; color: rgb(49, 51, 63); line-height: 1.2; width: 100%; }
.cx-card .cx-alert { color: #b3410b; }
.cx-card .cxkpi-sparkline > div { font-size: 11px; color: #6b7280; }
.cx-card .cxkpi-sparkline img { display: block; width: 100%; height: 48px; margin-bottom: 0.75rem; }
.cx-icon { font-family: "Material Symbols Rounded"; font-weight: 400; font-style: normal; font-size: 1.1em;
           line-height: 1; vertical-align: -0.15em; font-feature-settings: "liga"; user-select: none; }
.cx-badge { display: inline-block; font-size: 0.875rem; border-radius: 0.25rem; padding: 0 0.375rem; }
.cx-change { font-size: 0.875rem; border-radius: 1rem; padding: 0.1rem 0.5rem; }
:is(.cx-badge, .cx-change).cx-blue { color: #0054a3; background: rgba(28, 131, 225, 0.1); }
:is(.cx-badge, .cx-change).cx-violet { color: #583f84; background: rgba(128, 61, 245, 0.1); }
:is(.cx-badge, .cx-change).cx-orange { color: #b3410b; background: rgba(255, 108, 0, 0.1); }
:is(.cx-badge, .cx-change).cx-gray { color: rgba(49, 51, 63, 0.7); background: rgba(49, 51, 63, 0.07); }
.cx-reading { font-size: 0.875rem; color: rgba(49, 51, 63, 0.6); }
.cx-definition summary { cursor: pointer; font-size: 0.875rem; color: #1f4e79; }
.cx-definition .cx-sql { white-space: pre-wrap; font-family: "Source Code Pro", monospace; font-size: 0.75rem;
                          background: #f6f7f9; padding: 0.5rem; border-radius: 0.5rem; color: rgb(49, 51, 63); }
/* Numbers being recomputed dim in one step after half a second, instead of Streamlit's one-second fade:
   the fade repaints the whole page every frame, which without a GPU took a core away from the
   computation (bench/browser_timings.py). */
.stElementContainer[data-stale="true"] { transition: opacity 0s linear 0.5s !important; }
.cx-link { font-family: "Source Code Pro", monospace; font-size: 0.75rem; word-break: break-all;
           user-select: all; background: #f0f2f6; border-radius: 0.5rem; padding: 0.5rem 0.75rem; }
</style>
"""


def apply() -> None:
    st.html(CSS)

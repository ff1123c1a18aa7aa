"""CSS on top of the Streamlit theme: tighter page margins so four cards fit side by side, and the
KPI card's own styles (the card is HTML, ui.cards.card_html)."""

from __future__ import annotations

import streamlit as st

# Selectors are Streamlit's stable data-testid / st-key-* hooks; streamlit is pinned in requirements.txt.
CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 3.5rem 2rem 2rem 2rem; max-width: 1600px; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; padding: 0 0 0.25rem 0; }
.cx-attention { font-size: 1.15rem; line-height: 1.5; color: rgb(49, 51, 63); margin: 0; }
.cx-attention-lead { font-weight: 700; border-radius: 0.25rem; padding: 0 0.375rem; }
.cx-attention-rest { color: rgba(49, 51, 63, 0.7); }
.cx-card p { font-size: 0.875rem; line-height: 1.45; color: rgba(49, 51, 63, 0.6); margin: 0 0 0.4rem 0; }
.cx-card .cx-title { font-size: 1rem; font-weight: 600; line-height: 1.3; color: rgb(49, 51, 63);
                     margin: 0 0 0.3rem 0; padding: 0; }
.cx-card .cx-owner { font-size: 0.875rem; color: rgb(49, 51, 63); }
.cx-card .cx-owner.cx-alert { color: #b3410b; }
.cx-card .cx-headline { display: flex; align-items: baseline; flex-wrap: wrap; gap: 0.1rem 0.5rem;
                        margin: 0.1rem 0 0.3rem 0; }
.cx-card .cx-value { font-size: 1.9rem; font-weight: 600; color: rgb(49, 51, 63); line-height: 1.15; }
.cx-card .cx-unit { font-size: 0.9rem; font-weight: 400; }
/* The card's link sits on the line of its "Details" (which opens above it), right-aligned: a line less. */
[class*="st-key-card-"] > [data-testid="stElementContainer"]:has([data-testid="stPageLink"]) {
  margin-top: -2.6rem; align-self: flex-end; }
[class*="st-key-card-"] [data-testid="stPageLink"] a { padding: 0; min-height: 0; }
[class*="st-key-card-"] [data-testid="stPageLink"] p { font-size: 0.8rem; }
.cx-details[open] { padding-bottom: 1.4rem; }
.cx-card .cx-note { font-size: 0.8rem; }
/* The owner's latest note, two lines at most (all of it on hover and on the KPI page), and the actions. */
.cx-card .cx-latest-note { font-size: 0.8rem; color: rgb(49, 51, 63); display: -webkit-box; -webkit-line-clamp: 2;
                           -webkit-box-orient: vertical; overflow: hidden; }
.cx-card .cx-actions { font-size: 0.8rem; color: rgb(49, 51, 63); }
.cx-card .cx-alert { color: #b3410b; }
.cx-card .cxkpi-sparkline img { display: block; width: 100%; height: 32px; margin: 0.1rem 0 0.4rem 0; }
.cx-icon { font-family: "Material Symbols Rounded"; font-weight: 400; font-style: normal; font-size: 1.1em;
           line-height: 1; vertical-align: -0.15em; font-feature-settings: "liga"; user-select: none; }
.cx-badge { display: inline-block; font-size: 0.875rem; border-radius: 0.25rem; padding: 0 0.375rem; }
.cx-change { font-size: 0.875rem; border-radius: 1rem; padding: 0.05rem 0.5rem; white-space: nowrap; }
:is(.cx-badge, .cx-change, .cx-attention-lead).cx-blue { color: #0054a3; background: rgba(28, 131, 225, 0.1); }
:is(.cx-badge, .cx-change, .cx-attention-lead).cx-violet { color: #583f84; background: rgba(128, 61, 245, 0.1); }
:is(.cx-badge, .cx-change, .cx-attention-lead).cx-orange { color: #b3410b; background: rgba(255, 108, 0, 0.1); }
:is(.cx-badge, .cx-change).cx-gray { color: rgba(49, 51, 63, 0.7); background: rgba(49, 51, 63, 0.07); }
.cx-reading { font-size: 0.8rem; color: rgba(49, 51, 63, 0.6); }
.cx-details summary { cursor: pointer; font-size: 0.8rem; color: #1f4e79; width: fit-content; }
.cx-details { margin: 0.1rem 0 0 0; }
.cx-details[open] summary { margin-bottom: 0.4rem; }
.cx-details .cx-sql { white-space: pre-wrap; font-family: "Source Code Pro", monospace; font-size: 0.75rem;
                      background: #f6f7f9; padding: 0.5rem; border-radius: 0.5rem; color: rgb(49, 51, 63); }
/* Numbers being recomputed dim in one step after half a second, instead of Streamlit's one-second fade:
   the fade repaints the whole page every frame, which without a GPU took a core away from the
   computation (bench/browser_timings.py). */
.stElementContainer[data-stale="true"] { transition: opacity 0s linear 0.5s !important; }
/* A caption inside an HTML block, as st.caption draws one below the element above it. */
.cx-caption { font-size: 0.875rem; line-height: 1.6; color: rgba(49, 51, 63, 0.6); margin: 1rem 0 0 0; }
/* Copy link (ui/share.py): drawn like Streamlit's secondary buttons beside it. */
.cx-copy { font: inherit; font-size: 0.875rem; color: inherit; background: white; cursor: pointer;
           white-space: nowrap; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
           padding: 0.25rem 0.75rem; min-height: 2.25rem; }
.cx-copy:hover { border-color: #1f4e79; color: #1f4e79; }
.cx-link { font-family: "Source Code Pro", monospace; font-size: 0.75rem; word-break: break-all;
           user-select: all; background: #f0f2f6; border-radius: 0.5rem; padding: 0.5rem 0.75rem; }
/* A phone: the page's own margins, compact cards (no sparkline), what needs attention right under the
   title (the order switch and the slide downloads are for a desk). */
@media (max-width: 640px) {
  .st-key-overview-controls > :not(:first-child) { display: none; }
  [data-testid="stMainBlockContainer"] { padding: 3.5rem 0.75rem 1.5rem 0.75rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.5rem; }
  .cx-attention { font-size: 1rem; }
  .cx-card .cx-value { font-size: 1.6rem; }
  .cx-card .cxkpi-sparkline { display: none; }
}
</style>
"""


def apply() -> None:
    st.html(CSS)

"""The session's language: which one, the switcher in the sidebar (with the calendar's beside it), and
right-to-left pages.

Every page calls bind() first (through ui.sidebar.render): it decides the language of this session's
view (a link's `lang=`, else the sidebar's choice, else metrics.toml's `language`, else the browser's
`st.context.locale`, else English), binds that language's translator to this script run
(cxkpi.i18n.activate: text drawn by this run is written with it, whatever other sessions read), and
for a right-to-left language lays the page out right to left in Vazirmatn.

Streamlit has no right-to-left mode (streamlit#552): the page is turned with CSS `direction: rtl` on
the document and on Streamlit's containers (the flex rows follow it, so the sidebar moves to the
right), the document's own dir/lang attributes are set by a small component (screen readers and the
browser's text shaping read them), and Vazirmatn (static/fonts, SIL Open Font License) is served by
Streamlit's static file serving (.streamlit/config.toml).
"""

from __future__ import annotations

import streamlit as st

from cxkpi import calendars, i18n
from ui import state

SWITCH_KEY = "ui_language"
DOCUMENT_LANGUAGE_SET = "ui_document_language_set"
# The document's language and direction as Streamlit's index.html starts: <html lang="en">, left to right.
DOCUMENT_DEFAULT = ("en", "ltr")
CALENDAR_SWITCH_KEY = "ui_calendar"
FONT_FAMILY = "Vazirmatn"
# Vazirmatn for Persian text, Streamlit's Source Sans for Latin letters inside it (names, ids).
RTL_FONT_STACK = f'"{FONT_FAMILY}", "Source Sans", sans-serif'

DOCUMENT_LANGUAGE = st.components.v2.component(
    "cxkpi_document_language",
    html="<span hidden></span>",
    js="""
export default function ({ data }) {
  document.documentElement.lang = data.lang;
  document.documentElement.dir = data.dir;
}
""",
)

RTL_CSS = """
<style>
@font-face { font-family: "Vazirmatn"; font-weight: 400; font-display: swap;
             src: url("app/static/fonts/Vazirmatn-Regular.ttf") format("truetype"); }
@font-face { font-family: "Vazirmatn"; font-weight: 600 700; font-display: swap;
             src: url("app/static/fonts/Vazirmatn-Bold.ttf") format("truetype"); }
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stSidebar"], [data-testid="stMain"] {
  direction: rtl; }
.stApp :is(p, span, div, h1, h2, h3, h4, h5, h6, label, input, button, textarea, li, td, th, summary, a, strong)
  :not([data-testid="stIconMaterial"]):not([data-testid="stExpanderIcon"]):not(.cx-icon) { font-family: FONT_STACK; }
.stApp :is(h1, h2, h3, h4, h5, h6, p, li, summary, label) { text-align: right; }
.stApp .cx-icon, .stApp [data-testid="stIconMaterial"], .stApp [data-testid="stExpanderIcon"] {
  font-family: "Material Symbols Rounded"; }
/* Arrows and chevrons that point "forward" point left in a right-to-left page. */
[class*="st-key-card-"] [data-testid="stPageLink"] [data-testid="stIconMaterial"] { transform: scaleX(-1); }
/* Dates typed as YYYY-MM-DD, links and code read left to right inside the page. */
[data-testid="stDateInputField"] input, .cx-link, .cx-sql, code {
  direction: ltr; text-align: left; unicode-bidi: isolate; }
.cx-change, .cx-value { unicode-bidi: isolate; }
/* Charts lay themselves out: their SVG text anchors would flip under an inherited right-to-left direction. */
[data-testid="stVegaLiteChart"] { direction: ltr; }
/* Presentation mode's way out sits at the top left, away from the title (which starts on the right). */
.st-key-exit-present { right: auto !important; left: 1rem; }
</style>
""".replace("FONT_STACK", RTL_FONT_STACK)


def default_language() -> str:
    """metrics.toml's [settings] language when it names one cxkpi speaks, else the browser's, else English."""
    from cxkpi.registry import RegistryError
    from ui import data

    try:
        setting = data.load_settings().language
    except RegistryError:  # the page says why the registry cannot be used, in the browser's language
        setting = ""
    return i18n.choose(setting, st.context.locale)


def bind() -> i18n.Translator:
    """Decide this run's language and bind its translator (call before anything is drawn)."""
    chosen = state.language_of_view() or default_language()
    translator = i18n.translator(chosen)
    i18n.activate(translator)
    return translator


def apply(translator: i18n.Translator) -> None:
    """The document's language and direction, and the right-to-left layout and font where they apply."""
    if needs_document_language(translator.language, translator.direction):
        st.session_state[DOCUMENT_LANGUAGE_SET] = True
        DOCUMENT_LANGUAGE(key="document-language", data={"lang": translator.language, "dir": translator.direction},
                          width="content")
    if translator.right_to_left:
        st.html(RTL_CSS)


def needs_document_language(language: str, direction: str) -> bool:
    """Whether the page must set the document's lang and dir: not while they are still what Streamlit's
    page starts with (English, left to right), which spares every English page a component to mount (its
    script fetched and run each time; docs/decisions.md); always once this session has set them, so
    switching back to English sets them back."""
    return (language, direction) != DOCUMENT_DEFAULT or bool(st.session_state.get(DOCUMENT_LANGUAGE_SET))


def switcher() -> None:
    """The language picker in the sidebar: each language named in itself; the choice goes into the URL."""
    current = i18n.active().language
    st.session_state[SWITCH_KEY] = current
    st.selectbox(
        i18n.gettext("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key=SWITCH_KEY,
        on_change=_copy_language,
    )


def _copy_language() -> None:
    state.update(language=st.session_state.get(SWITCH_KEY, ""))


def calendar_switcher() -> None:
    """The calendar picker beside the language's: the view's dates, months and quarters in the Gregorian or
    the Solar Hijri calendar. The choice is the view's `cal=`, so a shared link opens in it (ui.state)."""
    st.session_state[CALENDAR_SWITCH_KEY] = calendars.reader().system
    st.selectbox(
        i18n.gettext("Calendar"), list(calendars.CALENDARS),
        format_func=lambda system: i18n.gettext(calendars.CALENDAR_NAMES[system]), key=CALENDAR_SWITCH_KEY,
        on_change=_copy_calendar,
    )


def _copy_calendar() -> None:
    chosen = st.session_state.get(CALENDAR_SWITCH_KEY)
    if chosen in calendars.CALENDARS:
        # The period's dates stay (a calendar names days, it never changes them); a view on the default
        # period moves to the new calendar's last full quarter.
        state.update(calendar=chosen)

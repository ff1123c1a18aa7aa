"""Sharing a view: the link of the current view (with a copy button), presentation mode, and saved views.

The link is the view (ui/state.py): the page's URL path and a query string with every setting. A
saved view is a name for such a link, kept in the warehouse (cxkpi.views) so everyone sees it;
opening one is switching to its page with its query string, read exactly like a pasted link.
"""

from __future__ import annotations

import functools
import html
import re
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import streamlit as st

from cxkpi import views
from cxkpi.warehouse import PROJECT_ROOT, WarehouseBusyError
from ui import data, state
from ui import formatting as fmt

OVERVIEW_FILE = "dashboard.py"
PAGES_DIR = PROJECT_ROOT / "pages"
# Streamlit's automatic multipage mode serves pages/<n>_<Name>.py at /<Name>.
PAGE_FILE_NAME = re.compile(r"^[0-9]*[_ -]*(.*)\.py$")
NAME_KEY, MANAGED_KEY, NEW_NAME_KEY, MESSAGE_KEY = "view_name", "view_manage", "view_new_name", "view_message"

COPY_BUTTON = st.components.v2.component(
    "cxkpi_copy_link",
    html='<button type="button" title="Copy the link of this view">Copy link</button>',
    css="""
button {
  font: inherit; font-size: 0.875rem; color: inherit; background: white; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.25rem 0.75rem; min-height: 2.25rem;
}
button:hover { border-color: #1f4e79; color: #1f4e79; }
""",
    js="""
export default function ({ parentElement, data }) {
  const button = parentElement.querySelector("button");
  button.onclick = async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(data.url);
      copied = true;
    } catch (error) {
      // No clipboard permission (plain http on another host): the old way, through a selected text area.
      const area = document.createElement("textarea");
      area.value = data.url;
      document.body.appendChild(area);
      area.select();
      try { copied = document.execCommand("copy"); } catch (ignored) { copied = false; }
      area.remove();
    }
    button.textContent = copied ? "Copied" : "Copy the link below by hand";
    button.dataset.copied = copied ? "yes" : "no";
    setTimeout(() => { button.textContent = "Copy link"; }, 2500);
  };
}
""",
)

PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: none; padding: 1rem 2rem 0.5rem 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; }
.st-key-exit-present { position: fixed; top: 0.5rem; right: 1rem; z-index: 10; width: auto; }
[class*="st-key-card-"] .cxkpi-sparkline img { height: 26px; }
[class*="st-key-card-"] .cx-card .cx-title { font-size: 1.4rem; }
[class*="st-key-card-"] .cx-card .cx-value { font-size: 3rem; }
[class*="st-key-card-"] .cx-card :is(.cx-badge, .cx-owner, .cx-reading, .cx-change) { font-size: 1.05rem; }
.cx-attention { font-size: 1.3rem; }
</style>
"""
# Streamlit's own table toolbar offers "Download as CSV" without neutralising formulas: hidden, so the
# only CSV download is ui.exports' safe one.
SAFE_CSV_CSS = """
<style>
[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) { display: none; }
</style>
"""


@functools.cache
def page_paths() -> dict[str, str]:
    """URL path -> page file: '' is the overview, 'NPS' is pages/1_NPS.py."""
    paths = {"": OVERVIEW_FILE}
    for file in sorted(PAGES_DIR.glob("*.py")):
        match = PAGE_FILE_NAME.match(file.name)
        if match and match.group(1):
            paths[re.sub(r"[_ ]+", "_", match.group(1))] = f"pages/{file.name}"
    return paths


def current_page_path() -> str:
    """The URL path of the page being shown ('' on the overview), from the browser's address."""
    url = st.context.url
    if not url:
        return ""
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return last if last in page_paths() and last else ""


def view_link(query: dict[str, list[str]]) -> str:
    """The full address of this view (absolute when the browser's address is known)."""
    base = st.context.url or ""
    if base and not urlsplit(base).path:
        base += "/"  # the overview: http://host:8501/?from=...
    return f"{base}?{state.query_string(query)}"


def apply_css() -> None:
    st.html(SAFE_CSV_CSS)
    if state.presenting():
        st.html(PRESENTATION_CSS)


def share_section(query: dict[str, list[str]]) -> None:
    """Sidebar: copy the link, see it, or open it in presentation mode."""
    link = view_link(query)
    st.markdown("**Share this view**")
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        COPY_BUTTON(key="copy-link", data={"url": link}, width="content")
        st.link_button(
            "Present", view_link({**query, state.PRESENT: ["1"]}), icon=":material/slideshow:",
            help="Open this view full screen for a meeting room: no sidebar, large cards",
        )
    # Plain text, not st.code: a code block loads Streamlit's syntax highlighter, the single largest
    # cost of drawing the page in bench/browser_timings.py. One click selects the whole link.
    st.html(f'<div class="cx-link">{html.escape(link)}</div>')
    st.caption("Anyone with the link sees these numbers: the dates are fixed in it.")


def exit_presentation() -> None:
    st.button(
        "Exit presentation", icon=":material/close_fullscreen:", type="tertiary", key="exit-present",
        on_click=lambda: st.session_state.update({state.PRESENT_KEY: False}),
    )


def saved_views_section(db_path: Path, query: dict[str, list[str]]) -> None:
    """Sidebar: every saved view (one click opens it), save the current one, rename or delete."""
    st.markdown("**Saved views**")
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        kind, text = message
        # Messages quote view names as typed: shown literally, never as Markdown.
        (st.success if kind == "success" else st.warning)(fmt.markdown_literal(text), icon=None)
    try:
        saved = _saved_views(db_path)
    except WarehouseBusyError:
        st.caption("The warehouse is busy; saved views show on the next interaction.")
        return
    if not saved:
        st.caption("None yet: set the filters, then save the view under a name.")
    for view in saved:
        # A button's label is Markdown: the name shows as typed.
        if st.button(fmt.markdown_literal(view.name), key=f"view-open-{view.id}", icon=":material/bookmark:",
                     type="tertiary", help=f"/{view.link}", width="stretch"):
            _open(view)

    page = current_page_path()
    with st.popover("Save this view", icon=":material/bookmark_add:", width="stretch"):
        with st.form("view-save", border=False, enter_to_submit=True):
            st.text_input("Name", key=NAME_KEY, max_chars=views.MAX_NAME, placeholder="Board review Q3 - EMEA")
            st.form_submit_button(
                "Save", icon=":material/save:", type="primary",
                on_click=_save, args=(db_path, page, state.query_string(query)),
            )
        st.caption("Saving under an existing name replaces that view.")
    if saved:
        with st.popover("Rename or delete", icon=":material/edit:", width="stretch"):
            names = {view.id: view.name for view in saved}
            # Keyed on the list itself: after a rename or delete the choice starts afresh instead of
            # pointing at a label that no longer exists.
            key = f"{MANAGED_KEY}-{zlib.crc32(repr(sorted(names.items())).encode()):08x}"
            st.selectbox("View", list(names), format_func=names.get, key=key)
            st.text_input("New name", key=NEW_NAME_KEY, max_chars=views.MAX_NAME)
            with st.container(horizontal=True, gap="small"):
                st.button("Rename", icon=":material/edit:", key="view-rename", on_click=_rename, args=(db_path, key))
                st.button("Delete", icon=":material/delete:", key="view-delete", on_click=_delete, args=(db_path, key))


@st.cache_data(show_spinner=False, max_entries=16)
def _saved_views_cached(path: str, stamp_key: data.Stamp) -> list[views.SavedView]:
    return views.list_views(Path(path))


def _saved_views(db_path: Path) -> list[views.SavedView]:
    """Cached on the warehouse's stamp: a view saved in another session shows on the next interaction."""
    return _saved_views_cached(str(db_path), data.stamp(db_path))


def _open(view: views.SavedView) -> None:
    """Go to the view's page with its query string: it is then read like any pasted link."""
    page_file = page_paths().get(view.page, OVERVIEW_FILE)
    st.switch_page(page_file, query_params=parse_qs(view.query, keep_blank_values=True))


def _save(db_path: Path, page: str, query: str) -> None:
    try:
        view, created = views.save_view(db_path, st.session_state.get(NAME_KEY, ""), page, query)
    except (views.ViewError, WarehouseBusyError) as error:
        st.session_state[MESSAGE_KEY] = ("warning", str(error))
        return
    st.session_state[NAME_KEY] = ""
    st.session_state[MESSAGE_KEY] = ("success", f"{'Saved' if created else 'Updated'} “{view.name}”.")


def _chosen(key: str) -> int | None:
    value = st.session_state.get(key)
    return value if isinstance(value, int) else None


def _rename(db_path: Path, key: str) -> None:
    view_id = _chosen(key)
    if view_id is None:
        st.session_state[MESSAGE_KEY] = ("warning", "Pick the view to rename.")
        return
    try:
        view = views.rename_view(db_path, view_id, st.session_state.get(NEW_NAME_KEY, ""))
    except (views.ViewError, WarehouseBusyError) as error:
        st.session_state[MESSAGE_KEY] = ("warning", str(error))
        return
    st.session_state[NEW_NAME_KEY] = ""
    st.session_state[MESSAGE_KEY] = ("success", f"Renamed to “{view.name}”.")


def _delete(db_path: Path, key: str) -> None:
    view_id = _chosen(key)
    if view_id is None:
        st.session_state[MESSAGE_KEY] = ("warning", "Pick the view to delete.")
        return
    try:
        views.delete_view(db_path, view_id)
    except (views.ViewError, WarehouseBusyError) as error:
        st.session_state[MESSAGE_KEY] = ("warning", str(error))
        return
    st.session_state[MESSAGE_KEY] = ("success", "Deleted the view.")

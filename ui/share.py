"""Sharing a view: the link of the current view (with a copy button), presentation mode, and saved views.

The link is the view (ui/state.py): the page's URL path and a query string with every setting. A
saved view is a name for such a link, kept in the warehouse (cxkpi.views), personal or shared;
opening one is switching to its page with its query string, read exactly like a pasted link.
"""

from __future__ import annotations

import functools
import html
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import streamlit as st

from cxkpi import views
from cxkpi.access import Identity, Permission
from cxkpi.i18n import gettext
from cxkpi.warehouse import PROJECT_ROOT, WarehouseBusyError
from ui import data, identity, state
from ui import formatting as fmt

OVERVIEW_FILE = "dashboard.py"
PAGES_DIR = PROJECT_ROOT / "pages"
# Streamlit's automatic multipage mode serves pages/<n>_<Name>.py at /<Name>.
T = TypeVar("T")
PAGE_FILE_NAME = re.compile(r"^[0-9]*[_ -]*(.*)\.py$")
NAME_KEY, MANAGED_KEY, NEW_NAME_KEY, MESSAGE_KEY = "view_name", "view_manage", "view_new_name", "view_message"
# The save form's "Share with everyone" box, and the view awaiting "Yes, delete".
SHARE_KEY, CONFIRM_KEY = "view_share", "view_delete_pending"

# Copy link: a button and its script in one st.html block rather than a custom component. A component
# makes a first visit fetch and run Streamlit's component code with Apache Arrow's (about 0.2 MB of
# JavaScript) for one button; the HTML element is already on the page for the cards (docs/decisions.md).
# Its style is in ui/theme.py (.cx-copy).
COPY_BUTTON = """<button type="button" class="cx-copy" title="{title}" data-url="{url}" data-label="{label}"
data-copied-label="{copied}" data-by-hand-label="{by_hand}">{label}</button>
<script>
(() => {{
  const button = document.currentScript.previousElementSibling;
  button.onclick = async () => {{
    const url = button.dataset.url;
    let copied = false;
    try {{
      await navigator.clipboard.writeText(url);
      copied = true;
    }} catch (error) {{
      // No clipboard permission (plain http on another host): the old way, through a selected text area.
      const area = document.createElement("textarea");
      area.value = url;
      document.body.appendChild(area);
      area.select();
      try {{ copied = document.execCommand("copy"); }} catch (ignored) {{ copied = false; }}
      area.remove();
    }}
    button.textContent = copied ? button.dataset.copiedLabel : button.dataset.byHandLabel;
    button.dataset.copied = copied ? "yes" : "no";
    setTimeout(() => {{ button.textContent = button.dataset.label; }}, 2500);
  }};
}})();
</script>"""

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
    st.markdown(gettext("**Share this view**"))
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.html(copy_button(link), unsafe_allow_javascript=True, width="content")
        st.link_button(
            gettext("Present"), view_link({**query, state.PRESENT: ["1"]}), icon=":material/slideshow:",
            help=gettext("Open this view full screen for a meeting room: no sidebar, large cards"),
        )
    # Plain text, not st.code: a code block loads Streamlit's syntax highlighter, the single largest
    # cost of drawing the page in bench/browser_timings.py. One click selects the whole link. The
    # caption in the same block: one element fewer for the browser to draw (docs/decisions.md).
    caption = gettext("Anyone with the link sees these numbers: the dates are fixed in it.")
    st.html(f'<div class="cx-link">{html.escape(link)}</div><p class="cx-caption">{html.escape(caption)}</p>')


def copy_button(link: str) -> str:
    """The Copy link button (COPY_BUTTON) for `link`, its words in the session's language."""
    return COPY_BUTTON.format(
        url=html.escape(link), title=html.escape(gettext("Copy the link of this view")),
        label=html.escape(gettext("Copy link")), copied=html.escape(gettext("Copied")),
        by_hand=html.escape(gettext("Copy the link below by hand")),
    )


def exit_presentation() -> None:
    st.button(
        gettext("Exit presentation"), icon=":material/close_fullscreen:", type="tertiary", key="exit-present",
        on_click=lambda: st.session_state.update({state.PRESENT_KEY: False}),
    )


def saved_views_section(db_path: Path, query: dict[str, list[str]], person: Identity) -> None:
    """Sidebar: the shared views and the person's own (one click opens one), save the current one,
    and rename, share or delete the ones they may manage."""
    st.markdown(gettext("**Saved views**"))
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        kind, text = message
        # Messages quote view names as typed: shown literally, never as Markdown.
        {"success": st.success, "refused": st.error}.get(kind, st.warning)(fmt.markdown_literal(text), icon=None)
    try:
        saved = _saved_views(db_path, person.user_id)
    except WarehouseBusyError:
        st.caption(gettext("The warehouse is busy; saved views show on the next interaction."))
        return
    if not saved:
        st.caption(gettext("None yet: set the filters, then save the view under a name."))
    for view in saved:
        # A button's label is Markdown: the name shows as typed.
        shared_help = gettext("shared with everyone") if view.shared else gettext("only you see it")
        if st.button(fmt.markdown_literal(view.name), key=f"view-open-{view.id}",
                     icon=":material/group:" if view.shared else ":material/bookmark:",
                     type="tertiary", help=f"/{view.link} · {shared_help}", width="stretch"):
            _open(view)

    page = current_page_path()
    may_share = person.can(Permission.SHARE_VIEW)
    with st.popover(gettext("Save this view"), icon=":material/bookmark_add:", width="stretch"):
        with st.form("view-save", border=False, enter_to_submit=True):
            st.text_input(gettext("Name"), key=NAME_KEY, max_chars=views.MAX_NAME,
                          placeholder=gettext("Board review Q3 - EMEA"))
            # Offered to everyone: views.save_view refuses a viewer's shared view, and audits the attempt.
            st.checkbox(gettext("Share with everyone"), key=SHARE_KEY,
                        help=None if may_share else "Analysts and admins share views; yours stay personal.")
            st.form_submit_button(
                gettext("Save"), icon=":material/save:", type="primary",
                on_click=_save, args=(db_path, page, state.query_string(query)),
            )
        st.caption(gettext("Saving under the name of one of your views replaces it."))
    manageable = {view.id: view for view in saved if views.may_manage(person, view)}
    if manageable:
        with st.popover(gettext("Rename, share or delete"), icon=":material/edit:", width="stretch"):
            _manage(db_path, manageable, person)
        _confirm_delete(db_path, manageable)


def _manage(db_path: Path, manageable: dict[int, views.SavedView], person: Identity) -> None:
    # Keyed on the list itself: after a rename or delete the choice starts afresh instead of pointing
    # at a label that no longer exists.
    key = f"{MANAGED_KEY}-{zlib.crc32(repr(sorted((i, v.name, v.shared) for i, v in manageable.items())).encode()):08x}"
    view_id = st.selectbox(gettext("View"), list(manageable), format_func=lambda i: manageable[i].name, key=key)
    view = manageable.get(view_id) if view_id is not None else None
    st.text_input(gettext("New name"), key=NEW_NAME_KEY, max_chars=views.MAX_NAME)
    with st.container(horizontal=True, gap="small"):
        st.button(gettext("Rename"), icon=":material/edit:", key="view-rename", on_click=_rename, args=(db_path, key))
        if view is not None and view.shared:
            st.button(gettext("Make personal"), icon=":material/person:", key="view-unshare", on_click=_share,
                      args=(db_path, key, False))
        elif view is not None:
            st.button(gettext("Share"), icon=":material/group:", key="view-share", on_click=_share,
                      args=(db_path, key, True),
                      help=None if person.can(Permission.SHARE_VIEW) else gettext("Analysts and admins share views."))
        st.button(gettext("Delete"), icon=":material/delete:", key="view-delete", on_click=_ask_delete, args=(key,))


def _confirm_delete(db_path: Path, manageable: dict[int, views.SavedView]) -> None:
    """Deleting asks first, naming the view (below the popover, which a click closes)."""
    pending = st.session_state.get(CONFIRM_KEY)
    if pending is None or pending not in manageable:
        return
    doomed = manageable[pending]
    question = gettext("Delete “{name}” for everyone? This cannot be undone.") if doomed.shared else \
        gettext("Delete “{name}”? This cannot be undone.")
    st.warning(question.format(name=fmt.markdown_literal(doomed.name)), icon=":material/delete:")
    with st.container(horizontal=True, gap="small"):
        st.button(gettext("Yes, delete"), type="primary", key="view-delete-confirm", on_click=_delete,
                  args=(db_path, pending))
        st.button(gettext("Cancel"), key="view-delete-cancel", on_click=st.session_state.pop, args=(CONFIRM_KEY, None))


@st.cache_data(show_spinner=False, max_entries=16)
def _saved_views_cached(path: str, stamp_key: data.Stamp, viewer_id: str) -> list[views.SavedView]:
    return views.list_views(Path(path), viewer_id)


def _saved_views(db_path: Path, viewer_id: str) -> list[views.SavedView]:
    """Cached on the warehouse's stamp: a view saved in another session shows on the next interaction."""
    return _saved_views_cached(str(db_path), data.stamp(db_path), viewer_id)


def _open(view: views.SavedView) -> None:
    """Go to the view's page with its query string: it is then read like any pasted link."""
    page_file = page_paths().get(view.page, OVERVIEW_FILE)
    st.switch_page(page_file, query_params=parse_qs(view.query, keep_blank_values=True))


# The callbacks below act as the person signed in when the click arrives (identity.current(), not the
# identity the page was drawn for), and cxkpi.views checks what that person may do.
def _save(db_path: Path, page: str, query: str) -> None:
    shared = bool(st.session_state.get(SHARE_KEY))
    if _attempt(lambda: views.save_view(db_path, identity.current(), st.session_state.get(NAME_KEY, ""), page,
                                         query, shared=shared), lambda result: (
            {(True, True): gettext("Saved “{name}” for everyone."), (True, False): gettext("Saved “{name}”."),
             (False, True): gettext("Updated “{name}” for everyone."), (False, False): gettext("Updated “{name}”.")}[
                (bool(result[1]), bool(result[0].shared))].format(name=result[0].name))):
        st.session_state[NAME_KEY] = ""
        st.session_state[SHARE_KEY] = False


def _chosen(key: str) -> int | None:
    value = st.session_state.get(key)
    return value if isinstance(value, int) else None


def _rename(db_path: Path, key: str) -> None:
    view_id = _chosen(key)
    if view_id is None:
        st.session_state[MESSAGE_KEY] = ("warning", gettext("Pick the view to rename."))
        return
    if _attempt(lambda: views.rename_view(db_path, identity.current(), view_id, st.session_state.get(NEW_NAME_KEY, "")),
                lambda view: gettext("Renamed to “{name}”.", name=view.name)):
        st.session_state[NEW_NAME_KEY] = ""


def _share(db_path: Path, key: str, shared: bool) -> None:
    view_id = _chosen(key)
    if view_id is not None:
        _attempt(lambda: views.set_shared(db_path, identity.current(), view_id, shared),
                 lambda view: (gettext("“{name}” is shared with everyone.") if view.shared else
                               gettext("“{name}” is personal now.")).format(name=view.name))


def _ask_delete(key: str) -> None:
    view_id = _chosen(key)
    if view_id is None:
        st.session_state[MESSAGE_KEY] = ("warning", gettext("Pick the view to delete."))
        return
    st.session_state[CONFIRM_KEY] = view_id


def _delete(db_path: Path, view_id: int) -> None:
    """Deletes the view the confirmation named, by its id (never reused), whatever is selected meanwhile."""
    st.session_state.pop(CONFIRM_KEY, None)
    _attempt(lambda: views.delete_view(db_path, identity.current(), view_id),
             lambda view: gettext("Deleted “{name}”.", name=view.name))


def _attempt(action: Callable[[], T], said: Callable[[T], str]) -> bool:
    """Run a saved-view action, leaving its outcome as the message shown on the rerun."""
    try:
        result = action()
    except identity.AccessDeniedError as error:
        st.session_state[MESSAGE_KEY] = ("refused", error.in_language())
        return False
    except (views.ViewError, WarehouseBusyError) as error:
        st.session_state[MESSAGE_KEY] = ("warning", str(error))
        return False
    st.session_state[MESSAGE_KEY] = ("success", said(result))
    return True

"""Owners' notes and actions in the app: the KPI page's section (every note with its replies, the forms
to write, reply, add an action and change its status) and the Owners page's open actions.

Every form is usable by everyone (as the Owners page's change form, docs/decisions.md): cxkpi.notes and
cxkpi.actions check on the server who may (the KPI's owner, an admin, for a reply anyone signed in),
refuse the rest with a message that says who may, and audit the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import streamlit as st

from cxkpi import actions, notes
from cxkpi.access import Identity
from cxkpi.actions import Action
from cxkpi.follow_up import action_line, action_status
from cxkpi.i18n import active, gettext
from cxkpi.registry import Kpi
from cxkpi.status import NEEDS_ACTION, Status
from ui import data, identity, sidebar
from ui import formatting as fmt

DONE_KEY = "follow_up_done"  # what was just written, said once after the rerun that shows it


def kpi_section(page: sidebar.PageContext, kpi: Kpi, status: Status) -> None:
    """The KPI page's notes (left) and actions (right)."""
    with st.container(border=True, key=f"follow-up-{kpi.id}"):
        _said()
        left, right = st.columns([1, 1], gap="large")
        with left:
            _notes(page, kpi)
        with right:
            _actions(page, kpi, status)


def owners_section(page: sidebar.PageContext) -> None:
    """The Owners page: every open action, overdue first, and the form to change an action's status."""
    st.subheader(gettext("Open actions"), anchor=False)
    _said()
    titles = {kpi.id: kpi for kpi in page.kpis}
    every = data.actions_of(page.db_path)
    today = data.load_settings().today()
    open_actions = sorted((action for action in every if action.is_open),
                          key=lambda action: (not action.overdue(today), action.due_on, action.id))
    if not open_actions:
        st.caption(gettext("No open actions. Add one on a KPI's page (an off-target KPI offers it first)."))
        return
    rows = [{
        "KPI": titles[action.kpi_id].title if action.kpi_id in titles else action.kpi_id,
        gettext("Owner"): titles[action.kpi_id].owner.name if action.kpi_id in titles else fmt.EMPTY,
        gettext("What"): action.what, gettext("Who"): action.assignee_name, gettext("Due"): fmt.day(action.due_on),
        gettext("Status"): action_status(action.status),
        gettext("Overdue"): gettext("overdue") if action.overdue(today) else "",
    } for action in open_actions]
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=fmt.EMPTY, width="stretch", key="open-actions")
    overdue = sum(action.overdue(today) for action in open_actions)
    shown = fmt.plural(len(open_actions), "{n} open action", "{n} open actions")
    st.caption(gettext("{actions}, {overdue} overdue (past their due date, not done).", actions=shown,
                       overdue=active().integer(overdue)))
    _status_form(page, [action for action in open_actions if action.kpi_id in titles], titles, "owners")


def _said() -> None:
    said = st.session_state.pop(DONE_KEY, None)
    if said:
        st.success(fmt.markdown_literal(said), icon=":material/check:")


def _notes(page: sidebar.PageContext, kpi: Kpi) -> None:
    st.markdown(gettext("**Owner's notes**"))
    owner = kpi.owner
    st.caption(gettext("{owner} (the owner) and admins write notes; anyone signed in may reply. Nothing is deleted.",
                       owner=fmt.markdown_literal(owner.name)))
    today = data.load_settings().today()
    with st.form(f"note-{kpi.id}", clear_on_submit=True, border=False):
        body = st.text_area(gettext("Note"),
                            placeholder=gettext("Q4 dip: ticketing migration; backlog cleared by 15 Jan"),
                            key=f"note_body_{kpi.id}", max_chars=notes.MAX_LENGTH, height=80)
        # The day the note is about: where its marker goes. By default the end of the period in view.
        about = st.date_input(gettext("About the day"), value=min(today, page.period.end), max_value=today,
                              key=f"note_day_{kpi.id}", format="YYYY-MM-DD")
        if st.form_submit_button(gettext("Add note"), icon=":material/sticky_note_2:", key=f"note_save_{kpi.id}"):
            _attempt(lambda person: notes.write(page.db_path, person, kpi, body, about),
                     gettext("Note added, dated {day}.", day=fmt.day(about)))
    threads = data.note_threads(page.db_path, kpi.id)
    if not threads:
        st.caption(gettext("No notes yet."))
    for thread in threads:
        _thread(page, kpi, thread)


def _thread(page: sidebar.PageContext, kpi: Kpi, thread: notes.Thread) -> None:
    note = thread.note
    timezone = data.load_settings().timezone  # when it was written, on the company's clock
    with st.container(key=f"note-{note.id}"):
        st.markdown(f":material/sticky_note_2: **{fmt.day(note.noted_on)}** · {fmt.markdown_literal(note.author_name)}"
                    " :gray[(" + gettext("written {moment}", moment=fmt.company_time(note.written_at, timezone))
                    + ")]  \n" + fmt.markdown_literal(note.body))
        for answer in thread.replies:
            said = gettext("{author} ({moment}): {body}", author=f"**{fmt.markdown_literal(answer.author_name)}**",
                           moment=fmt.company_time(answer.written_at, timezone), body=fmt.markdown_literal(answer.body))
            st.markdown(f"> :material/reply: {said}")
        with st.form(f"reply-{note.id}", clear_on_submit=True, border=False, enter_to_submit=True):
            text = st.text_input(gettext("Reply"), key=f"reply_body_{note.id}", placeholder=gettext("Reply"),
                                 label_visibility="collapsed", max_chars=notes.MAX_LENGTH)
            if st.form_submit_button(gettext("Reply"), icon=":material/reply:", key=f"reply_save_{note.id}",
                                     type="tertiary"):
                _attempt(lambda person: notes.reply(page.db_path, person, kpi, note.id, text), gettext("Reply added."))


def _actions(page: sidebar.PageContext, kpi: Kpi, status: Status) -> None:
    st.markdown(gettext("**Actions**"))
    today = data.load_settings().today()
    every = data.actions_of(page.db_path, [kpi.id])
    shown = sorted(every, key=lambda action: (not action.is_open, action.due_on, action.id))
    for action in shown:
        text = fmt.markdown_literal(action_line(action, action.overdue(today)))
        st.markdown(f":orange[:material/alarm: {text}]" if action.overdue(today) else
                    f":material/{'task_alt' if not action.is_open else 'pending_actions'}: {text}")
    if not every:
        st.caption(gettext("No actions yet."))
    # Offered first where it is needed: open on a KPI off or near its target, closed on the others.
    needed = status in NEEDS_ACTION
    with st.expander(gettext("Add an action"), expanded=needed and not any(action.is_open for action in every),
                     icon=":material/add_task:"):
        st.caption(gettext("{owner} (the owner) and admins add actions: what will be done, by one person, by when.",
                           owner=fmt.markdown_literal(kpi.owner.name)))
        with st.form(f"action-{kpi.id}", clear_on_submit=True, border=False):
            what = st.text_input(gettext("What will be done"), key=f"action_what_{kpi.id}",
                                 max_chars=actions.MAX_LENGTH)
            left, right = st.columns(2)
            name = left.text_input(gettext("Who (one person)"), key=f"action_who_{kpi.id}")
            email = right.text_input(gettext("Their email"), key=f"action_email_{kpi.id}",
                                     help=gettext("How they sign in to update the action"))
            due = left.date_input(gettext("Due"), value=today + timedelta(days=30), min_value=today,
                                  key=f"action_due_{kpi.id}",
                                  format="YYYY-MM-DD")
            if st.form_submit_button(gettext("Add action"), icon=":material/add_task:", key=f"action_save_{kpi.id}"):
                _attempt(lambda person: actions.add(page.db_path, person, kpi, what, name, email, due),
                         gettext("Action added: {what} ({who}, due {day}).", what=what.strip(), who=name.strip(),
                                 day=fmt.day(due)))
    open_actions = [action for action in shown if action.is_open]
    if open_actions:
        _status_form(page, open_actions, {kpi.id: kpi}, kpi.id)


def _status_form(page: sidebar.PageContext, open_actions: list[Action], kpis: dict[str, Kpi], where: str) -> None:
    with st.form(f"action-status-{where}", border=False):
        st.markdown(gettext("**Change an action's status**"))
        by_id = {action.id: action for action in open_actions}
        chosen = st.selectbox(gettext("Action"), list(by_id), key=f"action_pick_{where}",
                              format_func=lambda action_id: f"{kpis[by_id[action_id].kpi_id].title}: "
                                                            f"{by_id[action_id].what}")
        left, right = st.columns(2)
        status = left.selectbox(gettext("New status"), actions.STATUSES, index=1, key=f"action_status_{where}",
                                format_func=action_status)
        comment = right.text_input(gettext("Comment (optional)"), key=f"action_comment_{where}")
        st.caption(gettext("The KPI's owner, the person doing it and admins change an action's status."))
        if st.form_submit_button(gettext("Save status"), icon=":material/save:", key=f"action_status_save_{where}"):
            action = by_id[chosen]
            _attempt(lambda person: actions.update(page.db_path, person, kpis[action.kpi_id], action.id, status,
                                                   comment), f"{action.what}: {status}.")


def _attempt(write: Callable[[Identity], object], said: str) -> None:
    """Write as the signed-in person, asked now (a role changed meanwhile applies); say it after the rerun."""
    try:
        write(identity.current())
    except identity.AccessDeniedError as error:
        identity.refusal(error)
        return
    except (notes.NoteError, actions.ActionError) as error:
        st.error(fmt.markdown_literal(str(error)), icon=":material/error:")
        return
    st.session_state[DONE_KEY] = said
    st.rerun()

"""The Access page: who you are and what your role lets you do, the roles table (admins edit it), the
sign-in groups that give a role, and the audit log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from cxkpi import access
from cxkpi.access import Identity, Permission, Role
from cxkpi.i18n import gettext
from cxkpi.warehouse import WarehouseBusyError
from ui import data, identity, sidebar, signin
from ui import formatting as fmt

MESSAGE_KEY = "access_message"  # the outcome of a role change, shown once after the rerun
USER_KEY, ROLE_KEY, REMOVE_KEY = "access_user", "access_role", "access_remove"


def render() -> None:
    page = sidebar.render_allowing_empty("Access")
    person = page.identity if page else identity.current()
    db_path = page.db_path if page else data.db_path()
    st.title(gettext("Access"))
    _you(person)
    st.subheader(gettext("Roles"), anchor=False)
    _roles(db_path, person)
    st.subheader(gettext("Audit log"), anchor=False)
    _audit(db_path)


def _you(person: Identity) -> None:
    how = {signin.OIDC: ", signed in with OpenID Connect", signin.PROXY: ", signed in through the sign-in proxy"}.get(
        signin.method(), "")
    st.markdown(f"You are **{fmt.markdown_literal(person.name)}** (`{person.user_id}`){how}. Your role: "
                f"**{person.role}** ({fmt.markdown_literal(person.role_reason)}).")
    allowed = [f"- {'✓' if person.can(permission) else '✗'} {permission.doing}" for permission in Permission]
    st.markdown("Everyone sees every page, keeps personal saved views and downloads exports. What more your "
                "role allows:\n\n" + "\n".join(allowed))


def _roles(db_path: Path, person: Identity) -> None:
    message = st.session_state.pop(MESSAGE_KEY, None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(fmt.markdown_literal(text))
    try:
        grants = access.list_grants(db_path)
    except WarehouseBusyError:
        st.caption(gettext("The warehouse is busy; the roles show on the next interaction."))
        return
    settings = access.load_settings()
    st.caption("A person's role is the one given here, else the highest role their sign-in groups give "
               f"({fmt.markdown_literal(str(access.access_path()))}), else viewer.")
    if grants:
        st.dataframe(
            pd.DataFrame([{"Person": grant.user_id, "Role": str(grant.role), "Given by": grant.granted_by,
                           "When": grant.granted_at} for grant in grants]),
            hide_index=True, placeholder=fmt.EMPTY, width="stretch", key="roles-table",
            column_config={"When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")},
        )
    else:
        st.caption(gettext("Nobody is in the roles table yet."))
    if settings.group_roles:
        st.markdown("\n".join(f"- group `{group}` → {role}" for group, role in sorted(settings.group_roles.items()))
                    + f"\n\n(from the `{settings.groups_claim}` claim)")
    may_manage = person.can(Permission.MANAGE_ROLES)
    with st.container(border=True, key="role-change"):
        st.markdown(gettext("**Give a person a role**"))
        if not may_manage:  # the form stays usable: access.set_role refuses a non-admin, and audits the attempt
            st.caption(f"Only admins change roles; you are {person.role_with_article}.")
        with st.form("role-set", border=False):
            left, right = st.columns([3, 1])
            left.text_input("Their sign-in email", key=USER_KEY, placeholder="alice@example.com")
            right.selectbox("Role", list(Role), key=ROLE_KEY)
            st.form_submit_button(gettext("Give role"), icon=":material/how_to_reg:", key="role-save",
                                  on_click=_set_role, args=(db_path,))
        if grants:
            with st.container(horizontal=True, vertical_alignment="bottom"):
                st.selectbox(gettext("Take out of the table"), [grant.user_id for grant in grants], key=REMOVE_KEY)
                st.button(gettext("Remove"), icon=":material/person_remove:", key="role-remove",
                          on_click=_remove_role, args=(db_path,))


def _set_role(db_path: Path) -> None:
    user = st.session_state.get(USER_KEY) or ""
    role = Role(st.session_state.get(ROLE_KEY) or Role.VIEWER)
    if _attempt(lambda: access.set_role(db_path, identity.current(), user, role),
                lambda old: f"{access.normalise_user_id(user)}: {old or 'not in the table'} → {role}."):
        st.session_state[USER_KEY] = ""


def _remove_role(db_path: Path) -> None:
    user = st.session_state.get(REMOVE_KEY) or ""
    _attempt(lambda: access.remove_role(db_path, identity.current(), user),
             lambda old: f"{user}: {old} → decided by their groups.")


def _attempt(action, said) -> bool:
    try:
        result = action()
    except (access.AccessDeniedError, ValueError, WarehouseBusyError) as error:
        st.session_state[MESSAGE_KEY] = ("refused", str(error))
        return False
    st.session_state[MESSAGE_KEY] = ("success", said(result))
    return True


def _audit(db_path: Path) -> None:
    st.caption(gettext("Every change to roles, loads and shared views, and every refusal, newest first. Owner and "
                       "target changes are on the Owners page. Nothing here can be edited or deleted from the app."))
    try:
        log = access.audit_log(db_path)
    except WarehouseBusyError:
        st.caption(gettext("The warehouse is busy; the log shows on the next interaction."))
        return
    if log.empty:
        st.caption(gettext("Nothing recorded yet."))
        return
    st.dataframe(
        log, hide_index=True, placeholder=fmt.EMPTY, width="stretch", key="audit-log",
        column_config={"recorded_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm:ss"),
                       "actor": "Who", "actor_role": "Role", "action": "What", "subject": "On",
                       "outcome": "Outcome", "detail": "Detail"},
    )

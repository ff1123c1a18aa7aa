"""The Access page: who you are and what your role lets you do, the roles table (admins edit it), the
sign-in groups that give a role, and the audit log."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from cxkpi import access
from cxkpi.access import Identity, Permission, Role
from cxkpi.i18n import N_, gettext
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


# How the person signed in, by sign-in method (ui.signin).
SIGNED_IN_HOW = {signin.OIDC: N_("You are **{name}** ({user_id}), signed in with OpenID Connect."),
                 signin.PROXY: N_("You are **{name}** ({user_id}), signed in through the sign-in proxy.")}
NOT_SIGNED_IN = N_("You are **{name}** ({user_id}).")


def _you(person: Identity) -> None:
    you = gettext(SIGNED_IN_HOW.get(signin.method(), NOT_SIGNED_IN),
                  name=fmt.markdown_literal(identity.shown_name(person)), user_id=fmt.markdown_code(person.user_id))
    role = gettext("Your role: **{role}** ({reason}).", role=identity.role_words(person.role),
                   reason=fmt.markdown_literal(reason_words(person.role_reason)))
    st.markdown(f"{you} {role}")
    allowed = [f"- {'✓' if person.can(permission) else '✗'} {gettext(permission.doing)}" for permission in Permission]
    st.markdown(gettext("Everyone sees every page, keeps personal saved views and downloads exports. What more your "
                        "role allows:") + "\n\n" + "\n".join(allowed))


def reason_words(reason: str) -> str:
    """How a role was decided (cxkpi.access's Identity.role_reason) in the session's language: the
    reasons with a field are read back into their template (the group's name, the setting's)."""
    for template, field in ((access.GROUP_REASON, "group"), (access.DEMO_REASON, "env")):
        before, _, after = template.partition("{" + field + "}")
        if reason.startswith(before) and reason.endswith(after) and len(reason) >= len(before) + len(after):
            return gettext(template, **{field: reason[len(before):len(reason) - len(after)]})
    return gettext(reason)


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
    st.caption(gettext("A person's role is the one given here, else the highest role their sign-in groups give "
                       "({path}), else viewer.", path=fmt.markdown_code(str(access.access_path()))))
    if grants:
        st.dataframe(
            pd.DataFrame([{"person": grant.user_id, "role": identity.role_words(grant.role),
                           "given_by": grant.granted_by, "when": grant.granted_at} for grant in grants]),
            hide_index=True, placeholder=fmt.EMPTY, width="stretch", key="roles-table",
            column_config={"person": gettext("Person"), "role": gettext("Access role"), "given_by": gettext("Given by"),
                           "when": st.column_config.DatetimeColumn(gettext("When"), format="YYYY-MM-DD HH:mm")},
        )
    else:
        st.caption(gettext("Nobody is in the roles table yet."))
    if settings.group_roles:
        st.markdown("\n".join(gettext("- group {group} → {role}", group=fmt.markdown_code(group),
                                       role=identity.role_words(role))
                               for group, role in sorted(settings.group_roles.items()))
                    + "\n\n" + gettext("(from the {claim} claim)", claim=fmt.markdown_code(settings.groups_claim)))
    may_manage = person.can(Permission.MANAGE_ROLES)
    with st.container(border=True, key="role-change"):
        st.markdown(gettext("**Give a person a role**"))
        if not may_manage:  # the form stays usable: access.set_role refuses a non-admin, and audits the attempt
            st.caption(gettext("Only admins change roles; you are {role}.",
                               role=access.role_with_article(person.role)))
        with st.form("role-set", border=False):
            left, right = st.columns([3, 1])
            left.text_input(gettext("Their sign-in email"), key=USER_KEY, placeholder="alice@example.com")
            right.selectbox(gettext("Access role"), list(Role), format_func=identity.role_words, key=ROLE_KEY)
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
                lambda old: gettext("{user}: {old} → {role}.", user=access.normalise_user_id(user),
                                    old=identity.role_words(old) if old else gettext("not in the table"),
                                    role=identity.role_words(role))):
        st.session_state[USER_KEY] = ""


def _remove_role(db_path: Path) -> None:
    user = st.session_state.get(REMOVE_KEY) or ""
    _attempt(lambda: access.remove_role(db_path, identity.current(), user),
             lambda old: gettext("{user}: {old} → decided by their groups.", user=user,
                                 old=identity.role_words(old)))


def _attempt(action, said) -> bool:
    try:
        result = action()
    except access.AccessDeniedError as error:
        st.session_state[MESSAGE_KEY] = ("refused", error.in_language())
        return False
    except (ValueError, WarehouseBusyError) as error:
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
        column_config={"recorded_at": st.column_config.DatetimeColumn(gettext("When (UTC)"),
                                                                      format="YYYY-MM-DD HH:mm:ss"),
                       "actor": gettext("Who"), "actor_role": gettext("Access role"), "action": gettext("What"),
                       "subject": gettext("On"), "outcome": gettext("Outcome"), "detail": gettext("Detail")},
    )

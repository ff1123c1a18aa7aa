"""Who is using the app: the identity Streamlit's sign-in gives (st.user), and the checks pages call.

The sign-in is whatever the deployment configures (the rules themselves are in cxkpi.access):
- OpenID Connect (Entra ID, Okta, Google, Keycloak, ...): an [auth] section in .streamlit/secrets.toml;
  a person who has not signed in sees only the sign-in button (st.login);
- a trusted sign-in proxy (oauth2-proxy, ...): server.trustedUserHeaders copies its headers into st.user;
- neither: the person at this computer is the admin; a browser on another computer is refused, or,
  under the demo override, is a viewer.

Pages call current() (every page does, through ui.sidebar, before drawing anything) and, before a
guarded action, require(permission): the check runs on the server whatever the page showed.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from cxkpi import access
from cxkpi.access import AccessDeniedError, Identity, Permission, role_words
from cxkpi.i18n import gettext
from cxkpi.warehouse import WarehouseBusyError
from ui import data, signin
from ui import formatting as fmt

__all__ = ["AccessDeniedError", "Identity", "Permission", "current", "require"]


def current() -> Identity:
    """The signed-in person; stops the script with the sign-in button or a refusal when there is none."""
    method = signin.method()
    if method == signin.NONE:
        return _without_sign_in()
    settings = _settings()
    claims = st.user.to_dict()
    if method == signin.OIDC and not claims.get("is_logged_in"):
        _sign_in_screen()
    identity = access.signed_in_identity(claims, "sign-in" if method == signin.OIDC else "proxy", _grants(), settings)
    if identity is None:
        _stop_with(
            "**Your sign-in did not say who you are**, so cxkpi cannot show anything. "
            + ("The identity token has none of the claims " if method == signin.OIDC else
               "The sign-in proxy sent none of the headers that server.trustedUserHeaders maps to ")
            + ", ".join(f"`{claim}`" for claim in access.USER_ID_CLAIMS)
            + ". Open cxkpi through your company's sign-in address, or ask whoever runs it to check the settings."
        )
    return identity


def require(permission: Permission, subject: str = "") -> Identity:
    """The signed-in person, if they may do this; else the refusal is audited and AccessDeniedError raised."""
    identity = current()
    access.require(data.db_path(), identity, permission, subject)
    return identity


def refusal(error: AccessDeniedError) -> None:
    """Show a refusal the way every page does, in the reader's language (the audit log keeps English)."""
    st.error(fmt.markdown_literal(error.in_language()), icon=":material/block:")


def shown_name(identity: Identity) -> str:
    """The person's name as the page shows it: '<user> (this computer)' in the session's language for the
    person at the server, as cxkpi.access names them."""
    if identity.source == "this computer":
        return gettext("{user} (this computer)", user=identity.name.removesuffix(" (this computer)"))
    return identity.name


def badge(identity: Identity) -> None:
    """Who is signed in, with which role, and the way out (drawn in the sidebar's navigation)."""
    st.divider()
    st.markdown(f":material/account_circle: **{fmt.markdown_literal(shown_name(identity))}** · "
                f"{role_words(identity.role)}")
    if identity.source in ("sign-in", "proxy"):
        st.caption(fmt.markdown_code(identity.user_id))
    if identity.source == "sign-in":
        st.button(gettext("Sign out"), icon=":material/logout:", key="sign-out", on_click=st.logout, type="tertiary")


def demo_warning(identity: Identity) -> None:
    if identity.source == "demo visitor" or (identity.source == "this computer" and access.unsafe_override()):
        st.warning(gettext(
            "**Demo without sign-in** ({setting} is set): anyone who can reach this address sees the data. "
            "Visitors from other computers are viewers.", setting=access.UNSAFE_NO_SIGN_IN_ENV,
        ), icon=":material/warning:")


def _without_sign_in() -> Identity:
    headers = {name.lower(): value for name, value in st.context.headers.items()}
    # None for a loopback connection (Streamlit reports it so) and without any connection (AppTest).
    address = st.context.ip_address if isinstance(st.context.ip_address, str) else None
    if access.is_local_request(address, headers):
        return access.local_identity()
    if access.unsafe_override():
        return access.demo_visitor_identity(address or headers.get("x-forwarded-for"))
    _stop_with(access.NO_SIGN_IN_MESSAGE.format(where="serve other computers").replace("\n", "\n\n"))
    raise AssertionError("st.stop() returned")


def _sign_in_screen() -> None:
    st.title("cxkpi")
    st.markdown(gettext("Customer-experience KPIs, each with one named owner. **Sign in with your company account** "
                "to see them."))
    for provider in signin.providers():
        label = gettext("Sign in") if provider == "default" else gettext("Sign in with {provider}",
                                                                        provider=provider.title())
        if st.button(label, icon=":material/login:", type="primary", key=f"sign-in-{provider}"):
            st.login(None if provider == "default" else provider)
    st.stop()


def _stop_with(message: str) -> None:
    st.error(message, icon=":material/lock:")
    st.stop()


def _settings() -> access.AccessSettings:
    path = access.access_path()
    try:
        return _settings_cached(str(path), _version(path))
    except access.AccessConfigError as error:
        _stop_with(f"**The access settings cannot be used, so cxkpi will not start.**\n\n"
                   f"{fmt.markdown_literal(str(error))}")
        raise AssertionError("st.stop() returned") from error


def _version(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


@st.cache_data(show_spinner=False, max_entries=4)
def _settings_cached(path: str, version: int) -> access.AccessSettings:
    return access.load_settings(Path(path))


def _grants() -> dict[str, access.Role]:
    path = data.db_path()
    try:
        return _grants_cached(str(path), data.stamp(path))
    except WarehouseBusyError:
        _stop_with("The warehouse is being loaded right now, so your role cannot be read. Reload in a moment.")
        raise AssertionError("st.stop() returned") from None


@st.cache_data(show_spinner=False, max_entries=8)
def _grants_cached(path: str, stamp_key: data.Stamp) -> dict[str, access.Role]:
    return access.grants(Path(path))

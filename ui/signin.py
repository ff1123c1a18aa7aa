"""Which sign-in this deployment configures, read from Streamlit's settings (no warehouse, no caches:
serve.py reads it before the server starts).

- OIDC: an [auth] section in .streamlit/secrets.toml (st.login / st.user);
- PROXY: server.trustedUserHeaders, through which a sign-in proxy's headers reach st.user;
- NONE: neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

OIDC, PROXY, NONE = "OpenID Connect", "sign-in proxy", "none"


def method() -> str:
    """PROXY when server.trustedUserHeaders names headers, OIDC when secrets.toml has [auth], else NONE
    (serve.py refuses to start with both)."""
    if st.get_option("server.trustedUserHeaders"):
        return PROXY
    return OIDC if auth_section() else NONE


def both_configured() -> bool:
    return bool(st.get_option("server.trustedUserHeaders")) and bool(auth_section())


def auth_section() -> Mapping[str, Any]:
    if not st.secrets.load_if_toml_exists():
        return {}
    return st.secrets.get("auth") or {}


def providers() -> list[str]:
    """The OIDC providers to offer: 'default' (settings directly in [auth]) and each [auth.NAME]."""
    section = auth_section()
    named = [name for name, value in section.items() if isinstance(value, Mapping) and "client_id" in value]
    return (["default"] if "client_id" in section else []) + named

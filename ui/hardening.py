"""What serving cxkpi to colleagues needs around Streamlit's own server; serve.py (what `make run` starts)
applies it.

- refusal_to_start(): the reason not to start, if any: no sign-in configured and an address other
  computers reach (the message says how to configure sign-in, and names the demo override), or both
  kinds of sign-in configured at once (a proxy's headers would override the OpenID Connect identity).
- ClientMessageGuard, an ASGI middleware:
  - passes on only the browser messages a viewer's page needs (run the script with its widgets, the
    heartbeat, stop, asking where to upload, a dataframe's next rows, a download made on click) and
    drops every other one. Streamlit would act on them for anyone: `clear_cache` empties
    st.cache_data and st.cache_resource for every viewer, `load_git_info` tells the server's git
    remote and branch, `set_run_on_save` and the `install_skills` operation are for a developer at
    their own machine;
  - answers 404 at /_stcore/metrics, which Streamlit serves to anyone (cache sizes, session counts),
    and under /_stcore/agent/ (Streamlit's experimental API that drives the app over HTTP, around
    these guards; off unless server.enableAgentApi is set).
- refusal_to_start() also refuses an OpenID Connect cookie_secret shorter than MIN_COOKIE_SECRET:
  it signs the cookie that says who is signed in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import streamlit as st
from streamlit.logger import get_logger
from streamlit.proto.BackMsg_pb2 import BackMsg

from cxkpi import access
from ui import signin

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# BackMsg types a browser may send; anything else is dropped.
ALLOWED_MESSAGES = frozenset({"rerun_script", "app_heartbeat", "stop_script", "file_urls_request",
                              "backend_operation_request"})
ALLOWED_OPERATIONS = frozenset({"dataframe_chunk", "deferred_file"})
STREAM_PATH = "_stcore/stream"
# After any server.baseUrlPath: /_stcore/metrics, and /_stcore/agent/ with everything under it.
CLOSED_PATHS = re.compile(r"/_stcore/(metrics|agent)(/|$)")
MIN_COOKIE_SECRET = 32
LOGGER = get_logger("cxkpi.hardening")


def refusal_to_start() -> str | None:
    """Why the server must not start with the configuration Streamlit has loaded, or None."""
    if signin.both_configured():
        return ("cxkpi found two sign-ins: an [auth] section in .streamlit/secrets.toml (OpenID Connect) and "
                "server.trustedUserHeaders (a sign-in proxy). Configure one: the proxy's headers would "
                "override the identity OpenID Connect gives.")
    secret = str(signin.auth_section().get("cookie_secret", ""))
    if signin.method() == signin.OIDC and len(secret) < MIN_COOKIE_SECRET:
        return (f"cookie_secret in the [auth] section of .streamlit/secrets.toml has {len(secret)} characters: it "
                f"signs the cookie that says who is signed in, so use at least {MIN_COOKIE_SECRET} random ones, e.g. "
                "the output of: python -c \"import secrets; print(secrets.token_hex(32))\"")
    return access.serving_refusal(st.get_option("server.address"), signin.method() != signin.NONE)


def dropped(data: bytes) -> str | None:
    """The kind of a browser message the guard drops, or None to pass it on (Streamlit itself closes the
    connection on bytes that are not a message)."""
    message = BackMsg()
    try:
        message.ParseFromString(data)
    except Exception:  # protobuf's DecodeError; Streamlit answers it with close code 1002
        return None
    kind = message.WhichOneof("type")
    if kind is None:
        return None
    if kind not in ALLOWED_MESSAGES:
        return kind
    if kind == "backend_operation_request":
        operation = message.backend_operation_request.WhichOneof("payload")
        if operation is not None and operation not in ALLOWED_OPERATIONS:
            return f"backend_operation_request.{operation}"
    return None


class ClientMessageGuard:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and CLOSED_PATHS.search(path):
            await _not_found(send)
            return
        if scope["type"] == "websocket" and path.rstrip("/").endswith(STREAM_PATH):
            await self.app(scope, _guarded(receive, scope), send)
            return
        await self.app(scope, receive, send)


def _guarded(receive: Receive, scope: Scope) -> Receive:
    async def guarded() -> Message:
        while True:
            message = await receive()
            data = message.get("bytes") if message["type"] == "websocket.receive" else None
            kind = dropped(data) if data else None
            if kind is None:
                return message
            client = scope.get("client") or ("?", 0)
            LOGGER.warning("Dropped a %s message from the browser at %s: viewers may not send it.", kind, client[0])

    return guarded


async def _not_found(send: Send) -> None:
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b"Not found"})

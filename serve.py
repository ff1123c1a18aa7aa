"""Serve cxkpi: `python serve.py [streamlit options]` (what `make run` does), or `streamlit run serve.py`.

dashboard.py and pages/ are the app; this file puts the guards of ui/hardening.py around Streamlit's
server (st.App with an ASGI middleware) and refuses to start where it must not serve: with no sign-in
configured it serves this computer only. See the README's "Sign-in and roles" and "Production".
"""

import os
import sys

import streamlit as st
from starlette.middleware import Middleware

from ui import hardening


def _refuse_if_unsafe() -> None:
    reason = hardening.refusal_to_start()
    if reason is not None:
        print(f"\ncxkpi refused to start.\n\n{reason}\n", file=sys.stderr)
        raise SystemExit(2)


if __name__ == "__main__":
    # Decide before Streamlit binds the port, with its configuration loaded as `streamlit run` loads it
    # (the same options parsed the same way), then start the server in a fresh process, whose
    # configuration is then read once, from scratch.
    from streamlit import config
    from streamlit.web import bootstrap, cli

    arguments = [os.path.abspath(__file__), *sys.argv[1:]]
    options = cli.main_run.make_context("run", list(arguments)).params
    config._main_script_path = arguments[0]  # as `streamlit run` sets it: .streamlit/ beside this file is read
    bootstrap.load_config_options(flag_options={k: v for k, v in options.items() if k not in ("target", "args")})
    _refuse_if_unsafe()
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", *arguments])

# Imported by Streamlit's server (`streamlit run serve.py`, or after the lines above): checked again here,
# for a server started some other way.
_refuse_if_unsafe()
app = st.App("dashboard.py", middleware=[Middleware(hardening.ClientMessageGuard)])

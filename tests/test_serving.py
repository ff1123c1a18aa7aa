"""How the app is served (serve.py, `make run`): on this computer only until sign-in is configured, a
refusal that says how to configure it, the demo override, and the guards around Streamlit's server
(browser messages that would disturb other viewers, the metrics endpoint). Real servers, real sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.sync.client import connect

from cxkpi.access import UNSAFE_NO_SIGN_IN_ENV
from tests.browser_support import free_port, new_context, running_app, wait_until_healthy
from tests.support import GOLDEN_DIR, PROJECT_ROOT, build_warehouse
from ui.hardening import dropped

REFUSAL = "cxkpi has no sign-in configured, so it serves this computer only (127.0.0.1)"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with data, so `make run` loads no sample data."""
    return build_warehouse(tmp_path_factory.mktemp("serving") / "w.duckdb", GOLDEN_DIR)


def clean_env(db: Path, **more: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CXKPI_", "STREAMLIT_"))}
    return {**env, "CXKPI_DB": str(db), **more}


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port`, from the kernel's own tables."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order.
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, raw))
    return found


def other_interface_address() -> str | None:
    """An address of this computer that is not loopback (no packet is sent to find it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@contextmanager
def started(command: list[str], env: dict[str, str], log: Path, cwd: Path = PROJECT_ROOT) -> Iterator[subprocess.Popen]:
    """A server in a process group of its own, stopped with everything it started."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_run_listens_on_loopback_only_when_no_sign_in_is_configured(db: Path, tmp_path: Path):
    port = free_port()
    log = tmp_path / "make-run.log"
    with started(["make", "run", f"PORT={port}"], clean_env(db), log) as process:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        assert listening_addresses(port) == {"127.0.0.1"}, log.read_text()
        elsewhere = other_interface_address()
        if elsewhere:  # and from this computer's other address, as a colleague would try: nobody answers
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((elsewhere, port), timeout=2).close()


def test_serving_other_computers_without_sign_in_is_refused_saying_how_to_configure_it(db: Path, tmp_path: Path):
    port = free_port()
    for command in (["make", "run", f"PORT={port}", "ADDRESS=0.0.0.0"],
                    [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
                     "--server.address", "0.0.0.0"]):
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=clean_env(db), capture_output=True, text=True,
                                timeout=120)
        assert result.returncode != 0
        assert "cxkpi refused to start." in result.stderr
        assert f"{REFUSAL} and refuses to listen on 0.0.0.0" in result.stderr
        assert "[auth] section in .streamlit/secrets.toml" in result.stderr
        assert UNSAFE_NO_SIGN_IN_ENV in result.stderr
        assert listening_addresses(port) == set()


def test_with_sign_in_configured_the_app_may_listen_on_every_interface(db: Path, tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
                       'cookie_secret = "a-test-secret-of-enough-length-000"\nclient_id = "cxkpi"\n'
                       'client_secret = "x"\nserver_metadata_url = "http://127.0.0.1:9/.well-known/openid"\n')
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "serve.py", "--server.port", str(port), "--server.address", "0.0.0.0",
               "--secrets.files", str(secrets)]
    with started(command, clean_env(db), log) as process:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
        assert listening_addresses(port) == {"0.0.0.0"}


def test_the_demo_override_serves_other_computers_as_viewers_and_says_so(db: Path, tmp_path: Path, browser: Browser):
    """A browser whose request comes through a proxy (X-Forwarded-For) is another computer's."""
    port = free_port()
    log = tmp_path / "demo.log"
    command = [sys.executable, "serve.py", "--server.port", str(port), "--server.address", "0.0.0.0"]
    with started(command, clean_env(db, **{UNSAFE_NO_SIGN_IN_ENV: "1"}), log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process, log)
        colleague = new_context(browser, extra_http_headers={"X-Forwarded-For": "192.0.2.77"})
        try:
            page = colleague.new_page()
            page.goto(f"{url}/Owners")
            expect(page.get_by_text("Demo without sign-in")).to_be_visible()
            expect(page.locator("[data-testid='stSidebar']").get_by_text("Visitor from 192.0.2.77")).to_be_visible()
            expect(page.get_by_text("Only admins reassign owners and change targets; you are a viewer.")
                   ).to_be_visible()
        finally:
            colleague.close()


def test_without_sign_in_a_request_forwarded_by_a_proxy_is_refused_not_made_admin(db: Path, tmp_path: Path,
                                                                                 browser: Browser):
    """A proxy put in front of an app without sign-in would otherwise make every colleague the local admin."""
    with running_app(db, tmp_path) as url:
        colleague = new_context(browser, extra_http_headers={"X-Forwarded-For": "192.0.2.77"})
        try:
            page = colleague.new_page()
            page.goto(f"{url}/Owners")
            expect(page.get_by_text("refuses to serve other computers")).to_be_visible()
            expect(page.get_by_text("Reassign an owner or change a target")).to_have_count(0)
        finally:
            colleague.close()


def test_a_short_cookie_secret_is_refused_saying_how_to_make_one(db: Path, tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "xxx"\n'
                       'client_id = "cxkpi"\nclient_secret = "x"\nserver_metadata_url = "http://127.0.0.1:9/x"\n')
    result = subprocess.run([sys.executable, "serve.py", "--server.port", str(free_port()), "--secrets.files",
                             str(secrets)], cwd=PROJECT_ROOT, env=clean_env(db), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "cookie_secret in the [auth] section of .streamlit/secrets.toml has 3 characters" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in result.stderr


def test_two_sign_ins_at_once_are_refused(db: Path, tmp_path: Path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "{"k" * 32}"\n'
                       'client_id = "cxkpi"\nclient_secret = "x"\nserver_metadata_url = "http://127.0.0.1:9/x"\n')
    result = subprocess.run([sys.executable, "serve.py", "--server.port", str(free_port()), "--secrets.files",
                             str(secrets), "--server.trustedUserHeaders", '{"X-Forwarded-Email": "email"}'],
                            cwd=PROJECT_ROOT, env=clean_env(db), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cxkpi found two sign-ins" in result.stderr


def test_the_metrics_endpoint_and_the_agent_api_are_not_served(db: Path, tmp_path: Path):
    with running_app(db, tmp_path, options=("--server.enableAgentApi", "true")) as url:
        for path in ("/_stcore/metrics", "/_stcore/metrics/", "/_stcore/agent/openapi.json"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{url}{path}", timeout=5)
            assert refused.value.code == 404, path
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
            assert response.status == 200


def message(**fields) -> bytes:
    back = BackMsg()
    for name, value in fields.items():
        if isinstance(value, dict):
            getattr(back, name).SetInParent()
            for inner, inner_value in value.items():
                if isinstance(inner_value, dict):
                    getattr(getattr(back, name), inner).SetInParent()
                else:
                    setattr(getattr(back, name), inner, inner_value)
        else:
            setattr(back, name, value)
    return back.SerializeToString()


def test_the_guard_passes_what_a_viewers_page_sends_and_drops_commands_that_reach_beyond_it():
    assert dropped(message(rerun_script={"query_string": "from=2026-04-01"})) is None
    assert dropped(message(app_heartbeat=True)) is None
    assert dropped(message(stop_script=True)) is None
    assert dropped(message(backend_operation_request={"request_id": "1", "dataframe_chunk": {}})) is None
    assert dropped(message(clear_cache=True)) == "clear_cache"
    assert dropped(message(load_git_info=True)) == "load_git_info"
    assert dropped(message(set_run_on_save=True)) == "set_run_on_save"
    assert dropped(message(debug_shutdown_runtime=True)) == "debug_shutdown_runtime"
    assert dropped(message(backend_operation_request={"request_id": "1", "install_skills": {}})) == (
        "backend_operation_request.install_skills")
    assert dropped(b"\xff\xfe not a message") is None  # Streamlit closes the connection itself


CACHED_PAGE = """
import time
import streamlit as st

@st.cache_data
def first_computed() -> int:
    return time.time_ns()

st.write(f"computed at {first_computed()}")
"""
GUARDED_APP = """
import streamlit as st
from starlette.middleware import Middleware
from ui.hardening import ClientMessageGuard

app = st.App("page.py", middleware=[Middleware(ClientMessageGuard)])
"""


@pytest.mark.parametrize("guarded", [True, False])
def test_a_browser_cannot_empty_the_cache_every_viewer_shares(tmp_path: Path, browser: Browser, guarded: bool):
    """Streamlit acts on a clear_cache message from any browser: everyone's cached numbers are recomputed.
    Behind the guard the message is dropped; without it (the control) the cache is emptied."""
    (tmp_path / "page.py").write_text(CACHED_PAGE)
    (tmp_path / "app.py").write_text(GUARDED_APP)
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "streamlit", "run", "app.py" if guarded else "page.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    with started(command, env, log, cwd=tmp_path) as process:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process, log)
        context = new_context(browser)
        try:
            viewer = context.new_page()
            viewer.goto(url)
            expect(viewer.get_by_text("computed at")).to_be_visible()
            before = viewer.get_by_text("computed at").inner_text()

            with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]) as attacker:
                attacker.send(message(clear_cache=True))
                time.sleep(1)  # the server handles it in the background; nothing is sent back to wait for

            viewer.reload()
            expect(viewer.get_by_text("computed at")).to_be_visible()
            after = viewer.get_by_text("computed at").inner_text()
        finally:
            context.close()
    assert (after == before) == guarded, (before, after)
    assert ("Dropped a clear_cache message" in log.read_text()) == guarded

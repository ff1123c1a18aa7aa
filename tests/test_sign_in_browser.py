"""Signing in, end to end, as the README's examples configure it, with the app as serve.py serves it:
- OpenID Connect against a real provider on loopback (oidc-provider-mock), Chromium going through
  /auth/login, the provider's form and /oauth2callback;
- a sign-in proxy's headers (server.trustedUserHeaders).
The role comes from the person's groups (access.toml); what a person changes is audited under their
identity, and a viewer's attempt is refused and audited."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import free_port, new_context, running_app
from tests.support import rows

# The provider runs in this process and is written against an older Authlib: its deprecation warnings
# are about the test's provider, not the app (whose sign-in runs in the server's own process).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
# Who can sign in: the subject typed on the provider's form, and the claims their ID token carries.
PEOPLE = {
    "amara": {"email": "Amara.Okafor@example.com", "name": "Amara Okafor", "groups": ["staff", "cx-admins"]},
    "vera": {"email": "vera@example.com", "name": "Vera Lind", "groups": ["staff"]},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """A real OpenID Connect provider on loopback; its URL."""
    with warnings.catch_warnings():
        import authlib.deprecate  # noqa: F401  (when first imported it puts an "always" filter of its own first)

        warnings.simplefilter("ignore", DeprecationWarning)
        import oidc_provider_mock
    people = [oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in PEOPLE.items()]
    with oidc_provider_mock.run_server_in_thread(user_claims=people) as server:
        yield f"http://localhost:{server.server_port}"


def sidebar(page: Page):
    return page.locator("[data-testid='stSidebar']")


def sign_in(page: Page, app_url: str, subject: str) -> None:
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()  # st.login: to /auth/login, then to the provider
    page.wait_for_url("**/oauth2/authorize**")
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(subject)  # the provider's own form
    page.get_by_role("button", name="Authorize", exact=True).click()  # back through /oauth2callback
    page.wait_for_url(f"{app_url}/**")


def test_signing_in_gives_the_role_of_the_persons_group_and_the_audit_names_them(
    golden_copy: Path, tmp_path: Path, provider: str, browser: Browser, monkeypatch: pytest.MonkeyPatch
):
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        'cookie_secret = "5f1c0e8b9a7d4c2e8f6a1b3d5c7e9f0a"\n'
        'client_id = "cxkpi"\n'
        'client_secret = "any-secret-the-provider-accepts"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    settings = tmp_path / "access.toml"
    settings.write_text('[group_roles]\n"cx-admins" = "admin"\n"cx-analysts" = "analyst"\n', encoding="utf-8")
    monkeypatch.setenv("CXKPI_ACCESS", str(settings))

    with running_app(golden_copy, tmp_path, options=("--secrets.files", str(secrets)), port=port) as url:
        assert url == app_url
        admin = new_context(browser)
        try:
            page = admin.new_page()
            sign_in(page, app_url, "amara")
            expect(sidebar(page).get_by_text("Amara Okafor · admin")).to_be_visible()
            expect(sidebar(page).get_by_text("amara.okafor@example.com")).to_be_visible()

            page.goto(f"{app_url}/Owners")
            expect(page.get_by_text("Recorded in the audit trail as amara.okafor@example.com.")).to_be_visible()
            page.get_by_label("Target (points)").fill("40")
            page.get_by_role("button", name="Save change").click()
            expect(page.get_by_text("Saved: target 35 → 40")).to_be_visible()
            changes = page.locator("[data-testid='stDataFrame']").last
            expect(changes).to_contain_text("amara.okafor@example.com")

            sidebar(page).get_by_role("button", name="Sign out").click()  # st.logout: the provider ends it too
            page.get_by_role("button", name="End session").click()
            page.goto(app_url)
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            expect(sidebar(page).get_by_text("Amara Okafor")).to_have_count(0)
        finally:
            admin.close()
        assert rows(golden_copy, "select changed_by, kpi_id, field, old_value, new_value from kpi_changes") == [
            ("amara.okafor@example.com", "nps", "target", "35", "40")]

        viewer = new_context(browser)
        try:
            page = viewer.new_page()
            sign_in(page, app_url, "vera")
            expect(sidebar(page).get_by_text("Vera Lind · viewer")).to_be_visible()
            page.goto(f"{app_url}/Owners")
            expect(page.get_by_text("Only admins reassign owners and change targets; you are a viewer.")
                   ).to_be_visible()
            page.get_by_label("Target (points)").fill("1")
            page.get_by_role("button", name="Save change").click()
            expect(page.get_by_text("Refused: only admins may change a KPI's target")).to_be_visible()
        finally:
            viewer.close()
    assert rows(golden_copy, "select count(*) from kpi_changes") == [(1,)]
    assert rows(golden_copy, "select actor, actor_role, action, outcome from audit_log") == [
        ("vera@example.com", "viewer", "change a KPI's target", "refused")]


def test_behind_a_sign_in_proxy_its_headers_name_the_person_and_their_groups_give_the_role(
    golden_copy: Path, tmp_path: Path, browser: Browser, monkeypatch: pytest.MonkeyPatch
):
    """The README's oauth2-proxy example: server.trustedUserHeaders in a config.toml (here the user-level
    one, ~/.streamlit/config.toml), and a browser whose every request carries the proxy's headers."""
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "config.toml").write_text(
        '[server]\ntrustedUserHeaders = { "X-Forwarded-Email" = "email", "X-Forwarded-User" = "user", '
        '"X-Forwarded-Groups" = "groups" }\n', encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    settings = tmp_path / "access.toml"
    settings.write_text('[group_roles]\n"cx-analysts" = "analyst"\n', encoding="utf-8")
    monkeypatch.setenv("CXKPI_ACCESS", str(settings))

    with running_app(golden_copy, tmp_path) as url:
        signed_in = new_context(browser, extra_http_headers={  # as the proxy sends them, on every request
            "X-Forwarded-Email": "Pat@Example.com", "X-Forwarded-User": "pat",
            "X-Forwarded-Groups": "staff,cx-analysts"})
        try:
            page = signed_in.new_page()
            page.goto(f"{url}/NPS?from=2026-04-01&to=2026-06-30")
            expect(sidebar(page).get_by_text("pat@example.com · analyst")).to_be_visible()
            sidebar(page).get_by_role("button", name="Save this view").click()
            page.get_by_label("Name", exact=True).fill("Q2 NPS")
            page.get_by_text("Share with everyone").click()
            page.get_by_role("button", name="Save", exact=True).click()
            expect(sidebar(page).get_by_text("Saved “Q2 NPS” for everyone.")).to_be_visible()
        finally:
            signed_in.close()

        bypassing = new_context(browser)  # straight to the app, around the proxy: no headers
        try:
            page = bypassing.new_page()
            page.goto(url)
            expect(page.get_by_text("Your sign-in did not say who you are")).to_be_visible()
            expect(sidebar(page).get_by_text("Saved views")).to_have_count(0)
        finally:
            bypassing.close()
    assert rows(golden_copy, "select actor, actor_role, action, subject from audit_log") == [
        ("pat@example.com", "analyst", "save shared view", "view 1 “Q2 NPS”")]

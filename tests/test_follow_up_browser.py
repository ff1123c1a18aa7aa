"""In a real browser, signed in through a sign-in proxy's headers (the README's oauth2-proxy example) as
the NPS's owner, Amara Okafor (her email is the owner's in metrics.toml; her role is only viewer): the note
she writes shows on the card with its date and as a marker on the trend."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser_support import expect_no_error, new_context, running_app
from tests.support import rows

NOTE = "Q2 dip: survey vendor change; back to normal by 15 Jul"


@pytest.fixture
def proxy_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "config.toml").write_text(
        '[server]\ntrustedUserHeaders = { "X-Forwarded-Email" = "email", "X-Forwarded-User" = "user" }\n',
        encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))


def test_a_note_written_by_the_owner_shows_on_the_card_and_as_a_marker_on_the_trend(
    golden_copy: Path, tmp_path: Path, browser: Browser, proxy_home: None
):
    with running_app(golden_copy, tmp_path) as url:
        owner = new_context(browser, extra_http_headers={"X-Forwarded-Email": "amara.okafor@example.com",
                                                         "X-Forwarded-User": "amara"})
        try:
            page = owner.new_page()
            page.goto(f"{url}/NPS?from=2026-04-01&to=2026-06-30&grain=month")
            notes = page.locator(".st-key-follow-up-nps")
            notes.get_by_label("Note", exact=True).fill(NOTE)
            # Dated by default the last day of the period in view: 30 June 2026, the trend's last month.
            notes.get_by_role("button", name="Add note").click()
            expect(notes.get_by_text("Note added, dated 30 Jun 2026.")).to_be_visible()
            latest = page.locator(".st-key-card-nps .cx-latest-note")
            expect(latest).to_contain_text(f"30 Jun 2026, Amara Okafor: {NOTE}")
            # The marker: a point of the trend at June whose label (what a screen reader and the hover say)
            # is the note.
            marker = page.locator(".st-key-trend-nps [aria-roledescription='point']"
                                  f"[aria-label*=\"Owner's notes: 30 Jun 2026, Amara Okafor: {NOTE}\"]")
            expect(marker).to_have_count(1)
            expect(marker).to_have_attribute("aria-label", f"Month: Jun 2026; Owner's notes: 30 Jun 2026, Amara "
                                                           f"Okafor: {NOTE}")
            page.goto(f"{url}/?from=2026-04-01&to=2026-06-30")  # and on the overview's card
            expect(page.locator(".st-key-card-nps .cx-latest-note")).to_contain_text(NOTE)
            expect_no_error(page)
        finally:
            owner.close()
    assert rows(golden_copy, "select author_id, author_name, noted_on::varchar, body from kpi_notes") == [
        ("amara.okafor@example.com", "Amara Okafor", "2026-06-30", NOTE)]  # the owner's name, from metrics.toml

"""Alerts and the weekly digest, delivered for real: `python -m cxkpi alerts|digest --send` as processes,
against a real SMTP server (aiosmtpd) and a Slack-style webhook receiver, both on loopback."""

from __future__ import annotations

import calendar
import shutil
from pathlib import Path

import pytest

from cxkpi.ingest import ingest_paths
from cxkpi.registry import load_registry
from cxkpi.status import Status
from tests.browser_support import free_port
from tests.delivery_support import attachments, html_part, plain_part, smtp_server, webhook_receiver
from tests.support import PROJECT_ROOT, SAMPLE_DIR, build_warehouse, cxkpi, kpis_json, rows
from ui import formatting as fmt

NPS_ONLY = """
[settings]
min_sample = 30
max_half_width = 15

[[kpi]]
id = "nps"
title = "Net Promoter Score"
unit = "points"
direction = "higher"
target = 35
target_range = { min = -100, max = 100 }
near = 5
statistic = "nps"
source = "survey_responses"
reads = "survey_daily_counts"
additive = true
description = "Promoters minus detractors."
owner = { name = "Amara Okafor", role = "Chief Customer Officer", email = "amara.okafor@example.com" }
counts = ["response", "responses"]
"""
# NPS of each month, 200 answers a month: a year that moves the way 200 answers move (±5 points around
# 40), then the months the test loads one by one.
BASELINE = {(2025, month): nps for month, nps in
            zip(range(1, 13), (40, 35, 44, 38, 42, 36, 45, 39, 41, 37, 43, 40), strict=True)}
JANUARY, FEBRUARY, MARCH = (2026, 1), (2026, 2), (2026, 3)


def answers(months: dict[tuple[int, int], int]) -> str:
    """Survey answers giving each month its NPS on 200 answers: 60 detractors (score 3) less half the NPS
    (as 200 × (promoters − detractors) / 200), the rest promoters (10) and passives (8); spread over every
    day of the month, the last included (so the month counts as whole)."""
    lines = ["response_id,customer_id,responded_at,recommend_score,trust_score,csat_score,comment,channel"]
    for (year, month), nps in months.items():
        detractors = 60 - nps // 2
        promoters = detractors + 2 * nps  # promoters − detractors = 2 × nps, out of 200
        scores = [10] * promoters + [3] * detractors + [8] * (200 - promoters - detractors)
        days = calendar.monthrange(year, month)[1]
        for index, score in enumerate(scores):
            day = index % days + 1
            lines.append(f"R{year}{month:02d}{index},C1,{year}-{month:02d}-{day:02d} 10:00:00,{score},,,,web")
    return "\n".join(lines) + "\n"


def load(db: Path, folder: Path, name: str, months: dict[tuple[int, int], int]) -> None:
    path = folder / f"{name}.csv"
    path.write_text(answers(months), encoding="utf-8")
    _, refusals = ingest_paths(db, [path])
    assert not refusals


@pytest.fixture
def receivers(tmp_path: Path):
    """An SMTP server and a channel's webhook on loopback, and the environment that points cxkpi at them."""
    port = free_port()
    with smtp_server(port) as mailbox, webhook_receiver() as hook:
        notifications = tmp_path / "notifications.toml"
        notifications.write_text(f'[[webhook]]\nurl = "{hook.url}"\n', encoding="utf-8")
        env = {"CXKPI_SMTP_HOST": "127.0.0.1", "CXKPI_SMTP_PORT": str(port), "CXKPI_MAIL_FROM": "cxkpi@example.com",
               "CXKPI_NOTIFICATIONS": str(notifications), "CXKPI_RETRY_PAUSE_SECONDS": "0.05"}
        yield mailbox, hook, env


def test_an_alert_fires_once_on_an_off_target_transition_and_not_for_noise(tmp_path, receivers):
    """The monthly NPS (--range last_month): January 39 (on target, 35); February 33 (near target: a dip of
    6 on 200 answers is within noise, and the control chart's EWMA, 0.3 × 33 + 0.7 × 40 = 37.9, stays
    inside its limits, 40 ± 3σ·√(0.3/1.7) with σ ≈ 5 from the year's moving ranges): nothing to tell.
    March 15: off target, and a real shift (−18 on 200 answers each: p ≈ 0.01; EWMA 32.5 below the
    limits): two events, each told once, by email and to the channel's webhook; a second run tells
    nothing."""
    mailbox, hook, env = receivers
    registry = tmp_path / "metrics.toml"
    registry.write_text(NPS_ONLY, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    load(db, tmp_path, "year", {**BASELINE, JANUARY: 39})

    def alerts() -> str:
        result = cxkpi("alerts", "--send", "--range", "last_month", "--db", db, "--registry", registry, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "0 new events in last month" in alerts()  # January: on target, within noise; the state is recorded
    load(db, tmp_path, "february", {FEBRUARY: 33})
    assert "0 new events" in alerts()  # near target and a dip within noise: no alert
    assert (mailbox.messages, hook.posts) == ([], [])
    load(db, tmp_path, "march", {MARCH: 15})
    said = alerts()
    assert "2 new events" in said
    subjects = sorted(message["Subject"] for message in mailbox.messages)
    assert subjects == ["cxkpi: A real change in Net Promoter Score: worse (Mar 2026)",
                        "cxkpi: Net Promoter Score is off target (Mar 2026)"]
    assert all(message["To"] == "Amara Okafor <amara.okafor@example.com>" for message in mailbox.messages)
    off = next(message for message in mailbox.messages if "off target" in message["Subject"])
    text = plain_part(off)
    assert "Value: +15.0 pts (n = 200 responses), target ≥ +35 pts: off target." in text
    assert "Change: -18.0 pts vs Feb 2026 · worse" in text
    assert "http://localhost:8501/?from=2026-03-01&to=2026-03-31&compare=previous" in text
    # The channel's webhook got the same two events, as Slack-compatible JSON, each with its own key.
    assert sorted(post["text"].splitlines()[0] for post in hook.posts) == [
        subject.removeprefix("cxkpi: ") for subject in subjects]
    assert all(post["blocks"][0]["type"] == "section" for post in hook.posts) and len(set(hook.keys)) == 2
    assert "0 new events" in alerts()  # the same events again: nothing is sent twice
    assert (len(mailbox.messages), len(hook.posts)) == (2, 2)
    assert rows(db, "select kind, state, alerted from alert_states order by observed_at, kind") == [
        ("shift", "none", False), ("status", "on target", False),
        ("status", "near target", False),
        ("shift", "worse 2026-03-01..2026-03-31", True), ("status", "off target", True),
    ]


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("sample") / "sample.duckdb", SAMPLE_DIR)


def test_a_digest_run_delivers_one_message_per_owner_naming_their_kpis_statuses_and_the_link(
    sample_db: Path, tmp_path: Path, receivers
):
    mailbox, hook, env = receivers
    db = Path(shutil.copyfile(sample_db, tmp_path / "w.duckdb"))
    result = cxkpi("digest", "--send", "--db", db, env=env)
    assert result.returncode == 0, result.stderr
    by_id = kpis_json(db)  # what the app says of each KPI, to hold the digest to
    owners: dict[str, list[dict]] = {}
    for kpi in load_registry():
        owners.setdefault(kpi.owner.email, []).append(by_id[kpi.id])
    assert sorted(recipients[0] for recipients in mailbox.recipients) == sorted(owners)  # one message per owner
    for message in mailbox.messages:
        [address] = [recipients[0] for recipients in mailbox.recipients if message["To"].endswith(f"<{recipients[0]}>")]
        text, page = plain_part(message), html_part(message)
        for kpi in owners[address]:
            status = fmt.STATUS_WORDS[Status(kpi["status"])]
            assert f"{kpi['title'].upper()}: {status}" in text
            assert kpi["title"] in page and status in page
        assert "http://localhost:8501/?from=2026-07-01&to=2026-09-30&compare=previous&grain=month&by=region" in text
        [(name, kind, slide)] = attachments(message)
        assert kind == "application/pdf" and slide.startswith(b"%PDF") and name.endswith("2026-07-01-to-2026-09-30.pdf")
    assert len(hook.posts) == len(owners)  # the channel's webhook: the same digests
    again = cxkpi("digest", "--send", "--db", db, env=env)
    assert again.returncode == 0 and "queued before: nothing new to send" in again.stdout
    assert len(mailbox.messages) == len(owners)  # nothing sent twice


def test_a_failed_delivery_is_retried_and_reported_never_dropped(sample_db: Path, tmp_path: Path):
    """No SMTP server answers: every attempt fails, is recorded and reported, and the run exits 1; the
    messages stay queued, and the next run, with the server back, delivers each once."""
    db = Path(shutil.copyfile(sample_db, tmp_path / "w.duckdb"))
    port = free_port()
    env = {"CXKPI_SMTP_HOST": "127.0.0.1", "CXKPI_SMTP_PORT": str(port), "CXKPI_MAIL_FROM": "cxkpi@example.com",
           "CXKPI_NOTIFICATIONS": str(tmp_path / "none.toml"), "CXKPI_RETRY_PAUSE_SECONDS": "0.05"}
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    failed = cxkpi("digest", "--send", "--db", db, env=env)
    owners = len({kpi.owner.email for kpi in load_registry()})
    assert failed.returncode == 1
    assert failed.stderr.count("NOT SENT (kept, retried on the next run)") == owners
    assert rows(db, "select outcome, count(*) from outbox_attempts group by all") == [("failed", 3 * owners)]
    with smtp_server(port) as mailbox:
        retried = cxkpi("digest", "--send", "--db", db, env=env)
        assert retried.returncode == 0, retried.stderr
        assert len(mailbox.messages) == owners
        assert cxkpi("digest", "--send", "--db", db, env=env).returncode == 0
        assert len(mailbox.messages) == owners


def test_the_digest_prints_what_it_would_send_without_sending(sample_db: Path):
    result = cxkpi("digest", "--db", sample_db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Subject: cxkpi weekly, Q3 2026") == len({kpi.owner.email for kpi in load_registry()})
    assert "To: Priya Raman <priya.raman@example.com>" in result.stdout
    assert "no SMTP server is set: set CXKPI_SMTP_HOST" in result.stdout
    assert rows(sample_db, "select count(*) from outbox_messages") == [(0,)]


def test_the_digest_preview_says_why_a_message_reaches_nobody_in_its_language(sample_db: Path):
    result = cxkpi("digest", "--db", sample_db, "--lang", "ru")
    assert result.returncode == 0, result.stderr
    assert ("Через: пока никуда: дайджест для Priya Raman уходит на priya.raman@example.com, но SMTP-сервер не задан: "
            "задайте CXKPI_SMTP_HOST (README, «Delivery: email and webhooks») или веб-хук в notifications.toml."
            ) in result.stdout
    assert "no SMTP server is set" not in result.stdout


def test_sending_with_nowhere_to_send_is_refused_before_anything_is_recorded(sample_db: Path, tmp_path: Path):
    db = Path(shutil.copyfile(sample_db, tmp_path / "w.duckdb"))
    result = cxkpi("digest", "--send", "--db", db)
    assert result.returncode == 2
    assert "no SMTP server is set" in result.stderr
    assert rows(db, "select count(*) from outbox_messages") == [(0,)]



def test_each_owner_gets_their_alert_in_their_own_language(sample_db: Path, tmp_path: Path, receivers):
    """[settings.owner_languages] names Amara Persian and Lukas Russian: each is told in their language,
    with a link that opens the view in it; the other owners in the run's (English). An event is the same
    in every language: a run after the languages change sends nothing again."""
    mailbox, hook, env = receivers
    db = Path(shutil.copyfile(sample_db, tmp_path / "w.duckdb"))
    english = PROJECT_ROOT / "metrics.toml"
    registry = tmp_path / "metrics.toml"
    registry.write_text(english.read_text(encoding="utf-8") + '\n[settings.owner_languages]\n'
                        '"amara.okafor@example.com" = "fa"\n"lukas.brenner@example.com" = "ru"\n', encoding="utf-8")
    q2 = ("--start", "2026-04-01", "--end", "2026-06-30", "--db", db)
    result = cxkpi("alerts", "--send", *q2, "--registry", registry, env=env)
    assert result.returncode == 0, result.stderr
    assert "6 new events" in result.stdout  # the run's own lines: in the run's language
    by_owner: dict[str, list] = {}
    for message in mailbox.messages:
        by_owner.setdefault(message["To"].split(" <")[0], []).append(message)
    [amara] = by_owner["Amara Okafor"]  # the recovery effect's real change for the worse
    # Whole, each space kept: Python's own folding of a long non-ASCII subject lost one ("فصل۲").
    assert amara["Subject"] == "cxkpi: تغییری واقعی در اثر جبرانی پاسخ سریع: بدتر (فصل ۲ ۲۰۲۶)"
    assert "‎−۲۷٫۴ امتیاز نسبت به فصل ۱ ۲۰۲۶ · بدتر" in plain_part(amara)
    assert "&lang=fa" in plain_part(amara)
    assert "تغییری واقعی در اثر جبرانی پاسخ سریع: بدتر (فصل ۲ ۲۰۲۶)" in [post["text"].splitlines()[0]
                                                                         for post in hook.posts]  # the webhook's too
    [lukas] = by_owner["Lukas Brenner"]  # complaints resolved within SLA, off target
    assert lukas["Subject"].startswith("cxkpi: ") and "вне цели" in lukas["Subject"], lukas["Subject"]
    assert "&lang=ru" in plain_part(lukas)
    assert sorted(message["Subject"] for message in by_owner["Sofia Marquez"]) == [
        "cxkpi: 90-day repeat rate, new customers is off target (Q2 2026)",
        "cxkpi: A real change in Repeat-purchase rate: better (Q2 2026)"]
    assert "lang=" not in plain_part(by_owner["Sofia Marquez"][0])
    again = cxkpi("alerts", "--send", *q2, env=env)  # the same events, everyone in English now
    assert again.returncode == 0 and "0 new events" in again.stdout
    assert len(mailbox.messages) == 6

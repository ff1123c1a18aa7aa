"""Delivering alerts and digests: email over SMTP and Slack-compatible webhooks, through an outbox.

Settings:
- SMTP from the environment: CXKPI_SMTP_HOST, CXKPI_SMTP_PORT (default 25, 465 with TLS "ssl", 587 with
  "starttls"), and where needed CXKPI_SMTP_USER, CXKPI_SMTP_PASSWORD, CXKPI_SMTP_TLS ("starttls", "ssl" or
  "none"; default: "ssl" on port 465, "starttls" on 587, else "none") and CXKPI_MAIL_FROM. Each owner's
  address is their `email` in metrics.toml (or the one given on the Owners page).
- Webhooks in notifications.toml beside metrics.toml (or $CXKPI_NOTIFICATIONS): a channel's webhook gets
  every alert and digest, an owner's (`owner = "their email"`) only theirs; `events` limits either to
  "alert" or "digest". Their URLs are secrets (a Slack incoming webhook's URL is its key): keep the file
  out of version control, as secrets.toml.

The outbox: a message is queued once per event and address (`outbox_messages` is unique on them, and
queued in the transaction that records the event), then delivered; every attempt is recorded
(`outbox_attempts`). A failed delivery is retried (ATTEMPTS times in a run, with a pause between) and
stays queued for the next run until it is sent, and every run reports what is still not delivered:
nothing is dropped silently. A sent message is never sent again. Two runs at once deliver in turn (a
lock beside the warehouse). A crash after the server accepted a message and before it was recorded
(a few milliseconds) would send it once more on the next run: the email keeps its Message-ID and the
webhook its Idempotency-Key, from the message's id, so either end can tell the two apart.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import json
import mimetypes
import os
import smtplib
import socket
import ssl
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr, formatdate
from pathlib import Path

from cxkpi.access import utc_now
from cxkpi.i18n import N_, gettext
from cxkpi.registry import email_problem
from cxkpi.warehouse import PROJECT_ROOT, reading, writing

NOTIFICATIONS_ENV = "CXKPI_NOTIFICATIONS"
DEFAULT_NOTIFICATIONS_PATH = PROJECT_ROOT / "notifications.toml"
TLS_MODES = ("starttls", "ssl", "none")
EVENTS = ("alert", "digest")
ATTEMPTS = 3  # per message per run; what still fails waits for the next run
# Before the 2nd attempt, doubled before each later one ($CXKPI_RETRY_PAUSE_SECONDS: the tests' is short).
RETRY_PAUSE_SECONDS = float(os.environ.get("CXKPI_RETRY_PAUSE_SECONDS") or 2.0)
TIMEOUT_SECONDS = 30


class DeliveryConfigError(ValueError):
    """The SMTP settings or notifications.toml cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # one of TLS_MODES
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class Webhook:
    url: str = field(repr=False)  # a secret: never printed whole
    owner: str = ""  # an owner's email: only their messages; '' for a channel (everything)
    events: tuple[str, ...] = EVENTS

    @property
    def shown(self) -> str:
        """The URL as printed: its host only ('hooks.slack.com/…')."""
        parts = self.url.split("/")
        return f"{parts[2]}/…" if len(parts) > 2 else "…"

    def wants(self, kind: str, owner_id: str) -> bool:
        return kind in self.events and (not self.owner or self.owner == owner_id)


@dataclass(frozen=True)
class Outgoing:
    """One message about one event, before it is addressed: to an owner, by email and webhooks."""

    event_key: str  # the event: nothing is queued twice for one event and address
    kind: str  # 'alert' or 'digest'
    owner_name: str
    owner_email: str
    subject: str
    text: str
    html: str
    payload: Mapping[str, object]  # the webhook's JSON (Slack-compatible: text, blocks)
    attachment_name: str = ""
    attachment: bytes = b""


@dataclass(frozen=True)
class Queued:
    id: int
    event_key: str
    kind: str
    channel: str  # 'email' or 'webhook'
    address: str
    recipient: str
    subject: str
    body_text: str
    body_html: str
    payload: str
    attachment_name: str
    attachment: bytes | None

    @property
    def shown_address(self) -> str:
        return self.address if self.channel == "email" else Webhook(self.address).shown


@dataclass(frozen=True)
class Outcome:
    message: Queued
    error: str = ""  # '' when sent

    @property
    def sent(self) -> bool:
        return not self.error


# --- settings ---------------------------------------------------------------------------------------


def smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings from the environment; None when CXKPI_SMTP_HOST is not set (no email)."""
    environ = os.environ if environ is None else environ
    host = environ.get("CXKPI_SMTP_HOST", "").strip()
    if not host:
        return None
    port_text = environ.get("CXKPI_SMTP_PORT", "").strip()
    tls = environ.get("CXKPI_SMTP_TLS", "").strip().lower()
    if tls and tls not in TLS_MODES:
        raise DeliveryConfigError(f"CXKPI_SMTP_TLS={tls!r}: use one of {', '.join(TLS_MODES)} "
                                  "(starttls on port 587, ssl on 465, none for a relay on this computer)")
    try:
        port = int(port_text) if port_text else {"ssl": 465, "starttls": 587}.get(tls, 25)
    except ValueError:
        raise DeliveryConfigError(f"CXKPI_SMTP_PORT={port_text!r}: give the port as a number, e.g. 587") from None
    tls = tls or {465: "ssl", 587: "starttls"}.get(port, "none")
    user, password = environ.get("CXKPI_SMTP_USER", "").strip(), environ.get("CXKPI_SMTP_PASSWORD", "")
    if password and tls == "none" and not _is_loopback(host):
        raise DeliveryConfigError(
            f"CXKPI_SMTP_PASSWORD is set but CXKPI_SMTP_TLS is none: the password would cross the network to "
            f"{host} in clear text. Set CXKPI_SMTP_TLS=starttls (port 587) or ssl (port 465)."
        )
    sender = environ.get("CXKPI_MAIL_FROM", "").strip()
    if sender and (problem := email_problem(_address_of(sender), "CXKPI_MAIL_FROM")):
        raise DeliveryConfigError(f"cxkpi {problem}")
    sender = sender or (user if "@" in user else f"cxkpi@{socket.getfqdn()}")
    return SmtpSettings(host, port, tls, sender, user, password)


def _address_of(sender: str) -> str:
    """'cxkpi <cx@example.com>' -> 'cx@example.com'."""
    return sender.rsplit("<", 1)[-1].rstrip(">").strip()


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def notifications_path(explicit: Path | None = None) -> Path:
    if explicit:
        return explicit
    return Path(os.environ[NOTIFICATIONS_ENV]) if os.environ.get(NOTIFICATIONS_ENV) else DEFAULT_NOTIFICATIONS_PATH


def load_webhooks(path: Path | None = None) -> list[Webhook]:
    """notifications.toml's [[webhook]] entries; none when the file is missing at its default place."""
    path = notifications_path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if path == DEFAULT_NOTIFICATIONS_PATH:
            return []
        raise DeliveryConfigError(f"{path}: notifications file not found (set by ${NOTIFICATIONS_ENV})") from None
    except tomllib.TOMLDecodeError as error:
        raise DeliveryConfigError(f"{path}: not valid TOML: {error}") from None
    unknown = set(document) - {"webhook"}
    if unknown:
        raise DeliveryConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; use [[webhook]] tables")
    hooks = []
    for position, entry in enumerate(document.get("webhook", []), start=1):
        where = f"{path}: webhook #{position}"
        if not isinstance(entry, dict) or set(entry) - {"url", "owner", "events"}:
            raise DeliveryConfigError(f"{where}: write url = \"https://...\", and optionally owner = \"their email\" "
                                      "and events = [\"alert\", \"digest\"]")
        url = entry.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise DeliveryConfigError(f"{where}: url must be the webhook's http(s) address")
        owner = entry.get("owner", "")
        if not isinstance(owner, str) or (owner and email_problem(owner, "owner")):
            raise DeliveryConfigError(f"{where}: owner must be the owner's email, as in metrics.toml")
        events = entry.get("events", list(EVENTS))
        if not isinstance(events, list) or not events or any(event not in EVENTS for event in events):
            raise DeliveryConfigError(f"{where}: events lists \"alert\" and/or \"digest\"")
        hooks.append(Webhook(url, owner.strip().lower(), tuple(events)))
    return hooks


# Why a message could reach nobody, in the bound language (cxkpi.i18n.use): the preview of `digest` and
# `alerts` says it in the run's language; the refusal to send says it in English, as the CLI's errors.
NO_SMTP = N_("{owner}'s {kind} goes to {email}, but no SMTP server is set: set CXKPI_SMTP_HOST (README, 'Delivery: "
             "email and webhooks'), or a webhook in notifications.toml.")
NO_ADDRESS = N_("{owner} has no email in metrics.toml and no webhook in notifications.toml: add email = \"...\" to "
                "their owner entry, so their {kind} can reach them.")
KIND_WORDS = {"digest": N_("digest"), "alert": N_("alert")}


def unreachable(outgoing: Sequence[Outgoing], smtp: SmtpSettings | None, webhooks: Sequence[Webhook]) -> list[str]:
    """Why some of these messages could reach nobody as things are set up, one sentence per owner, in the
    bound language: checked before anything is recorded, so that an event is not used up on a message no
    one can receive."""
    problems = []
    for owner_name, owner_email, kind in sorted({(item.owner_name, item.owner_email, item.kind) for item in outgoing}):
        by_webhook = any(hook.wants(kind, owner_email) for hook in webhooks)
        kind_word = gettext(KIND_WORDS[kind]) if kind in KIND_WORDS else kind
        if owner_email and smtp is None and not by_webhook:
            problems.append(gettext(NO_SMTP, owner=owner_name, kind=kind_word, email=owner_email))
        elif not owner_email and not by_webhook:
            problems.append(gettext(NO_ADDRESS, owner=owner_name, kind=kind_word))
    return problems


# --- the outbox -------------------------------------------------------------------------------------


def addressed(item: Outgoing, smtp: SmtpSettings | None, webhooks: Sequence[Webhook]) -> list[tuple[str, str]]:
    """(channel, address) for each way `item` goes: the owner's email (when SMTP is set), and each webhook
    that wants it."""
    ways = [("email", item.owner_email)] if item.owner_email and smtp is not None else []
    return ways + [("webhook", hook.url) for hook in webhooks if hook.wants(item.kind, item.owner_email)]


def enqueue(connection, items: Sequence[Outgoing], smtp: SmtpSettings | None, webhooks: Sequence[Webhook]) -> int:
    """Queue each message once per address, in the caller's transaction; returns how many were new."""
    new = 0
    for item in items:
        for channel, address in addressed(item, smtp, webhooks):
            inserted = connection.execute(
                """insert into outbox_messages (event_key, kind, channel, address, recipient, subject, body_text,
                       body_html, payload, attachment_name, attachment, queued_at)
                   values ($key, $kind, $channel, $address, $recipient, $subject, $text, $html, $payload,
                           $attachment_name, $attachment, $at)
                   on conflict do nothing returning id""",
                {"key": item.event_key, "kind": item.kind, "channel": channel, "address": address,
                 "recipient": item.owner_name, "subject": item.subject, "text": item.text, "html": item.html,
                 "payload": json.dumps(item.payload, ensure_ascii=False), "attachment_name": item.attachment_name,
                 "attachment": item.attachment or None, "at": utc_now()},
            ).fetchall()
            new += len(inserted)
    return new


def pending(db_path: Path) -> list[Queued]:
    """Queued messages not yet sent, oldest first."""
    with reading(db_path) as connection:
        rows = connection.execute(
            """select id, event_key, kind, channel, address, recipient, subject, body_text, body_html, payload,
                      attachment_name, attachment
               from outbox_messages as m
               where not exists (select 1 from outbox_attempts as a where a.message_id = m.id and a.outcome = 'sent')
               order by id"""
        ).fetchall()
    return [Queued(*row) for row in rows]


def deliver(db_path: Path, smtp: SmtpSettings | None, attempts: int = ATTEMPTS,
            pause: float = RETRY_PAUSE_SECONDS) -> list[Outcome]:
    """Try to deliver every queued message not yet sent; each attempt is recorded. Returns each message's
    outcome: sent, or the last error (it stays queued for the next run)."""
    outcomes = []
    with _one_sender(db_path):
        for message in pending(db_path):  # read under the lock: another run may have just sent some
            error = ""
            for attempt in range(attempts):
                if attempt:
                    time.sleep(pause * 2 ** (attempt - 1))
                error = _attempt(message, smtp)
                _record(db_path, message.id, error)
                if not error:
                    break
            outcomes.append(Outcome(message, error))
    return outcomes


@contextmanager
def _one_sender(db_path: Path) -> Iterator[None]:
    """One delivering run at a time for a warehouse (cron and a hand-run at once would both send)."""
    lock_path = db_path.with_name(db_path.name + ".outbox.lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _record(db_path: Path, message_id: int, error: str) -> None:
    with writing(db_path) as connection:
        connection.execute("insert into outbox_attempts values ($id, $at, $outcome, $error)",
                           {"id": message_id, "at": utc_now(), "outcome": "failed" if error else "sent",
                            "error": error})


def _attempt(message: Queued, smtp: SmtpSettings | None) -> str:
    """'' when delivered, else why not."""
    try:
        if message.channel == "email":
            if smtp is None:
                return "no SMTP server is set (CXKPI_SMTP_HOST)"
            send_email(smtp, message)
        else:
            post_webhook(message)
    except (OSError, smtplib.SMTPException, urllib.error.URLError, ValueError) as error:
        return f"{type(error).__name__}: {error}"[:500]
    return ""


class _MailPolicy(EmailPolicy):
    """Python's email folding (3.11) drops the space between two encoded words of a long non-ASCII
    subject: a Persian "فصل ۲ ۲۰۲۶" arrived as "فصل۲ ۲۰۲۶". Such a subject is folded by the older
    email.header.Header instead, whose encoded words carry their spaces inside them (RFC 2047)."""

    def _subject(self, name: str, value: str) -> str | None:
        if name.lower() != "subject" or str(value).isascii():
            return None
        encoded = Header(str(value), "utf-8", header_name=name).encode(linesep=self.linesep)
        return f"{name}: {encoded}{self.linesep}"

    def fold(self, name: str, value: str) -> str:
        return self._subject(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        subject = self._subject(name, value)
        return subject.encode("ascii") if subject else super().fold_binary(name, value)


def send_email(smtp: SmtpSettings, message: Queued) -> None:
    mail = EmailMessage(policy=_MailPolicy())
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = formataddr((message.recipient, message.address))
    mail["Date"] = formatdate(localtime=False)
    # The same id on every attempt: a server or client that saw it already can drop a second copy.
    domain = _address_of(smtp.sender).split("@")[-1]
    mail["Message-ID"] = f"<cxkpi-{message.id}-{_digest_of(message.event_key)}@{domain}>"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    if message.attachment:
        kind = mimetypes.guess_type(message.attachment_name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/")
        mail.add_attachment(bytes(message.attachment), maintype=maintype, subtype=subtype,
                            filename=message.attachment_name)
    client = smtplib.SMTP_SSL if smtp.tls == "ssl" else smtplib.SMTP
    context = ssl.create_default_context()
    kwargs = {"context": context} if smtp.tls == "ssl" else {}
    with client(smtp.host, smtp.port, timeout=TIMEOUT_SECONDS, **kwargs) as server:
        if smtp.tls == "starttls":
            server.starttls(context=context)
        if smtp.user:
            server.login(smtp.user, smtp.password)
        server.send_message(mail)


def post_webhook(message: Queued) -> None:
    request = urllib.request.Request(
        message.address, data=message.payload.encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "cxkpi",
                 "Idempotency-Key": f"cxkpi-{message.id}-{_digest_of(message.event_key)}"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # a non-2xx raises HTTPError
        response.read()


def _digest_of(event_key: str) -> str:
    return hashlib.sha256(event_key.encode("utf-8")).hexdigest()[:16]

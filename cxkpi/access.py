"""Who may do what: identities, the three roles, their permissions, the roles table and the audit log.

Every person using the app has an Identity (from the company's sign-in, a trusted sign-in proxy, or,
with no sign-in configured, the one local user) and one Role:
- viewer: sees everything, keeps personal saved views, downloads exports;
- analyst: also uploads exports, loads the inbox and shares views with everyone;
- admin: also reassigns owners, changes targets, manages roles, and renames or deletes anyone's view.

A person's role is the one an admin gave them in the `user_roles` table (in the app's Access page or
with `python -m cxkpi users`), else the highest role their sign-in groups map to in access.toml, else
viewer. Every guarded action calls require() where the change is made, so the check does not depend
on what the page shows; a refusal is written to the append-only `audit_log` with the identity.
No Streamlit here: the app (ui/identity.py), the command line and the tests share these rules.
"""

from __future__ import annotations

import getpass
import ipaddress
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import duckdb

from cxkpi import i18n
from cxkpi.i18n import N_, gettext
from cxkpi.warehouse import PROJECT_ROOT, reading, writing

if TYPE_CHECKING:  # audit_log's DataFrame is DuckDB's to make; the CLI imports this module without pandas
    import pandas as pd

ACCESS_ENV = "CXKPI_ACCESS"
DEFAULT_ACCESS_PATH = PROJECT_ROOT / "access.toml"
# The demo override: serve other computers without sign-in. Named so nobody sets it by accident.
UNSAFE_NO_SIGN_IN_ENV = "CXKPI_UNSAFE_NO_SIGN_IN"
# Headers a proxy adds: a request carrying them did not come from this computer, whatever its address.
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
# The st.user keys that can name a person, most trusted first (an email is what admins type).
USER_ID_CLAIMS = ("email", "preferred_username", "upn", "user", "sub")


# How a role was decided, as the Access page says it (through the catalog: ui/access_page.py reads a
# reason back into its template to translate it).
GROUP_REASON = N_("from the group '{group}'")
DEMO_REASON = N_("no sign-in is configured ({env} is set): visitors are viewers")


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


# The roles in words, for people (the Access page, `users`).
ROLE_WORDS = {Role.VIEWER: N_("viewer"), Role.ANALYST: N_("analyst"), Role.ADMIN: N_("admin")}


ROLES_WITH_ARTICLE = {Role.VIEWER: N_("a viewer"), Role.ANALYST: N_("an analyst"), Role.ADMIN: N_("an admin")}


def role_words(role: str) -> str:
    """A role's name in the bound language (cxkpi.i18n.use); anything else as given."""
    return gettext(ROLE_WORDS[role]) if role in ROLE_WORDS else str(role)


def role_with_article(role: str) -> str:
    """'a viewer', 'an admin' in the bound language."""
    return gettext(ROLES_WITH_ARTICLE[role]) if role in ROLES_WITH_ARTICLE else str(role)


class Permission(Enum):
    """What a guarded action needs: its wording for messages and the least role that may do it."""

    UPLOAD = (N_("upload exports"), Role.ANALYST)
    LOAD_INBOX = (N_("load the inbox"), Role.ANALYST)
    SHARE_VIEW = (N_("share a view with everyone"), Role.ANALYST)
    CHANGE_OWNER = (N_("reassign a KPI's owner"), Role.ADMIN)
    CHANGE_TARGET = (N_("change a KPI's target"), Role.ADMIN)
    MANAGE_ROLES = (N_("change who has which role"), Role.ADMIN)
    MANAGE_ANY_VIEW = (N_("rename, unshare or delete another person's view"), Role.ADMIN)
    # What owners write (cxkpi.notes, cxkpi.actions): the KPI's owner (by their email in metrics.toml, or
    # the one given on the Owners page) may, beside the least role; replies are open to everyone signed in.
    WRITE_NOTE = (N_("write a note on a KPI"), Role.ADMIN)
    REPLY_TO_NOTE = (N_("reply to a note"), Role.VIEWER)
    PLAN_ACTION = (N_("add an action to a KPI"), Role.ADMIN)
    UPDATE_ACTION = (N_("update an action's status"), Role.ADMIN)

    def __init__(self, doing: str, role: Role) -> None:
        self.doing = doing
        self.role = role


# What is written under the writer's name: a demo visitor (no sign-in, cxkpi.access.demo_visitor_identity)
# has none, so may not.
WRITTEN_UNDER_A_NAME = frozenset({Permission.WRITE_NOTE, Permission.REPLY_TO_NOTE, Permission.PLAN_ACTION,
                                  Permission.UPDATE_ACTION})


class AccessDeniedError(PermissionError):
    """A guarded action refused for the signed-in person's role; the message says who may do it.
    str() is the English the audit log records; in_language() the same refusal in the bound language."""

    def __init__(self, words: Callable[[], str]) -> None:
        with i18n.use(i18n.DEFAULT_LANGUAGE):
            super().__init__(words())
        self._words = words

    def in_language(self) -> str:
        return self._words()


class AccessConfigError(ValueError):
    """access.toml cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Identity:
    user_id: str  # what the roles table and the audit log record: 'alice@example.com', 'local:alice'
    name: str  # as people read it: 'Alice Ng'
    role: Role
    source: str  # 'sign-in', 'proxy', 'this computer', 'demo visitor', 'command line'
    groups: tuple[str, ...] = ()
    role_reason: str = ""  # how the role was decided, for the Access page

    def can(self, permission: Permission) -> bool:
        return self.role.rank >= permission.role.rank

    @property
    def role_with_article(self) -> str:
        """'a viewer', 'an analyst', 'an admin' (in the bound language)."""
        return role_with_article(self.role)


@dataclass(frozen=True)
class AccessSettings:
    """access.toml: which sign-in groups give which role."""

    groups_claim: str = "groups"  # the st.user key holding the person's groups
    group_roles: Mapping[str, Role] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleGrant:
    user_id: str
    role: Role
    granted_by: str
    granted_at: datetime


# --- settings ---------------------------------------------------------------------------------------


def access_path(explicit: Path | None = None) -> Path:
    if explicit:
        return explicit
    return Path(os.environ[ACCESS_ENV]) if os.environ.get(ACCESS_ENV) else DEFAULT_ACCESS_PATH


def load_settings(path: Path | None = None) -> AccessSettings:
    """access.toml (or $CXKPI_ACCESS); no file at the default place means no group gives a role."""
    path = access_path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if path == DEFAULT_ACCESS_PATH:
            return AccessSettings()
        raise AccessConfigError(f"{path}: access settings file not found (set by ${ACCESS_ENV})") from None
    except tomllib.TOMLDecodeError as error:
        raise AccessConfigError(f"{path}: not valid TOML: {error}") from None
    unknown = set(document) - {"groups_claim", "group_roles"}
    if unknown:
        raise AccessConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; "
                                "use groups_claim and [group_roles]")
    claim = document.get("groups_claim", "groups")
    if not isinstance(claim, str) or not claim.strip():
        raise AccessConfigError(f"{path}: groups_claim must name the claim holding the groups, e.g. \"groups\"")
    roles = document.get("group_roles", {})
    if not isinstance(roles, dict):
        raise AccessConfigError(f"{path}: [group_roles] maps a group to a role, e.g. \"cx-admins\" = \"admin\"")
    group_roles = {}
    for group, role in roles.items():
        group_roles[group] = _role(role, f"{path}: group '{group}'", AccessConfigError)
    return AccessSettings(claim.strip(), group_roles)


def _role(value: object, what: str, error: type[Exception] = ValueError) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        raise error(f"{what}: '{value}' is not a role; use one of {', '.join(Role)}") from None


def parse_role(value: str) -> Role:
    return _role(value, "role")


# --- identities -------------------------------------------------------------------------------------


def groups_of(claims: Mapping[str, Any], settings: AccessSettings) -> tuple[str, ...]:
    """The person's groups: a list claim (OIDC) or a comma-separated header value (a sign-in proxy)."""
    value = claims.get(settings.groups_claim)
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(group.strip() for group in map(str, value) if group.strip())


def user_id_of(claims: Mapping[str, Any]) -> str | None:
    """The claim that names the person (email first); emails compare in lower case."""
    for claim in USER_ID_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return normalise_user_id(value)
    return None


def normalise_user_id(user_id: str) -> str:
    user_id = user_id.strip()
    return user_id.lower() if "@" in user_id else user_id


def resolve_role(
    user_id: str, groups: Iterable[str], grants: Mapping[str, Role], settings: AccessSettings
) -> tuple[Role, str]:
    """(role, how it was decided): the roles table first, then the highest group role, else viewer."""
    if user_id in grants:
        return grants[user_id], N_("given in the roles table")
    mapped = [(settings.group_roles[group], group) for group in groups if group in settings.group_roles]
    if mapped:
        role, group = max(mapped, key=lambda pair: pair[0].rank)
        return role, GROUP_REASON.format(group=group)
    return Role.VIEWER, N_("everyone else is a viewer")


def signed_in_identity(
    claims: Mapping[str, Any], source: str, grants: Mapping[str, Role], settings: AccessSettings
) -> Identity | None:
    """The identity a sign-in's claims (st.user) give, or None when they name nobody."""
    user_id = user_id_of(claims)
    if user_id is None:
        return None
    groups = groups_of(claims, settings)
    role, reason = resolve_role(user_id, groups, grants, settings)
    name = claims.get("name")
    return Identity(user_id, name.strip() if isinstance(name, str) and name.strip() else user_id,
                    role, source, groups, reason)


def local_identity() -> Identity:
    """The one person at this computer when no sign-in is configured: the admin."""
    user = _os_user()
    return Identity(f"local:{user}", f"{user} (this computer)", Role.ADMIN, "this computer",
                    role_reason=N_("no sign-in is configured, so the person at this computer is the admin"))


def demo_visitor_identity(address: str | None) -> Identity:
    """A visitor from another computer under the demo override: a viewer, never more."""
    where = address or "unknown address"
    return Identity(f"visitor@{where}", f"Visitor from {where}", Role.VIEWER, "demo visitor",
                    role_reason=DEMO_REASON.format(env=UNSAFE_NO_SIGN_IN_ENV))


def command_line_identity() -> Identity:
    """Whoever runs `python -m cxkpi` on the server can read and write the warehouse file anyway."""
    user = _os_user()
    return Identity(f"cli:{user}", f"{user} (command line)", Role.ADMIN, "command line",
                    role_reason=N_("the command line runs with the server's own access"))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return f"uid{os.getuid()}"


# --- where the app may listen -----------------------------------------------------------------------


def is_loopback(address: str | None) -> bool:
    """True for an address only this computer reaches ('127.0.0.1', '::1', 'localhost')."""
    if not address:
        return False  # Streamlit's default: every interface
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a public interface


def unsafe_override(environ: Mapping[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get(UNSAFE_NO_SIGN_IN_ENV, "") not in ("", "0")


def serving_refusal(
    address: str | None, sign_in_configured: bool, environ: Mapping[str, str] | None = None
) -> str | None:
    """Why the app must not listen on `address`, or None when it may."""
    if sign_in_configured or is_loopback(address) or unsafe_override(environ):
        return None
    where = address or "every network interface"
    return NO_SIGN_IN_MESSAGE.format(where=f"listen on {where}")


def is_local_request(remote_ip: str | None, headers: Mapping[str, str]) -> bool:
    """A browser on this computer: a loopback connection (Streamlit reports it as None) that no proxy
    forwarded, from a page whose own address is this computer's. The browser sets Origin to the address
    it shows, so a page opened through any proxy (forwarding headers or not) is not local."""
    if any(headers.get(name) for name in FORWARDING_HEADERS):
        return False
    origin = headers.get("origin")
    if origin and not is_loopback(urlsplit(origin).hostname):
        return False
    return remote_ip is None or is_loopback(remote_ip)


NO_SIGN_IN_MESSAGE = (
    "cxkpi has no sign-in configured, so it serves this computer only (127.0.0.1) and refuses to {where}.\n"
    "To serve colleagues, configure sign-in first (README, 'Sign-in and roles'):\n"
    "  - OpenID Connect (Entra ID, Okta, Google, Keycloak, ...): an [auth] section in .streamlit/secrets.toml;\n"
    "  - or a sign-in proxy (oauth2-proxy, ...): server.trustedUserHeaders in .streamlit/config.toml.\n"
    f"For a throwaway demo in which anyone who reaches the address sees the data, set {UNSAFE_NO_SIGN_IN_ENV}=1:\n"
    "visitors from other computers are then viewers."
)


# --- the roles table --------------------------------------------------------------------------------


def grants(db_path: Path) -> dict[str, Role]:
    """user id -> role, from the roles table."""
    return {grant.user_id: grant.role for grant in list_grants(db_path)}


def list_grants(db_path: Path) -> list[RoleGrant]:
    with reading(db_path) as connection:
        rows = connection.execute(
            "select user_id, role, granted_by, granted_at from user_roles order by user_id"
        ).fetchall()
    return [RoleGrant(user_id, Role(role), granted_by, granted_at) for user_id, role, granted_by, granted_at in rows]


def set_role(db_path: Path, actor: Identity, user_id: str, role: Role) -> str | None:
    """Give `user_id` this role (an admin's action); returns the role they had in the table, if any."""
    user_id = _allowed_role_change(db_path, actor, user_id)
    with writing(db_path) as connection:
        connection.begin()
        old = _granted(connection, user_id)
        connection.execute(
            "insert or replace into user_roles values ($user_id, $role, $by, $at)",
            {"user_id": user_id, "role": role.value, "by": actor.user_id, "at": utc_now()},
        )
        _append(connection, actor, "set role", user_id, "done", f"{old or 'not in the table'} → {role}")
        connection.commit()
    return old


def remove_role(db_path: Path, actor: Identity, user_id: str) -> str:
    """Take `user_id` out of the roles table (their groups, or viewer, decide again); returns the old role."""
    user_id = _allowed_role_change(db_path, actor, user_id)
    with writing(db_path) as connection:
        connection.begin()
        old = _granted(connection, user_id)
        if old is None:
            connection.rollback()
            raise ValueError(gettext("{user} is not in the roles table.", user=user_id))
        connection.execute("delete from user_roles where user_id = $user_id", {"user_id": user_id})
        _append(connection, actor, "remove role", user_id, "done", f"{old} → decided by groups")
        connection.commit()
    return old


def _allowed_role_change(db_path: Path, actor: Identity, user_id: str) -> str:
    """The person's id as the table keeps it, if `actor` may change their role."""
    user_id = normalise_user_id(user_id)
    if not user_id or any(character.isspace() for character in user_id):
        raise ValueError(gettext("Give the person's sign-in name: their email, e.g. alice@example.com."))
    require(db_path, actor, Permission.MANAGE_ROLES, subject=user_id)
    # An admin cannot demote themselves by a slip of the mouse (and leave nobody to undo it).
    if user_id == actor.user_id:
        refusal = AccessDeniedError(lambda: gettext(OWN_ROLE_REFUSED))
        record(db_path, actor, "set role", user_id, str(refusal), outcome="refused")
        raise refusal
    return user_id


def _granted(connection: duckdb.DuckDBPyConnection, user_id: str) -> str | None:
    row = connection.execute("select role from user_roles where user_id = $user_id", {"user_id": user_id}).fetchone()
    return None if row is None else row[0]


# --- the checks and the audit log -------------------------------------------------------------------


def require(
    db_path: Path, actor: Identity, permission: Permission, subject: str = "",
    people: Sequence[tuple[str, str]] = (),
) -> None:
    """Return if `actor` may do this; otherwise record the refusal and raise AccessDeniedError.
    `people` are (who, user id) who may whatever their role: ("the KPI's owner", "amara@example.com")."""
    if permission in WRITTEN_UNDER_A_NAME and actor.source == "demo visitor":
        refusal = AccessDeniedError(lambda: gettext(DEMO_VISITOR_REFUSED, doing=gettext(permission.doing)))
    elif actor.can(permission) or any(user_id and actor.user_id == normalise_user_id(user_id)
                                       for _, user_id in people):
        return
    else:
        refusal = AccessDeniedError(lambda: _only_may(actor, permission, people))
    record(db_path, actor, permission.doing, subject, str(refusal), outcome="refused")
    raise refusal


# A refusal's words: the audit log keeps them in English, a page shows them in its reader's language.
DEMO_VISITOR_REFUSED = N_("Refused: a demo visitor cannot {doing}: what is written here carries the writer's name, "
                          "and without sign-in you have none. Configure sign-in (README).")
ONLY_MAY = N_("Refused: only {who} may {doing}; you ({user}) are {role}. An admin can change your role on the Access "
              "page.")
ONLY_MAY_NAMED = N_("Refused: only {who} may {doing}; you ({user}) are {role}.")
OWN_ROLE_REFUSED = N_("You cannot change your own role: ask another admin, or use `python -m cxkpi users` on the "
                      "server.")
WHO_MAY = {Role.ADMIN: N_("admins"), Role.ANALYST: N_("analysts and admins")}
ANYONE_SIGNED_IN = N_("people who have signed in")


def _only_may(actor: Identity, permission: Permission, people: Sequence[tuple[str, str]]) -> str:
    """'Refused: only the KPI's owner (a@example.com) or admins may ...', in the bound language."""
    named = [gettext("{who} ({user})", who=gettext(who), user=user_id) for who, user_id in people if user_id]
    who = gettext(WHO_MAY.get(permission.role, ANYONE_SIGNED_IN))
    for person in reversed(named):
        who = gettext("{one} or {other}", one=person, other=who)
    return gettext(ONLY_MAY_NAMED if named else ONLY_MAY, who=who, doing=gettext(permission.doing),
                   user=actor.user_id, role=actor.role_with_article)


def record(db_path: Path, actor: Identity, action: str, subject: str, detail: str = "", outcome: str = "done") -> None:
    """Append one entry to the audit log (nothing in the app updates or deletes one)."""
    with writing(db_path) as connection:
        _append(connection, actor, action, subject, outcome, detail)


def append(connection: duckdb.DuckDBPyConnection, actor: Identity, action: str, subject: str, detail: str) -> None:
    """Audit a change inside the caller's own transaction, so the change and its record commit together."""
    _append(connection, actor, action, subject, "done", detail)


def _append(connection: duckdb.DuckDBPyConnection, actor: Identity, action: str, subject: str, outcome: str,
            detail: str) -> None:
    connection.execute(
        "insert into audit_log values ($at, $actor, $role, $action, $subject, $outcome, $detail)",
        {"at": utc_now(), "actor": actor.user_id, "role": actor.role.value, "action": action, "subject": subject,
         "outcome": outcome, "detail": detail},
    )


def audit_log(db_path: Path, limit: int = 1000) -> pd.DataFrame:
    """The newest entries first."""
    with reading(db_path) as connection:
        return connection.execute(
            "select * from audit_log order by recorded_at desc, rowid desc limit $limit", {"limit": limit}
        ).df()


def utc_now() -> datetime:
    """UTC, without tzinfo: the warehouse stores naive UTC timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)

"""The rules of cxkpi.access: who is who, which role they get, where the app may listen without sign-in,
the roles table with `python -m cxkpi users`, and an audit log the app only ever appends to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxkpi import access, i18n
from cxkpi.access import AccessConfigError, AccessDeniedError, AccessSettings, Permission, Role
from tests.support import PROJECT_ROOT, cxkpi, person, rows

GROUPS = AccessSettings("groups", {"cx-analysts": Role.ANALYST, "cx-admins": Role.ADMIN})


def test_a_person_is_named_by_their_email_in_lower_case_else_another_claim():
    assert access.user_id_of({"email": " Alice.Ng@Example.COM ", "sub": "abc"}) == "alice.ng@example.com"
    assert access.user_id_of({"preferred_username": "ANG@corp.example", "sub": "abc"}) == "ang@corp.example"
    assert access.user_id_of({"sub": "00u1AbC"}) == "00u1AbC"  # an opaque id keeps its case
    assert access.user_id_of({"email": None, "name": "Alice"}) is None  # a name names nobody for sure


def test_groups_come_as_a_list_claim_or_a_comma_separated_header():
    assert access.groups_of({"groups": ["cx-admins", "staff"]}, GROUPS) == ("cx-admins", "staff")
    assert access.groups_of({"groups": "staff, cx-analysts ,"}, GROUPS) == ("staff", "cx-analysts")
    assert access.groups_of({"roles": ["cx-admins"]}, AccessSettings("roles", {})) == ("cx-admins",)
    assert access.groups_of({}, GROUPS) == ()


def test_the_roles_table_wins_then_the_highest_group_then_viewer():
    grants = {"ann@example.com": Role.VIEWER}
    assert access.resolve_role("ann@example.com", ["cx-admins"], grants, GROUPS) == (
        Role.VIEWER, "given in the roles table")  # an admin can demote one person whatever their groups
    assert access.resolve_role("bo@example.com", ["cx-analysts", "cx-admins"], grants, GROUPS) == (
        Role.ADMIN, "from the group 'cx-admins'")
    assert access.resolve_role("cy@example.com", ["staff"], grants, GROUPS) == (
        Role.VIEWER, "everyone else is a viewer")


@pytest.mark.parametrize(("role", "allowed"), [
    ("viewer", {Permission.REPLY_TO_NOTE}),
    ("analyst", {Permission.UPLOAD, Permission.LOAD_INBOX, Permission.SHARE_VIEW, Permission.REPLY_TO_NOTE}),
    ("admin", set(Permission)),
])
def test_each_role_has_the_permissions_of_the_one_below_and_more(role, allowed):
    assert {permission for permission in Permission if person(role).can(permission)} == allowed


def test_access_settings_map_groups_to_roles_and_refuse_what_cannot_be_used(tmp_path: Path):
    path = tmp_path / "access.toml"
    path.write_text('groups_claim = "roles"\n[group_roles]\n"CX Admins" = "Admin"\n', encoding="utf-8")
    assert access.load_settings(path) == AccessSettings("roles", {"CX Admins": Role.ADMIN})
    path.write_text('[group_roles]\n"cx" = "owner"\n', encoding="utf-8")
    with pytest.raises(AccessConfigError, match="group 'cx': 'owner' is not a role; use one of viewer, analyst, admin"):
        access.load_settings(path)
    path.write_text('group_role = {}\n', encoding="utf-8")
    with pytest.raises(AccessConfigError, match="unknown setting"):
        access.load_settings(path)
    with pytest.raises(AccessConfigError, match="not found"):
        access.load_settings(tmp_path / "missing.toml")


def test_the_shipped_project_maps_no_group_so_sign_in_alone_makes_viewers():
    assert not (PROJECT_ROOT / "access.toml").exists()
    assert access.load_settings(access.DEFAULT_ACCESS_PATH) == AccessSettings()


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("", False), (None, False), ("192.0.2.7", False), ("app.example.com", False),
])
def test_only_loopback_addresses_count_as_this_computer(address, loopback):
    assert access.is_loopback(address) == loopback


def test_without_sign_in_the_app_may_listen_on_loopback_only_unless_the_demo_override_is_set():
    refusal = access.serving_refusal("0.0.0.0", sign_in_configured=False, environ={})
    assert refusal is not None and "refuses to listen on 0.0.0.0" in refusal
    assert "[auth] section in .streamlit/secrets.toml" in refusal and "server.trustedUserHeaders" in refusal
    assert "CXKPI_UNSAFE_NO_SIGN_IN=1" in refusal
    assert access.serving_refusal(None, False, {}) is not None  # Streamlit's default: every interface
    assert access.serving_refusal("127.0.0.1", False, {}) is None
    assert access.serving_refusal("0.0.0.0", True, {}) is None
    assert access.serving_refusal("0.0.0.0", False, {access.UNSAFE_NO_SIGN_IN_ENV: "1"}) is None
    assert access.serving_refusal("0.0.0.0", False, {access.UNSAFE_NO_SIGN_IN_ENV: "0"}) is not None


def test_a_request_is_from_this_computer_only_over_loopback_from_a_local_page_and_not_forwarded():
    assert access.is_local_request(None, {})
    assert access.is_local_request("127.0.0.1", {})
    assert not access.is_local_request("192.0.2.7", {})
    # A proxy on this computer forwarding a colleague's request: not the local user.
    assert not access.is_local_request(None, {"x-forwarded-for": "192.0.2.7"})
    assert not access.is_local_request(None, {"forwarded": "for=192.0.2.7"})
    # A proxy that adds no such header still serves a page whose address is not this computer's.
    assert not access.is_local_request(None, {"origin": "https://cx.example.com"})
    assert access.is_local_request(None, {"origin": "http://localhost:8501"})
    assert access.is_local_request(None, {"origin": "http://127.0.0.1:8501"})


def test_without_sign_in_the_local_user_is_the_admin_and_a_demo_visitor_a_viewer():
    assert access.local_identity().role == Role.ADMIN
    assert access.local_identity().user_id.startswith("local:")
    visitor = access.demo_visitor_identity("192.0.2.7")
    assert (visitor.user_id, visitor.role) == ("visitor@192.0.2.7", Role.VIEWER)


def test_roles_are_given_and_taken_by_admins_only_and_each_change_is_audited(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    admin = person("admin")
    assert access.set_role(db, admin, " Nadia@Example.com ", Role.ANALYST) is None
    assert access.set_role(db, admin, "nadia@example.com", Role.ADMIN) == "analyst"
    with pytest.raises(AccessDeniedError, match="only admins may change who has which role"):
        access.set_role(db, person("analyst"), "nadia@example.com", Role.VIEWER)
    with pytest.raises(AccessDeniedError, match="You cannot change your own role"):
        access.remove_role(db, person("admin", "nadia@example.com"), "nadia@example.com")
    with pytest.raises(ValueError, match="their email"):
        access.set_role(db, admin, "Nadia Example", Role.VIEWER)
    assert access.remove_role(db, admin, "nadia@example.com") == "admin"
    with pytest.raises(ValueError, match="not in the roles table"):
        access.remove_role(db, admin, "nadia@example.com")
    assert access.grants(db) == {}
    assert rows(db, "select actor, action, subject, outcome, detail from audit_log order by recorded_at") == [
        ("admin@example.com", "set role", "nadia@example.com", "done", "not in the table → analyst"),
        ("admin@example.com", "set role", "nadia@example.com", "done", "analyst → admin"),
        ("analyst@example.com", "change who has which role", "nadia@example.com", "refused",
         "Refused: only admins may change who has which role; you (analyst@example.com) are an analyst. "
         "An admin can change your role on the Access page."),
        ("nadia@example.com", "set role", "nadia@example.com", "refused",
         "You cannot change your own role: ask another admin, or use `python -m cxkpi users` on the server."),
        ("admin@example.com", "remove role", "nadia@example.com", "done", "admin → decided by groups"),
    ]


def test_the_users_command_lists_sets_and_removes_roles(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    assert cxkpi("users", "list", "--db", db).stdout.splitlines()[0] == "the roles table is empty"
    given = cxkpi("users", "set", "Alice@Example.com", "admin", "--db", db)
    assert (given.returncode, given.stdout) == (0, "alice@example.com: not in the table → admin\n")
    listed = cxkpi("users", "list", "--db", db).stdout
    assert re.match(r"alice@example.com\s+admin\s+given by cli:\S+ on \d{4}-\d\d-\d\d \d\d:\d\d\n", listed)
    refused = cxkpi("users", "set", "bob@example.com", "boss", "--db", db)
    assert (refused.returncode, refused.stderr) == (2, "error: role: 'boss' is not a role; use one of viewer, analyst, "
                                                       "admin\n")
    removed = cxkpi("users", "remove", "alice@example.com", "--db", db)
    assert removed.stdout == "alice@example.com: admin → decided by their groups (viewer without one)\n"
    assert cxkpi("users", "remove", "alice@example.com", "--db", db).returncode == 2
    assert [actor.startswith("cli:") for (actor,) in rows(db, "select actor from audit_log")] == [True, True]


def test_nothing_in_the_app_or_the_package_updates_or_deletes_an_audit_record():
    """Append-only from the app: the only statements naming the audit tables, and the owners' notes,
    actions, alert states and outbox (where nothing is deleted), insert into them (and rebuild copies them
    whole)."""
    statements = []
    for source in [*PROJECT_ROOT.glob("cxkpi/*.py"), *PROJECT_ROOT.glob("ui/*.py"), *PROJECT_ROOT.glob("pages/*.py")]:
        text = source.read_text(encoding="utf-8")
        statements += [(source.name, match) for match in
                       re.findall(r"(?i)\b(update|delete\s+from|truncate|drop\s+table|insert\s+or\s+replace\s+into)"
                                  r"\s+(?:rebuilt\.)?(\{table\}|audit_log|kpi_changes|kpi_notes|kpi_actions|kpi_action_updates|"
                                  r"alert_states|outbox_messages|outbox_attempts)\b", text)]
    assert statements == []


def test_the_access_settings_the_override_and_the_serving_options_are_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for documented in ("access.toml", access.ACCESS_ENV, "groups_claim", "[group_roles]", access.UNSAFE_NO_SIGN_IN_ENV,
                       "trustedUserHeaders", "[auth]", "cookie_secret", "redirect_uri", "server_metadata_url",
                       "make run ADDRESS=", "python serve.py", "## Production", *(f"| {role} |" for role in Role)):
        assert documented in readme, documented


def test_a_role_change_given_no_sign_in_name_is_refused_in_persian(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    with i18n.use("fa"):
        with pytest.raises(ValueError) as no_name:
            access.set_role(db, person("admin"), "Nadia Example", Role.VIEWER)
        with pytest.raises(ValueError) as not_given:
            access.remove_role(db, person("admin"), "nadia@example.com")
    assert str(no_name.value) == "نام ورود آن شخص را بدهید: ایمیلش، مثلاً alice@example.com."
    assert str(not_given.value) == "nadia@example.com در جدول نقش‌ها نیست."

"""The Owners page: each owner with their KPIs and status, the change form and the audit trail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxkpi import ownership
from cxkpi.access import Permission, role_with_article
from cxkpi.follow_up import FollowUp, actions_line
from cxkpi.i18n import gettext, ngettext
from cxkpi.kpis import KpiReport
from cxkpi.registry import Owner
from cxkpi.status import Status
from ui import data, follow_up, identity, sidebar
from ui import formatting as fmt

SAVED_KEY = "owner_change_saved"  # the confirmation of a saved change, shown once after the rerun


def render() -> None:
    page = sidebar.render("Owners")
    st.title(gettext("Owners"))
    st.markdown(gettext("Every KPI has exactly one accountable owner. Status for **{period}** · {filters}.",
                        period=fmt.period(page.period), filters=fmt.filters(page.filters)))
    reports = data.overview(page.db_path, page.kpis, page.period, page.filters)
    _owners_table(reports, data.follow_ups(page.db_path, page.kpis, page.period))
    follow_up.owners_section(page)
    with st.container(border=True, key="owner-change"):
        _change_form(page)
    st.subheader(gettext("Changes"), anchor=False)
    history = data.ownership_history(page.db_path)
    if history.empty:
        st.caption(gettext("No owner or target has been changed in the app yet; metrics.toml defines them all."))
    else:
        titles = {kpi.id: kpi.title for kpi in page.kpis}
        shown = history.assign(kpi=[titles.get(kpi_id, kpi_id) for kpi_id in history["kpi_id"]])
        st.dataframe(
            shown[["changed_at", "changed_by", "kpi", "field", "old_value", "new_value", "applies_from"]],
            hide_index=True, placeholder=fmt.EMPTY, width="stretch",
            column_config={"changed_at": st.column_config.DatetimeColumn(gettext("When"), format="D MMM YYYY, HH:mm"),
                           "changed_by": gettext("Who"), "kpi": gettext("KPI"), "field": gettext("What"),
                           "old_value": gettext("From"), "new_value": gettext("To"),
                           "applies_from": st.column_config.DateColumn(gettext("Target applies from"),
                                                                       format="D MMM YYYY")},
        )


def _owners_table(reports: list[KpiReport], follow_ups: dict[str, FollowUp]) -> None:
    rows = []
    for report in sorted(reports, key=lambda report: (report.kpi.owner.name, report.kpi.title)):
        off_for = report.months_off_target if report.status != Status.ON_TARGET else 0
        rows.append({
            gettext("Owner"): report.kpi.owner.name,
            gettext("Role"): report.kpi.owner.role,
            gettext("KPI"): report.kpi.title,
            # A slow KPI is shown for its latest matured period (its card says so): this says which.
            gettext("Value"): fmt.value(report.kpi, report.current.value)
            + (f" ({fmt.period_name(report.period)})" if report.moved_from else ""),
            gettext("Target"): fmt.target(report.kpi),
            gettext("Status"): fmt.status_reading(report),
            gettext("Off target for"): ngettext("{n} month", "{n} months", off_for) if off_for else fmt.EMPTY,
            gettext("Actions"): actions_line(follow_ups.get(report.kpi.id) or FollowUp()) or fmt.EMPTY,
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=fmt.EMPTY, width="stretch", key="owners-table")


def _change_form(page: sidebar.PageContext) -> None:
    st.markdown(gettext("**Reassign an owner or change a target**"))
    may_change = page.identity.can(Permission.CHANGE_OWNER) and page.identity.can(Permission.CHANGE_TARGET)
    if may_change:
        st.caption(gettext("Recorded in the audit trail as {user}.", user=fmt.markdown_code(page.identity.user_id)))
    else:  # the form stays usable: ownership.change refuses a change by a non-admin, and audits the attempt
        st.caption(gettext("Only admins reassign owners and change targets; you are {role}.",
                           role=role_with_article(page.identity.role)))
    by_title = {kpi.title: kpi for kpi in page.kpis}
    # Outside the form, so the fields below follow the chosen KPI at once.
    kpi = by_title[st.selectbox(gettext("KPI"), list(by_title), key="change_kpi")]
    with st.form("change-owner", clear_on_submit=False, border=False):
        left, middle, right = st.columns(3)
        # Keys per KPI: each KPI's fields start from its own current owner and target.
        name = left.text_input(gettext("Owner's name"), value=kpi.owner.name, key=f"change_owner_name_{kpi.id}")
        role = middle.text_input(gettext("Owner's role"), value=kpi.owner.role, key=f"change_owner_role_{kpi.id}")
        email = right.text_input(gettext("Owner's email"), value=kpi.owner.email, key=f"change_owner_email_{kpi.id}",
                                 help=gettext("How they sign in to write the KPI's notes and actions, and where "
                                              "its alerts and weekly digest go"))
        target = left.number_input(gettext("Target ({unit})", unit=kpi.unit_name()), value=float(kpi.target),
                                   key=f"change_target_{kpi.id}")
        # A target starts on a day: the old one stays in force before it, so the past is judged as it was.
        starts = middle.date_input(gettext("Target applies from"), value=data.load_settings().today(),
                                   key=f"change_target_from_{kpi.id}",
                                   format="YYYY-MM-DD",
                                   help=gettext("Periods ending before this day keep the target they had"))
        submitted = st.form_submit_button(gettext("Save change"), icon=":material/save:", key="change_save")
    saved = st.session_state.pop(SAVED_KEY, None)
    if saved:
        st.success(fmt.markdown_literal(saved), icon=":material/check:")  # names as typed
    if not submitted:
        return
    try:
        changes = ownership.change(page.db_path, kpi, identity.current(), owner=Owner(name, role, email),
                                   target=target, target_from=starts)
    except identity.AccessDeniedError as error:
        identity.refusal(error)
        return
    except ownership.OwnershipError as error:
        st.error(fmt.markdown_literal(str(error)), icon=":material/error:")  # quotes a KPI title
        return
    if changes:
        # Said on the rerun, which draws the owners table above (and the sidebar's pages) with the change.
        st.session_state[SAVED_KEY] = gettext("Saved: ") + gettext("; ").join(
            gettext("target {old} → {new} from {day}", old=old, new=new, day=fmt.day(starts)) if field == "target"
            else gettext("owner {old} → {new}", old=old, new=new)
            for field, old, new in changes)
        st.rerun()
    else:
        st.info(gettext("Nothing changed: the owner and target are already these."), icon=":material/info:")

"""The detail lines a KPI's card shows in its details, by name: a KPI's registry entry names them
(details = ["nps_mix"] in metrics.toml; cxkpi.registry.DETAIL_LINES lists the names, a test holds this
map to it). Each reads the KPI-specific columns its SQL returns and gives HTML (its marks from
ui.formatting). No Streamlit here, so it is easy to test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cxkpi.i18n import N_plural, active, gettext, ngettext
from ui.formatting import alert, plural

OUTSIDE_RECOVERY_SHARE = 70.0  # "about 7 of 10 complaining customers buy again if helped quickly" (weakly sourced)


def _count(details: dict[str, Any], key: str) -> int:
    return int(details.get(key) or 0)


def top_box(details: dict[str, Any]) -> str:
    """Which answers a top-box KPI counted (its query's top_points and scales): "4 or 5 out of 5",
    "9 or 10 out of 10", or "the top 2 points of each scale: 1-5, 1-10" when exports on different
    scales meet."""
    points, scales = int(details.get("top_points") or 0), str(details.get("scales") or "")
    if not points or not scales:
        return ""
    tr = active()
    if "," in scales:
        return " " + tr.ngettext("(the top {n} point of each scale: {scales})",
                                 "(the top {n} points of each scale: {scales})", points, scales=tr.digits(scales))
    high = int(scales.split("-")[1])
    answers = [tr.integer(value) for value in range(high - points + 1, high + 1)]
    listed = answers[0] if len(answers) == 1 else tr.gettext("{first} or {last}", first=tr.gettext(", ").join(
        answers[:-1]), last=answers[-1])
    return " " + tr.gettext("({answers} out of {high})", answers=listed, high=tr.integer(high))


def nps_details(details: dict[str, Any]) -> str:
    return " · ".join(
        plural(int(details[key]), singular, plural_form) for key, singular, plural_form in
        (("promoters", *N_plural("{n} promoter", "{n} promoters")),
         ("passives", *N_plural("{n} passive", "{n} passives")),
         ("detractors", *N_plural("{n} detractor", "{n} detractors")))
    )


def response_details(details: dict[str, Any]) -> str:
    p90 = details.get("p90_hours")
    awaiting = int(details["awaiting_response"] or 0)
    tr = active()
    hours, colon, no_data = tr.gettext("h"), tr.gettext(": "), tr.gettext("no data")
    p90_text = f"p90 {tr.number(p90)} {hours}" if p90 is not None else f"p90{colon}{no_data}"
    awaiting_text = ngettext("{n} awaiting a first response", "{n} awaiting a first response", awaiting)
    # Unanswered complaints are the urgent part: make them stand out when there are any.
    return f"{p90_text} · " + (alert(awaiting_text) if awaiting else awaiting_text)


def repeat_details(details: dict[str, Any]) -> str:
    return ngettext("{n} repeat buyer (2+ orders)", "{n} repeat buyers (2+ orders)", int(details["repeat_customers"]))


def trust_details(details: dict[str, Any]) -> str:
    trusting = plural(int(details["trusting"]), "{n} trusting answer", "{n} trusting answers")
    return f"{trusting}{top_box(details)}"


def csat_details(details: dict[str, Any]) -> str:
    return plural(_count(details, "satisfied"), "{n} satisfied answer", "{n} satisfied answers") + top_box(details)


def complaint_rate_details(details: dict[str, Any]) -> str:
    return plural(_count(details, "complaints"), "{n} complaint raised in the period",
                  "{n} complaints raised in the period")


def sla_details(details: dict[str, Any]) -> str:
    text = plural(_count(details, "within_sla"), "{n} resolved in time", "{n} resolved in time") + " · "
    breached = _count(details, "breached")
    breaches = ngettext("{n} breached", "{n} breached", breached)
    text += alert(breaches) if breached else breaches
    pending = _count(details, "pending")
    if pending:
        text += " · " + ngettext("{n} open but still inside the SLA (not counted yet)",
                                 "{n} open but still inside the SLA (not counted yet)", pending)
    unknown = _count(details, "resolved_time_unknown")
    if unknown:
        text += " · " + ngettext(
            "{n} resolved, time unknown (not counted: the export gives no resolution time)",
            "{n} resolved, time unknown (not counted: the export gives no resolution time)", unknown)
    return text


def cohort_details(details: dict[str, Any]) -> str:
    text = plural(_count(details, "repeat_customers"), "{n} came back within 90 days", "{n} came back within 90 days")
    immature = _count(details, "immature_customers")
    if immature:
        # The number is not final while part of the cohort can still come back: say so where it is read.
        not_final = plural(immature, "not final: {n} new customer not yet 90 days old",
                           "not final: {n} new customers not yet 90 days old")
        text += " · " + alert(not_final) + " " + gettext("(left out until they are)")
    return text


def recovery_details(details: dict[str, Any]) -> str:
    fast, late = details.get("fast_repeat_rate"), details.get("late_repeat_rate")
    tr = active()
    fast_text = tr.percent(fast) if fast is not None else tr.gettext("no data")
    late_text = tr.percent(late) if late is not None else tr.gettext("no data")
    text = tr.gettext(
        "bought again: {fast} answered in time (n = {fast_n}) vs {late} answered late (n = {late_n})",
        fast=fast_text, fast_n=tr.integer(_count(details, "fast_customers")), late=late_text,
        late_n=tr.integer(_count(details, "late_customers")))
    immature = _count(details, "immature_customers")
    if immature:
        text += " · " + plural(immature, "{n} complainant too recent to count", "{n} complainants too recent to count")
    return text


DETAIL_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "nps_mix": nps_details,
    "response_time_tail": response_details,
    "repeat_buyers": repeat_details,
    "trusting_answers": trust_details,
    "satisfied_answers": csat_details,
    "complaints_raised": complaint_rate_details,
    "sla_outcomes": sla_details,
    "cohort_return": cohort_details,
    "recovery_groups": recovery_details,
}

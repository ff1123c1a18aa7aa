"""The detail lines a KPI's card shows in its details, by name: a KPI's registry entry names them
(details = ["nps_mix"] in metrics.toml; cxkpi.registry.DETAIL_LINES lists the names, a test holds this
map to it). Each reads the KPI-specific columns its SQL returns and gives HTML (its marks from
ui.formatting). No Streamlit here, so it is easy to test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    if "," in scales:
        return f" (the top {points} points of each scale: {scales})"
    high = int(scales.split("-")[1])
    answers = [str(value) for value in range(high - points + 1, high + 1)]
    listed = answers[0] if len(answers) == 1 else f"{', '.join(answers[:-1])} or {answers[-1]}"
    return f" ({listed} out of {high})"


def nps_details(details: dict[str, Any]) -> str:
    return " · ".join(
        plural(int(details[key]), noun) for key, noun in
        (("promoters", "promoter"), ("passives", "passive"), ("detractors", "detractor"))
    )


def response_details(details: dict[str, Any]) -> str:
    p90 = details.get("p90_hours")
    awaiting = int(details["awaiting_response"] or 0)
    p90_text = f"p90 {p90:,.1f} h" if p90 is not None else "p90: no data"
    awaiting_text = f"{awaiting:,} awaiting a first response"
    # Unanswered complaints are the urgent part: make them stand out when there are any.
    return f"{p90_text} · " + (alert(awaiting_text) if awaiting else awaiting_text)


def repeat_details(details: dict[str, Any]) -> str:
    return f"{plural(int(details['repeat_customers']), 'repeat buyer')} (2+ orders)"


def trust_details(details: dict[str, Any]) -> str:
    return f"{plural(int(details['trusting']), 'trusting answer')}{top_box(details)}"


def csat_details(details: dict[str, Any]) -> str:
    return f"{plural(_count(details, 'satisfied'), 'satisfied answer')}{top_box(details)}"


def complaint_rate_details(details: dict[str, Any]) -> str:
    return f"{plural(_count(details, 'complaints'), 'complaint')} raised in the period"


def sla_details(details: dict[str, Any]) -> str:
    text = f"{plural(_count(details, 'within_sla'), 'resolved in time', 'resolved in time')} · "
    breached = _count(details, "breached")
    text += alert(f"{breached:,} breached") if breached else "0 breached"
    pending = _count(details, "pending")
    if pending:
        text += f" · {pending:,} open but still inside the SLA (not counted yet)"
    unknown = _count(details, "resolved_time_unknown")
    if unknown:
        text += f" · {unknown:,} resolved, time unknown (not counted: the export gives no resolution time)"
    return text


def cohort_details(details: dict[str, Any]) -> str:
    text = f"{plural(_count(details, 'repeat_customers'), 'came back', 'came back')} within 90 days"
    immature = _count(details, "immature_customers")
    if immature:
        # The number is not final while part of the cohort can still come back: say so where it is read.
        not_final = f"not final: {plural(immature, 'new customer')} not yet 90 days old"
        text += f" · {alert(not_final)} (left out until they are)"
    return text


def recovery_details(details: dict[str, Any]) -> str:
    fast, late = details.get("fast_repeat_rate"), details.get("late_repeat_rate")
    fast_text = f"{fast:.1f}%" if fast is not None else "no data"
    late_text = f"{late:.1f}%" if late is not None else "no data"
    text = (
        f"bought again: {fast_text} answered in time (n = {_count(details, 'fast_customers'):,}) "
        f"vs {late_text} answered late (n = {_count(details, 'late_customers'):,})"
    )
    immature = _count(details, "immature_customers")
    if immature:
        text += f" · {plural(immature, 'complainant')} too recent to count"
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

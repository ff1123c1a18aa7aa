"""The KPIs added for issue 4 (CSAT, complaint rate, resolution within SLA, 90-day cohort repeat rate,
recovery effect) on hand-checked data, expected values worked out by hand in each docstring.

Two datasets, neither changed by these tests:
- tests/golden/ (shared with test_kpis.py), period Q2 2026 = 2026-04-01..2026-06-30. Its complaints
  snapshot (latest timestamp in the complaints table) is K6's first response, 2026-07-01 02:00; its
  latest order is O8, 2026-08-01 10:00.
- tests/golden_more/ (this file's own), March 2026. Complaints snapshot: KF resolved 2026-03-10 12:00;
  latest order: OE 2026-03-12 00:00. Complaint hours to resolution: KA 2, KB 3, KC open 3 h old,
  KD 5, KE open 8 h old, KF 10 (the Kaplan-Meier example of kpi_reference.md 3.4).
  First responses: KA 0.5 h, KB 1 h, KC none, KD 4.5 h, KE 1 h, KF 1 h.
"""

from datetime import date

import pytest

from cxkpi import kpis
from cxkpi.kpis import Filters
from cxkpi.periods import Period
from cxkpi.registry import load_registry
from cxkpi.warehouse import reading
from tests.support import Q2, SHIPPED_PARAMETERS, build_warehouse

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
SERVICE_AND_LOYALTY_KPIS = (
    "csat", "complaint_rate", "complaints_resolved_within_sla", "cohort_repeat_90d", "recovery_effect")


def measure(connection, kpi_id, period=Q2, settings=None, **filters):
    if settings is None:
        settings = {kpi.id: kpi.parameters for kpi in load_registry()}[kpi_id]
    return kpis.measure(
        connection, kpi_id, period, Filters(**{k: tuple(v) for k, v in filters.items()}), tuple(settings)
    )


# --- the registry --------------------------------------------------------------------------------

def test_every_service_and_loyalty_kpi_has_one_owner_a_target_and_the_documented_parameters(registry):
    for kpi_id in SERVICE_AND_LOYALTY_KPIS:
        kpi = registry[kpi_id]
        assert kpi.owner.name and kpi.owner.role and kpi.target is not None
    assert registry["complaint_rate"].direction == "lower"
    assert dict(registry["complaints_resolved_within_sla"].parameters) == {"resolution_sla_hours": 72.0}
    assert dict(registry["cohort_repeat_90d"].parameters) == {"window_days": 90.0}
    assert dict(registry["recovery_effect"].parameters) == {"sla_hours": 24.0, "window_days": 90.0}


# --- CSAT ----------------------------------------------------------------------------------------

def test_csat_is_the_share_of_4_and_5(golden):
    """CSAT scores in Q2: R1=5, R3=4, R4=2, R5=1, R7=4, R8=5 (R2 left it empty; R0 is in March,
    R6 in July). 4 of 6 score 4-5 -> 66.67%."""
    result = measure(golden, "csat")
    assert result.n == 6
    assert result.value == pytest.approx(400 / 6)
    assert result.details["satisfied"] == 4


def test_csat_by_channel_and_an_empty_period(golden):
    """Web: R1=5, R3=4, R5=1, R7=4, R8=5 -> 4/5 = 80%. Store: R4=2 -> 0% (n=1, a real 0).
    App: R2 has no csat_score -> no row at all. 2030 has no answers -> None, never 0."""
    frame = kpis.run_kpi_query(golden, "csat", Q2, breakdown="channel", settings=SHIPPED_PARAMETERS["csat"])
    assert {row.slice: (row.value, row.n) for row in frame.itertuples()} == {"store": (0.0, 1), "web": (80.0, 5)}
    assert (measure(golden, "csat", Period(date(2030, 1, 1), date(2030, 3, 31))).value,) == (None,)


# --- complaint rate ------------------------------------------------------------------------------

def test_complaint_rate_is_complaints_per_1000_non_cancelled_orders(golden):
    """Complaints created in Q2: K1, K2, K3, K4, K5 = 5 (K7 on 31 March, K6 on 1 July).
    Non-cancelled orders placed in Q2: O3, O5, O2, O7, O4 (23:00 on 30 June) = 5 (O6 cancelled).
    1000 * 5 / 5 = 1000 per 1,000 orders; n = 5 orders."""
    result = measure(golden, "complaint_rate")
    assert (result.value, result.n, result.details["complaints"]) == (1000.0, 5, 5)


def test_complaint_rate_without_orders_has_no_value_even_with_complaints(golden):
    """Phone: K1 and K5 were raised by phone, but no order was placed by phone -> n = 0, no rate.
    Web: complaints K2, K3; orders O2, O5 -> 1000. App: K4; O7, O4 -> 500. Store: no complaint;
    O3 -> 0 (n = 1: a real zero)."""
    frame = kpis.run_kpi_query(golden, "complaint_rate", Q2, breakdown="channel")
    rows = {row.slice: (None if row.value != row.value else row.value, row.n, row.complaints)
            for row in frame.itertuples()}
    assert rows == {"app": (500.0, 2, 1), "phone": (None, 0, 2), "store": (0.0, 1, 0), "web": (1000.0, 2, 2)}
    phone = measure(golden, "complaint_rate", channel=["phone"])
    assert (phone.value, phone.n, phone.details["complaints"]) == (None, 0, 2)


def test_complaint_rate_monthly(golden):
    """April: K1, K2 / O3, O5 -> 1000. May: K3, K4 / O2, O7 -> 1000. June: K5 / O4 -> 1000."""
    frame = kpis.run_kpi_query(golden, "complaint_rate", Q2, grain="month")
    assert [(str(r.bucket_start.date()), r.value, r.n, r.complaints) for r in frame.itertuples()] == [
        ("2026-04-01", 1000.0, 2, 2), ("2026-05-01", 1000.0, 2, 2), ("2026-06-01", 1000.0, 1, 1),
    ]


def test_complaint_rate_segment_filter_goes_through_the_customer(golden):
    """Enterprise customers C2, C5: complaints K2 (C2); orders O3, O4 (C2) -> 1000 * 1 / 2 = 500."""
    result = measure(golden, "complaint_rate", segment=["Enterprise"])
    assert (result.value, result.n) == (500.0, 2)


# --- complaints resolved within SLA --------------------------------------------------------------

def test_resolution_sla_counts_open_complaints_past_the_sla_as_breaches(golden):
    """SLA 72 h. K1 resolved in 24 h, K2 in 24 h, K4 in exactly 72 h (<= counts) -> within.
    K3 (raised 1 May) and K5 (raised 20 June) are still open and older than 72 h at the snapshot
    (1 July 02:00) -> breached. 3 / 5 = 60%."""
    result = measure(golden, "complaints_resolved_within_sla")
    assert (result.value, result.n) == (60.0, 5)
    assert (result.details["within_sla"], result.details["breached"], result.details["pending"]) == (3, 2, 0)


def test_resolution_sla_takes_its_hours_from_the_parameter(golden):
    """With a 24 h SLA: K1, K2 (24 h) within; K4 (72 h), K3, K5 breached -> 2 / 5 = 40%."""
    result = measure(golden, "complaints_resolved_within_sla", settings=(("resolution_sla_hours", 24.0),))
    assert (result.value, result.n) == (40.0, 5)


def test_an_open_complaint_still_inside_the_sla_is_pending_not_a_breach_nor_a_success(golden):
    """On 1 July the only complaint is K6 (raised 01:00, open), 1 h old at the snapshot -> pending:
    n = 0, so no value (not 0% and not 100%)."""
    result = measure(golden, "complaints_resolved_within_sla", Period(date(2026, 7, 1), date(2026, 7, 1)))
    assert (result.value, result.n, result.details["pending"]) == (None, 0, 1)


def test_resolution_sla_on_the_second_dataset(more):
    """SLA 4 h, March: KA 2 h, KB 3 h within; KD 5 h, KF 10 h breached; KE open 8 h > 4 -> breached;
    KC open 3 h <= 4 -> pending. 2 / 5 = 40%. With 72 h: KA, KB, KD, KF within; KC, KE pending -> 4/4."""
    four = measure(more, "complaints_resolved_within_sla", MARCH, settings=(("resolution_sla_hours", 4.0),))
    assert (four.value, four.n) == (40.0, 5)
    assert (four.details["within_sla"], four.details["breached"], four.details["pending"]) == (2, 3, 1)
    default = measure(more, "complaints_resolved_within_sla", MARCH)
    assert (default.value, default.n, default.details["pending"]) == (100.0, 4, 2)


# --- 90-day repeat rate by first-order cohort ----------------------------------------------------

def test_cohort_repeat_counts_only_customers_whose_90_days_have_passed(golden):
    """First-ever non-cancelled orders in Q2: C2 (O3, 10 Apr), C3 (O5, 15 Apr), C4 (O7, 20 May).
    C1's first order is O1 in January, so C1 is not in the cohort. Latest order: O8, 1 Aug 10:00.
    C2: 10 Apr + 90 d = 9 Jul <= 1 Aug -> mature; second order O4 on 30 Jun -> came back.
    C3: 15 Apr + 90 d = 14 Jul -> mature; no other order (O6 cancelled) -> did not.
    C4: 20 May + 90 d = 18 Aug > 1 Aug -> immature: left out, even though O8 came on 1 Aug.
    1 / 2 = 50%, n = 2, 1 immature."""
    result = measure(golden, "cohort_repeat_90d")
    assert (result.value, result.n) == (50.0, 2)
    assert (result.details["repeat_customers"], result.details["immature_customers"]) == (1, 1)


def test_cohort_repeat_a_second_order_after_90_days_does_not_count(golden):
    """Q1 2026: C1's first order O1 (20 Jan 10:00); 90 days end 20 Apr 10:00; O2 on 5 May is later
    -> 0 of 1 = 0% (mature, so a real 0). C5's O10 (31 Mar) is cancelled, so C5 is not in Q1."""
    result = measure(golden, "cohort_repeat_90d", Period(date(2026, 1, 1), date(2026, 3, 31)))
    assert (result.value, result.n, result.details["immature_customers"]) == (0.0, 1, 0)


def test_an_entirely_immature_cohort_is_not_reported(golden):
    """Q3 2026: C5's first non-cancelled order is O9 on 1 Jul; 90 days have not passed by 1 Aug
    -> n = 0, no value (not 0%), 1 immature customer."""
    result = measure(golden, "cohort_repeat_90d", Period(date(2026, 7, 1), date(2026, 9, 30)))
    assert (result.value, result.n, result.details["immature_customers"]) == (None, 0, 1)


def test_cohort_repeat_channel_is_where_the_customer_was_won(golden):
    """Store: C2's first order O3 was in store (its repeat O4 was in the app and still counts) -> 100%.
    App: C4 (O7) is immature -> no value."""
    store = measure(golden, "cohort_repeat_90d", channel=["store"])
    assert (store.value, store.n) == (100.0, 1)
    app = measure(golden, "cohort_repeat_90d", channel=["app"])
    assert (app.value, app.n, app.details["immature_customers"]) == (None, 0, 1)


def test_cohort_repeat_first_orders_at_the_same_moment_count_for_the_first_channel_alphabetically(tmp_path):
    """T1's first two orders were placed at the same second, one on the web and one in the app:
    they won T1 in 'app' (first alphabetically). Both are T1's orders, so T1 also has its second
    order on the same day: 1 of 1 came back. The data reaches 2026-09-01 (T2), so T1 is mature."""
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,ordered_at,amount,channel,status\n"
        "T1-A,T1,2026-03-10 10:00:00,20.00,web,completed\n"  # the lower order id is not what decides
        "T1-B,T1,2026-03-10 10:00:00,30.00,app,completed\n"
        "T2-A,T2,2026-09-01 09:00:00,30.00,web,completed\n"
    )
    db = build_warehouse(tmp_path / "w.duckdb", orders)
    with reading(db) as connection:
        app, web = (measure(connection, "cohort_repeat_90d", MARCH, channel=[channel]) for channel in ("app", "web"))
    assert (app.value, app.n) == (100.0, 1)
    assert (web.value, web.n) == (None, 0)


def test_cohort_repeat_window_is_a_parameter(golden):
    """With 30 days: latest order 1 Aug; C2 (10 Apr + 30 = 10 May), C3, C4 (20 May + 30 = 19 Jun) all
    mature. C2's second order (30 Jun) is after 10 May -> no; C4's O8 (1 Aug) after 19 Jun -> no. 0/3."""
    result = measure(golden, "cohort_repeat_90d", settings=(("window_days", 30.0),))
    assert (result.value, result.n, result.details["immature_customers"]) == (0.0, 3, 0)


def test_cohort_repeat_monthly_cohorts(golden):
    """April: C2 (came back), C3 (did not) -> 50%. May: C4 immature -> no value, n = 0."""
    frame = kpis.run_kpi_query(golden, "cohort_repeat_90d", Q2, grain="month", settings=(("window_days", 90.0),))
    rows = [(str(r.bucket_start.date()), None if r.value != r.value else r.value, r.n, r.immature_customers)
            for r in frame.itertuples()]
    assert rows == [("2026-04-01", 50.0, 2, 0), ("2026-05-01", None, 0, 1)]


# --- recovery effect -----------------------------------------------------------------------------

def test_recovery_effect_is_the_gap_between_fast_and_late_answered_complainants(golden):
    """SLA 6 h, window 90 days. Complainants in Q2 and their first complaint: C1 K1 (2 h), C2 K2 (4 h)
    -> fast; C3 K3 (10 h), C4 K4 (24 h) -> late. All mature (raised by 3 May 10:00; latest order 1 Aug).
    Bought again within 90 days after the complaint: C1 (O2, 5 May) yes; C2 (O3, an hour later) yes;
    C3 only the cancelled O6 -> no; C4 (O7, 20 May) yes.
    fast 2/2 = 100%, late 1/2 = 50% -> +50 points, n = 4."""
    result = measure(golden, "recovery_effect", settings=(("sla_hours", 6.0), ("window_days", 90.0)))
    assert (result.value, result.n) == (50.0, 4)
    assert result.details == {
        "fast_repeat_rate": 100.0, "fast_customers": 2, "late_repeat_rate": 50.0, "late_customers": 2,
        "immature_customers": 0,
    }


def test_recovery_effect_needs_both_groups(golden):
    """With the registry's 24 h SLA all four Q2 complainants were answered in time: no late group,
    so no difference (None), though n = 4."""
    result = measure(golden, "recovery_effect")
    assert (result.value, result.n, result.details["late_customers"]) == (None, 4, 0)


def test_recovery_effect_unanswered_past_the_sla_is_late_and_a_recent_complaint_is_immature(golden):
    """June: C1's first June complaint is K5 (20 Jun 12:00), never answered and older than 24 h at the
    snapshot -> late; but 20 Jun + 90 d = 18 Sep > 1 Aug (latest order) -> immature: n = 0, no value."""
    result = measure(golden, "recovery_effect", Period(date(2026, 6, 1), date(2026, 6, 30)))
    assert (result.value, result.n, result.details["immature_customers"]) == (None, 0, 1)


def test_recovery_effect_on_the_second_dataset(more):
    """SLA 4 h, window 7 days, latest order 12 Mar 00:00 -> mature if raised by 5 Mar 00:00.
    KA (M1, 0.5 h) fast, mature: OA on 4 Mar -> bought again.
    KB (M2, 1 h) fast, mature: OB on 9 Mar 10:00, after 2 Mar 08:00 + 7 d = 9 Mar 08:00 -> no.
    KD (M4, 4.5 h) late, mature: OC is before the complaint, OD is cancelled -> no.
    KC (unanswered, 3 h old: undecided), KE, KF (10 Mar) -> immature: 3.
    fast 1/2 = 50%, late 0/1 = 0% -> +50 points, n = 3."""
    result = measure(more, "recovery_effect", MARCH, settings=(("sla_hours", 4.0), ("window_days", 7.0)))
    assert (result.value, result.n) == (50.0, 3)
    assert result.details == {
        "fast_repeat_rate": 50.0, "fast_customers": 2, "late_repeat_rate": 0.0, "late_customers": 1,
        "immature_customers": 3,
    }


def test_recovery_effect_leaves_out_an_unanswered_complaint_still_inside_the_sla(more):
    """Window 0 days: everyone is mature, nobody can buy again 'within 0 days after'. SLA 4 h:
    fast KA, KB, KE, KF; late KD; KC (unanswered, 3 h old) is undecided and counts in neither -> n = 5,
    0% - 0% = 0 points (a real 0: both groups have complainants)."""
    result = measure(more, "recovery_effect", MARCH, settings=(("sla_hours", 4.0), ("window_days", 0.0)))
    assert (result.value, result.n) == (0.0, 5)
    assert (result.details["fast_customers"], result.details["late_customers"]) == (4, 1)



def test_recovery_effect_finds_the_same_first_complaints_with_or_without_a_channel_filter(golden):
    """Without a filter of the complaint's own channel the first complaint in the view is the one whose
    previous complaint (complaint_facts' previous_complaint_at) came before the period; with one, the
    kept complaints are ranked. Every golden complaint has a channel, so a filter of all three keeps
    them all and must give what no filter gives, by region and by month too: C1's K5 (20 Jun) follows
    K1 (1 Apr) in the quarter but is C1's first in June; C2's K2 (10 Apr) follows K7 (31 Mar), before
    the quarter, so K2 is C2's first."""
    settings = (("sla_hours", 6.0), ("window_days", 90.0))
    for grain, period in (("period", Q2), ("month", Q2), ("period", Period(date(2026, 6, 1), date(2026, 6, 30)))):
        unfiltered = kpis.run_kpi_query(golden, "recovery_effect", period, grain=grain, breakdown="region",
                                        settings=settings)
        every_channel = kpis.run_kpi_query(golden, "recovery_effect", period, Filters(channel=("app", "phone", "web")),
                                           grain=grain, breakdown="region", settings=settings)
        assert not unfiltered.empty
        assert unfiltered.equals(every_channel), (grain, period)
    june = measure(golden, "recovery_effect", Period(date(2026, 6, 1), date(2026, 6, 30)), settings=settings)
    assert june.details["immature_customers"] == 1  # C1 by K5, their first in June


# --- the overview -------------------------------------------------------------------------------

def test_the_overview_reports_every_service_and_loyalty_kpi_with_owner_and_status(golden):
    """The registry's own parameters, Q2: CSAT 66.7%, complaint rate 1000, SLA 60%, each on 5-6 records:
    too uncertain to act on. The two 90-day KPIs are shown for Q1 2026, the latest quarter whose 90
    days have passed by the latest order (1 August; Q2 needs 28 September): the cohort is C1 alone
    (first order 20 January, back after 105 days) -> 0% on 1, too uncertain; the recovery effect's only
    Q1 complainant (K7) was answered in time: no late group, no data."""
    reports = {report.kpi.id: report for report in kpis.overview(golden, load_registry(), Q2)}
    got = {kpi_id: (reports[kpi_id].current.value, reports[kpi_id].status) for kpi_id in SERVICE_AND_LOYALTY_KPIS}
    assert got == {
        "csat": (pytest.approx(400 / 6), "too uncertain"),
        "complaint_rate": (1000.0, "too uncertain"),
        "complaints_resolved_within_sla": (60.0, "too uncertain"),
        "cohort_repeat_90d": (0.0, "too uncertain"),
        "recovery_effect": (None, "no data"),
    }
    q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
    assert (reports["cohort_repeat_90d"].period, reports["cohort_repeat_90d"].moved_from) == (q1, Q2)
    assert reports["recovery_effect"].period == q1 and reports["csat"].moved_from is None
    # Previous period Q1 2026: R0 csat 5 -> 100%; K7 resolved in 12 h -> 100%.
    assert reports["csat"].previous.value == 100.0
    assert reports["complaints_resolved_within_sla"].previous.value == 100.0

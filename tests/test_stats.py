"""Golden values from the KPI reference (../shared/kpi_reference.md, sections 1.5, 5.1 and 5.2),
copied here so the project stands alone. [SOURCE] = printed in the cited material; [DERIVED] =
computed by the reference's author from the sourced formula."""

import pytest

from cxkpi import stats


def test_nps_variance_for_counts_1_2_3_is_5_ninths():
    """[SOURCE] brendan-r/NPS tests: counts (D, Pa, P) = (1, 2, 3): NPS 1/3, Var1 5/9, SE 0.304."""
    assert stats.nps_variance(1, 2, 3) == pytest.approx(5 / 9)
    standard_error = (stats.nps_variance(1, 2, 3) / 6) ** 0.5
    assert standard_error == pytest.approx(0.304, abs=5e-4)


@pytest.mark.parametrize(
    ("counts", "variance"), [((1, 0, 0), 0.0), ((1, 0, 1), 1.0), ((0, 1, 1), 0.25), ((1, 1, 1), 2 / 3)]
)
def test_nps_variance_matches_the_r_package_table(counts, variance):
    assert stats.nps_variance(*counts) == pytest.approx(variance)


def test_nps_adjusted_wald_interval_for_counts_1_2_3():
    """[DERIVED] counts (1.75, 3.5, 3.75), n' = 9, NPS' = 0.2222, SE' = 0.2498, CI [−0.267, 0.712]."""
    interval = stats.nps_interval(detractors=1, passives=2, promoters=3)
    assert interval.low == pytest.approx(-26.7, abs=0.05)
    assert interval.high == pytest.approx(71.2, abs=0.05)


def test_nps_interval_is_clipped_to_plus_minus_100():
    """100 promoters: adjusted counts (0.75, 1.5, 100.75), NPS' = 0.9709, SE' = 0.0204, so the raw
    upper bound 101.1 is clipped to 100."""
    assert stats.nps_interval(0, 0, 100).high == 100.0


def test_nps_two_period_example_is_not_significant_at_95_percent():
    """[DERIVED] A: n=400, (80, 140, 180), NPS +25. B: (100, 140, 160), NPS +15.
    Adjusted Wald: NPS'_A = 24.81, NPS'_B = 14.89, z = 1.808, p = 0.0705."""
    test = stats.nps_change_test(current=(80, 140, 180), baseline=(100, 140, 160))
    assert test.difference == pytest.approx(24.81 - 14.89, abs=0.01)
    assert test.p_value == pytest.approx(0.0705, abs=0.0005)
    assert not test.is_significant()


def test_wilson_interval_for_132_of_240():
    """132/240 = 55 %; the reference gives Wald ± 6.3 points. Wilson, by hand: z²/n = 0.016006,
    centre = (0.55 + 0.0080031) / 1.016006 = 0.549209,
    margin = 1.959964 · √(0.00103125 + 0.00001667) / 1.016006 = 0.062448 -> [48.68 %, 61.17 %]."""
    interval = stats.wilson_interval(132, 240)
    assert interval.low == pytest.approx(48.68, abs=0.01)
    assert interval.high == pytest.approx(61.17, abs=0.01)


def test_wilson_interval_stays_inside_0_and_100_when_every_answer_agrees():
    """10/10: centre = (1 + 0.19208) / 1.38415 = 0.86124, margin = 1.959964 · √0.0096040 / 1.38415
    = 0.13877 -> [72.25 %, 100 %]."""
    interval = stats.wilson_interval(10, 10)
    assert interval.high == pytest.approx(100.0)
    assert interval.low == pytest.approx(72.25, abs=0.01)


def test_two_proportion_test_matches_a_hand_computed_example():
    """60/100 vs 45/100: pooled p = 0.525, SE = √(0.525·0.475·0.02) = 0.070622, z = 2.1240,
    p = 0.0337: a real change at 95 %."""
    test = stats.two_proportion_test(current=(60, 100), baseline=(45, 100))
    assert test.difference == pytest.approx(15.0)
    assert test.p_value == pytest.approx(0.0337, abs=0.0005)
    assert test.is_significant()


def test_median_interval_for_ten_values_uses_the_2nd_and_9th():
    """n = 10: P(B <= 1) = 11/1024, so j = 2 gives coverage 1 − 22/1024 = 97.9 % (j = 3 would give
    1 − 112/1024 = 89.1 %, too little): the interval is [x(2), x(9)]."""
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 96]
    assert stats.median_interval(values) == stats.Interval(2.0, 9.0)


def test_median_interval_needs_at_least_six_values():
    """n = 5: even [x(1), x(5)] covers only 1 − 2/32 = 93.75 % < 95 %."""
    assert stats.median_interval([1, 2, 3, 4, 5]) is None
    assert stats.median_interval([1, 2, 3, 4, 5, 6]) == stats.Interval(1.0, 6.0)  # 1 − 2/64 = 96.9 %


def test_mann_whitney_on_clearly_separated_samples_is_significant():
    """10 answers in 1-10 h vs 10 in 11-20 h: U = 0, z = (0 − 50)/√175 = −3.78, p = 0.00016."""
    test = stats.mann_whitney_test(list(range(1, 11)), list(range(11, 21)))
    assert test.difference == -10.0
    assert test.p_value == pytest.approx(0.000157, abs=0.00001)


def test_mann_whitney_on_identical_samples_finds_no_change():
    test = stats.mann_whitney_test([1, 2, 2, 3], [1, 2, 2, 3])
    assert (test.difference, test.p_value) == (0.0, 1.0)


def test_ewma_series_from_the_reference():
    """[DERIVED] λ = 0.3, EWMA_0 = 50."""
    values = [52, 47, 53, 49.3, 50.1, 47, 51, 50.1, 51.2, 50.5]
    expected = [50.6, 49.52, 50.564, 50.1848, 50.1594, 49.2116, 49.7481, 49.8537, 50.2576, 50.3303]
    assert stats.ewma(values, weight=0.3, start=50) == pytest.approx(expected, abs=1e-4)


def test_ewma_limits_approach_the_steady_state_from_the_reference():
    """[DERIVED] λ = 0.3: steady-state limits 50 ± 1.2603·s; with s = 2.0539, 47.412 to 52.588."""
    limits = stats.ewma_limits(centre=50, sigma=2.0539, count=50, weight=0.3)
    assert (limits[-1].low, limits[-1].high) == pytest.approx((47.412, 52.588), abs=0.001)
    assert limits[0].half_width < limits[-1].half_width  # early points have narrower limits


def test_p_chart_limits_from_the_nist_example():
    """[DERIVED] 30 wafers × 50 chips, p̄ = 0.2313: σ = 0.05963, UCL 0.4102, LCL 0.0524."""
    defects = [round(0.2313 * 50 * 30)] + [0] * 29  # only the totals matter for p̄
    centre, limits = stats.p_chart_limits(defects, [50] * 30)
    assert centre == pytest.approx(23.13, abs=0.01)
    assert (limits[0].low, limits[0].high) == pytest.approx((5.24, 41.02), abs=0.02)


def test_two_complaint_rates_are_compared_by_the_conditional_poisson_test():
    """50 complaints on 1,000 orders now, 30 on 1,000 before: given the 80 complaints, the current side's
    are Binomial(80, ½) if the rates are equal; z = (50 − 40) / √(80 · ¼) = 2.2361, p = 0.0253. The change
    is 50 − 30 = +20 per 1,000 orders."""
    test = stats.rate_change_test((50, 1000), (30, 1000))
    assert test.difference == pytest.approx(20.0)
    assert test.p_value == pytest.approx(0.0253, abs=0.0001)
    assert stats.rate_change_test((0, 500), (0, 400)).p_value == 1.0  # no complaint on either side


def test_a_change_in_a_difference_of_two_shares_adds_the_four_variances():
    """Recovery effect: 60/100 fast vs 40/100 late buyers now (+20 points), 50/100 vs 50/100 before (0).
    Var = 0.6·0.4/100 + 0.4·0.6/100 + 0.5·0.5/100 · 2 = 0.0098; z = 0.2 / 0.098995 = 2.0203, p = 0.0434."""
    test = stats.difference_change_test((60, 100, 40, 100), (50, 100, 50, 100))
    assert test.difference == pytest.approx(20.0)
    assert test.p_value == pytest.approx(0.0434, abs=0.0001)

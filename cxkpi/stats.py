"""The statistics behind "is this number, and this change, real?" Pure functions, no I/O.

Formulas and golden values: ../shared/kpi_reference.md (copied where tests need them into
tests/test_stats.py). Scales: NPS on −100..100 points, proportions in %, times in hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959964  # Φ⁻¹(0.975): two-sided 95 %, never the one-sided 1.645
NPS_PSEUDO_COUNTS = (0.75, 1.5, 0.75)  # adjusted Wald: detractors, passives, promoters (Rocks 2016)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class ChangeTest:
    """A two-sample test of `current` against `baseline`."""

    difference: float  # current − baseline, in the KPI's unit
    p_value: float
    method: str

    def is_significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha


def successes(share_percent: float, n: int) -> int:
    """The count behind a share: every share KPI's value is 100 × successes / n, so it is exact."""
    return round(share_percent * n / 100)


def normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def two_sided_p(z: float) -> float:
    return 2 * (1 - normal_cdf(abs(z)))


# --- NPS ------------------------------------------------------------------------------------

def nps_variance(detractors: float, passives: float, promoters: float) -> float:
    """Per-respondent variance of the −1/0/+1 scores: (p_P + p_D) − (p_P − p_D)²."""
    n = detractors + passives + promoters
    p_promoters, p_detractors = promoters / n, detractors / n
    return (p_promoters + p_detractors) - (p_promoters - p_detractors) ** 2


def _adjusted_nps(detractors: int, passives: int, promoters: int) -> tuple[float, float, float]:
    """(adjusted NPS on −1..1, its per-respondent variance, adjusted n)."""
    d, pa, p = (count + pseudo for count, pseudo in zip((detractors, passives, promoters), NPS_PSEUDO_COUNTS,
                                                       strict=True))
    n = d + pa + p
    return (p - d) / n, nps_variance(d, pa, p), n


def nps_interval(detractors: int, passives: int, promoters: int, z: float = Z_95) -> Interval:
    """Adjusted-Wald interval, centred on the adjusted NPS, clipped to −100..100 points."""
    adjusted, variance, n = _adjusted_nps(detractors, passives, promoters)
    margin = z * math.sqrt(variance / n)
    return Interval(max(-100.0, 100 * (adjusted - margin)), min(100.0, 100 * (adjusted + margin)))


def nps_change_test(current: tuple[int, int, int], baseline: tuple[int, int, int]) -> ChangeTest:
    """Adjusted-Wald two-sample z-test; counts are (detractors, passives, promoters)."""
    current_nps, current_variance, current_n = _adjusted_nps(*current)
    baseline_nps, baseline_variance, baseline_n = _adjusted_nps(*baseline)
    difference = current_nps - baseline_nps
    standard_error = math.sqrt(current_variance / current_n + baseline_variance / baseline_n)
    return ChangeTest(100 * difference, two_sided_p(difference / standard_error), "adjusted-Wald z-test")


# --- Proportions ----------------------------------------------------------------------------

def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval:
    """Wilson score interval for successes / n, in %."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(100 * max(0.0, centre - margin), 100 * min(1.0, centre + margin))


def two_proportion_test(current: tuple[int, int], baseline: tuple[int, int]) -> ChangeTest:
    """Pooled two-proportion z-test; each side is (successes, n). The difference is in points."""
    (x1, n1), (x2, n2) = current, baseline
    pooled = (x1 + x2) / (n1 + n2)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    difference = x1 / n1 - x2 / n2
    p_value = 1.0 if standard_error == 0 else two_sided_p(difference / standard_error)
    return ChangeTest(100 * difference, p_value, "two-proportion z-test")


# --- Rates per exposure (complaints per 1,000 orders) ------------------------------------------

def rate_change_test(current: tuple[int, int], baseline: tuple[int, int], per: float = 1000) -> ChangeTest:
    """Two Poisson rates compared; each side is (events, exposure), e.g. (complaints, orders). Given
    all the events of both sides, those of the current side are Binomial(total, its share of the
    exposure) when the rates are equal: the conditional test, normal approximation. The difference is
    per `per` units of exposure."""
    (events_1, exposure_1), (events_2, exposure_2) = current, baseline
    total = events_1 + events_2
    share = exposure_1 / (exposure_1 + exposure_2)
    variance = total * share * (1 - share)
    difference = per * (events_1 / exposure_1 - events_2 / exposure_2)
    p_value = 1.0 if variance == 0 else two_sided_p((events_1 - total * share) / math.sqrt(variance))
    return ChangeTest(difference, p_value, "conditional Poisson rate test")


# --- A difference of two shares (e.g. the recovery effect) ------------------------------------

def difference_change_test(current: tuple[int, int, int, int], baseline: tuple[int, int, int, int]) -> ChangeTest:
    """A change in a difference of two shares, (x_a/n_a − x_b/n_b) now against before; each side is
    (x_a, n_a, x_b, n_b). Wald z-test: the four shares are independent, so the variance of the
    change is the sum of their binomial variances. The difference is in points."""

    def gap_and_variance(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float]:
        p_a, p_b = x_a / n_a, x_b / n_b
        return p_a - p_b, p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b

    gap_now, variance_now = gap_and_variance(*current)
    gap_before, variance_before = gap_and_variance(*baseline)
    difference = gap_now - gap_before
    standard_error = math.sqrt(variance_now + variance_before)
    p_value = 1.0 if standard_error == 0 else two_sided_p(difference / standard_error)
    return ChangeTest(100 * difference, p_value, "Wald z-test of a difference in differences")


# --- Medians (times) ------------------------------------------------------------------------

def median_interval(sorted_values: Sequence[float], confidence: float = 0.95) -> Interval | None:
    """Distribution-free interval for the median from order statistics: [x_(j), x_(n−j+1)] with the
    largest j whose coverage 1 − 2·P(B <= j−1) is at least `confidence`, B ~ Binomial(n, ½).
    None when n is too small."""
    n = len(sorted_values)
    if n == 0:
        return None
    alpha = 1 - confidence
    if n > 1000:  # the normal approximation is exact enough here
        j = math.floor(n / 2 - Z_95 * math.sqrt(n) / 2)
    else:
        # A running sum of the binomial counts: P(B <= j) · 2ⁿ, one term per step.
        total, below, j = 2**n, 0, 0
        while j + 1 <= n // 2:
            below += math.comb(n, j)
            if 2 * below > alpha * total:
                break
            j += 1
    if j < 1:
        return None
    return Interval(float(sorted_values[j - 1]), float(sorted_values[n - j]))


def mann_whitney_test(current: Sequence[float], baseline: Sequence[float]) -> ChangeTest:
    """Mann-Whitney U with the normal approximation and tie correction; the difference reported is
    the difference of medians.

    In numpy: a quarter's answered complaints at 10M orders are 100k values a side, and ranking them
    in a Python loop took 0.15 s a test (two a card), holding the interpreter while the overview's
    other KPIs waited. The figures are the same to the bit: ranks are halves of whole numbers, and
    their sums stay far below 2**53, where a float adds them exactly in any order."""
    n1, n2 = len(current), len(baseline)
    pooled = np.concatenate([np.asarray(current, dtype=float), np.asarray(baseline, dtype=float)])
    _, tied_with, ties = np.unique(pooled, return_inverse=True, return_counts=True)
    ends = np.cumsum(ties)  # one past each group of equal values' last position
    average_ranks = (ends - ties + ends + 1) / 2  # the mean of ranks ends - ties + 1 ... ends
    ranks_current = float(average_ranks[tied_with[:n1]].sum())
    tie_term = float((ties**3 - ties).sum())
    u = ranks_current - n1 * (n1 + 1) / 2
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    p_value = 1.0 if variance <= 0 else two_sided_p((u - n1 * n2 / 2) / math.sqrt(variance))
    return ChangeTest(_median(current) - _median(baseline), p_value, "Mann-Whitney U test")


def _median(values: Sequence[float]) -> float:
    ordered = np.sort(np.asarray(values, dtype=float))
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (float(ordered[middle - 1]) + float(ordered[middle])) / 2


# --- Control charts -------------------------------------------------------------------------

def p_chart_limits(
    successes: Sequence[int], sizes: Sequence[int], sigmas: float = 3, limit_sizes: Sequence[int] | None = None
) -> tuple[float, list[Interval]]:
    """Shewhart p-chart: centre p̄ = Σx/Σn and per-period limits p̄ ± 3·√(p̄(1−p̄)/n_i), in %; the limits
    for `limit_sizes` (the periods judged) when the centre comes from other periods (a baseline)."""
    centre = sum(successes) / sum(sizes)
    limits = []
    for size in sizes if limit_sizes is None else limit_sizes:
        margin = sigmas * math.sqrt(centre * (1 - centre) / size)
        limits.append(Interval(100 * max(0.0, centre - margin), 100 * min(1.0, centre + margin)))
    return 100 * centre, limits


def u_chart_limits(
    events: Sequence[int], exposures: Sequence[int], limit_exposures: Sequence[int], per: float = 1000,
    sigmas: float = 3,
) -> tuple[float, list[Interval]]:
    """Shewhart u-chart for a rate (events per unit of exposure, Poisson): centre ū = Σc/Σn and
    per-period limits ū ± 3·√(ū/n_i), floored at 0, for `limit_exposures`; per `per` units."""
    centre = sum(events) / sum(exposures)
    limits = []
    for exposure in limit_exposures:
        margin = sigmas * math.sqrt(centre / exposure)
        limits.append(Interval(per * max(0.0, centre - margin), per * (centre + margin)))
    return per * centre, limits


def ewma(values: Sequence[float], weight: float = 0.3, start: float | None = None) -> list[float]:
    """EWMA_i = λ·X_i + (1 − λ)·EWMA_(i−1), from EWMA_0 = start (default: the mean of the values)."""
    smoothed, previous = [], (sum(values) / len(values) if start is None else start)
    for value in values:
        previous = weight * value + (1 - weight) * previous
        smoothed.append(previous)
    return smoothed


def ewma_limits(
    centre: float, sigma: float, count: int, weight: float = 0.3, sigmas: float = 3
) -> list[Interval]:
    """Exact (not steady-state) EWMA limits: centre ± k·σ·√(λ/(2−λ)·(1−(1−λ)^(2i)))."""
    limits = []
    for i in range(1, count + 1):
        margin = sigmas * sigma * math.sqrt(weight / (2 - weight) * (1 - (1 - weight) ** (2 * i)))
        limits.append(Interval(centre - margin, centre + margin))
    return limits

"""Deterministic sample data for a fictional retailer, shaped to tell a story.

Two years of customers, orders, survey responses and complaints. Besides plausible
headline numbers (NPS around +30, about 60-65% trusting the brand, complaints answered in
about five hours), the data carries two findings a CX dashboard should surface:

1. Slow answers cost customers: a customer whose complaint waited long for a first reply
   is more likely to stop buying, and scores us lower afterwards.
2. A service dip: in the latest Oct-Dec peak season with a full quarter after it
   (Q4 2025 with the default end date) replies are far slower and NPS and trust drop.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, and all values are
formatted explicitly, so the same arguments always give byte-identical files. Times are
whole seconds since the window's first midnight; they only become text when written.
"""

from __future__ import annotations

import csv
import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

DEFAULT_SEED = 20260930
DEFAULT_END_DATE = date(2026, 9, 30)

HEADERS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "created_at", "region", "segment"),
    "orders": ("order_id", "customer_id", "ordered_at", "amount", "channel", "status"),
    "survey_responses": (
        "response_id",
        "customer_id",
        "responded_at",
        "recommend_score",
        "trust_score",
        "csat_score",
        "comment",
        "channel",
    ),
    "complaints": (
        "complaint_id",
        "customer_id",
        "created_at",
        "first_response_at",
        "resolved_at",
        "channel",
        "category",
        "status",
    ),
}

HOUR = 3_600
DAY = 86_400
WINDOW_MONTHS = 24
# Existing customers signed up at most this long before the window opens.
HISTORY_DAYS = 365

REGIONS = ("EMEA", "North America", "LATAM", "APAC")
REGION_WEIGHTS = (35, 30, 15, 20)
SEGMENTS = ("Consumer", "Small business", "Enterprise")
SEGMENT_WEIGHTS = (70, 22, 8)
# Business buyers spend more per order.
SEGMENT_LOG_AMOUNT = (math.log(55.0), math.log(140.0), math.log(420.0))
AMOUNT_SIGMA = 0.6

ORDER_CHANNELS = ("web", "app", "store")
ORDER_CHANNEL_WEIGHTS = (45, 35, 20)
ORDER_STATUSES = ("completed", "returned", "cancelled")
ORDER_STATUS_WEIGHTS = (91, 5, 4)

COMPLAINT_CHANNELS = ("web", "app", "store", "phone")
COMPLAINT_CATEGORIES = ("delivery", "product quality", "billing", "returns", "staff")

EXISTING_CUSTOMER_SHARE = 0.20

FIRST_RESPONSE_MEDIAN_HOURS = 5.0
FIRST_RESPONSE_SIGMA = 1.1
DIP_RESPONSE_SLOWDOWN = 2.8
# Phone and store complaints reach a person at once; written ones queue.
CHANNEL_RESPONSE_FACTOR = {"web": 1.25, "app": 1.25, "store": 0.8, "phone": 0.5}
RESOLUTION_MEDIAN_HOURS = 30.0
NEVER_ANSWERED_SHARE = 0.02
STUCK_OPEN_SHARE = 0.03
RECENT_DAYS = 14
RECENT_OPEN_SHARE = 0.7
# Churn probability rises with the wait: ~12% at 5 h, ~40% at 24 h, ~65% after 3 days.
CHURN_CEILING = 0.7
CHURN_HOURS_SCALE = 30.0
UNANSWERED_EQUIVALENT_HOURS = 240.0

RECOMMEND_MEAN, RECOMMEND_SD = 8.9, 1.9
TRUST_MEAN, TRUST_SD = 4.1, 0.95
CSAT_MEAN, CSAT_SD = 4.15, 1.0
DIP_MOOD = -0.4
# A recent complaint colours every later answer, more so the longer it waited.
COMPLAINT_MEMORY_DAYS = 365
SLOW_REPLY_HOURS = 24
POST_COMPLAINT_SURVEY_SHARE = 0.10
MISSING_RECOMMEND, MISSING_TRUST, MISSING_CSAT = 0.03, 0.10, 0.15
COMMENT_SHARE = {"promoter": 0.55, "passive": 0.5, "detractor": 0.75}

ID_DIGITS = 7


# ---------------------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True)
class Window:
    """The 24 months ending on end_date, and the service-dip quarter inside them."""

    start: date
    end: date
    dip_start: int
    dip_end: int  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def last_second(self) -> int:
        return self.days * DAY - 1

    def in_dip(self, ts: int) -> bool:
        return self.dip_start <= ts < self.dip_end


def make_window(end_date: date) -> Window:
    first_day_after = end_date + timedelta(days=1)
    start = _shift_years(first_day_after, -(WINDOW_MONTHS // 12))
    dip_first, dip_last = _dip_quarter(end_date)
    return Window(
        start=start,
        end=end_date,
        dip_start=(dip_first - start).days * DAY,
        dip_end=((dip_last - start).days + 1) * DAY,
    )


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)


def _dip_quarter(end_date: date) -> tuple[date, date]:
    """The latest Oct-Dec peak season that still has a full quarter after it in the window."""
    year = end_date.year
    while date(year, 12, 31) + timedelta(days=90) > end_date:
        year -= 1
    return date(year, 10, 1), date(year, 12, 31)


class TimestampFormatter:
    """Turns seconds-since-window-start into 'YYYY-MM-DD HH:MM:SS' without datetime per row."""

    def __init__(self, window: Window) -> None:
        self._origin = HISTORY_DAYS * DAY
        first = window.start - timedelta(days=HISTORY_DAYS)
        self._days = [(first + timedelta(days=n)).isoformat() for n in range(HISTORY_DAYS + window.days)]
        self._clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

    def __call__(self, ts: int | None) -> str:
        if ts is None:
            return ""
        day, second = divmod(ts + self._origin, DAY)
        return f"{self._days[day]} {self._clock[second]}"


def _daily_activity(window: Window) -> list[float]:
    """Relative trading volume per day: mild growth, a Nov-Dec peak, busier weekends."""
    season = {11: 1.3, 12: 1.45, 1: 0.9}
    weights = []
    for n in range(window.days):
        day = window.start + timedelta(days=n)
        growth = 1.0 + 0.1 * n / window.days
        weekend = 1.1 if day.weekday() >= 5 else 1.0
        weights.append(growth * season.get(day.month, 1.0) * weekend)
    return weights


# Shoppers sleep: hour-of-day weights, midnight first.
HOURLY_ACTIVITY = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 5, 5.5, 6, 5.5, 5, 5, 5, 5.5, 6, 7, 7, 6, 4, 2)


def _pick_index(rng: random.Random, cum_weights: Sequence[float]) -> int:
    return bisect_right(cum_weights, rng.random() * cum_weights[-1])


def _pick(rng: random.Random, options: Sequence[str], cum_weights: Sequence[float]) -> str:
    return options[_pick_index(rng, cum_weights)]


def _draw_many(rng: random.Random, options: Sequence[str], weights: Sequence[int], count: int) -> list[str]:
    """`count` weighted picks; with whole-number weights a repeated-entries table beats bisecting."""
    table = [option for option, weight in zip(options, weights, strict=True) for _ in range(weight)]
    rand, size = rng.random, len(table)
    return [table[int(rand() * size)] for _ in range(count)]


def _no_later_than(rng: random.Random, after: int, proposed: int, end: int) -> int:
    """`proposed` if it is inside the window, else a uniform time in (after, end] instead of a pile-up at end."""
    if proposed <= end:
        return proposed
    return after + 1 + int(rng.random() * (end - after)) if end > after else end


def _lognormal_hours(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


# ---------------------------------------------------------------------------------------
# Customers and orders


@dataclass
class Customers:
    """Parallel lists sorted by created_at, so a list index is also the id number."""

    created: list[int]
    region: list[str]
    segment: list[int]
    kind: list[str]
    # Share of the orders beyond each buyer's first; zero for anyone outside the loyal core.
    weight: list[float]
    cum_weight: list[float] = field(default_factory=list)
    # Orders can only go to customers who have signed up (created strictly earlier).
    arrival: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cum_weight = list(accumulate(self.weight))
        self.arrival = [max(t, 0) for t in self.created]

    def pick_loyal_buyer(self, rng: random.Random, ts: int) -> int:
        """A loyal customer signed up before `ts`, busier ones more often; -1 if there is none."""
        signed_up = bisect_left(self.arrival, ts)
        if signed_up == 0 or self.cum_weight[signed_up - 1] <= 0:
            return -1
        return bisect_right(self.cum_weight, rng.random() * self.cum_weight[signed_up - 1], 0, signed_up - 1)


class ActivityCalendar:
    """Draws timestamps that follow the daily and hourly trading pattern."""

    def __init__(self, window: Window) -> None:
        self._days = list(accumulate(_daily_activity(window)))
        self._hours = list(accumulate(HOURLY_ACTIVITY))
        self._last_day = window.days - 1
        self.last_second = window.last_second

    def draw(self, rng: random.Random, after: int = -1, until: int | None = None) -> int:
        """A time in (after, until], `until` defaulting to the window's last second.

        Out-of-range draws are redrawn rather than clamped, so no timestamp piles up on a bound.
        """
        until = self.last_second if until is None else until
        if until <= after:
            raise ValueError("empty time range")
        rand = rng.random
        floor = self._days[after // DAY - 1] if after >= DAY else 0.0
        while True:
            day = min(bisect_right(self._days, floor + rand() * (self._days[-1] - floor)), self._last_day)
            hour = bisect_right(self._hours, rand() * self._hours[-1])
            ts = day * DAY + hour * HOUR + int(rand() * HOUR)
            if ts <= after:  # the sign-up day, but earlier than the sign-up: later that day instead
                ts = after + 1 + int(rand() * (min(until, (after // DAY + 1) * DAY - 1) - after))
            if ts <= until:
                return ts


BROWSER, ONE_OFF, LOYAL = "browser", "one-off", "loyal"
CUSTOMER_KINDS = (BROWSER, ONE_OFF, LOYAL)
# The skew behind a believable repeat-purchase rate: most buyers buy once, a loyal core
# buys again and again. Customers from before the window are mostly that core.
NEW_CUSTOMER_KIND_WEIGHTS = (8, 74, 18)
EXISTING_CUSTOMER_KIND_WEIGHTS = (5, 45, 50)
# Businesses restock: some would-be one-off business buyers become regulars.
SEGMENT_LOYAL_UPGRADE = (0.0, 0.2, 0.4)
SEGMENT_ORDER_RATE = (1.0, 1.3, 1.6)
FIRST_ORDER_MEAN_DAYS = 5.0
# Long-standing regulars buy more, which also keeps early-window volume believable.
EXISTING_LOYAL_BOOST = 1.5

_SEGMENT_CUM = list(accumulate(SEGMENT_WEIGHTS))
_NEW_KIND_CUM = list(accumulate(NEW_CUSTOMER_KIND_WEIGHTS))
_EXISTING_KIND_CUM = list(accumulate(EXISTING_CUSTOMER_KIND_WEIGHTS))


def _make_customers(rng: random.Random, count: int, window: Window, calendar: ActivityCalendar) -> Customers:
    existing = max(1, round(count * EXISTING_CUSTOMER_SHARE))
    history = HISTORY_DAYS * DAY
    # Sign-ups stop two hours and orders one hour before the end, so the newest customer can
    # still order and every order can still draw a complaint or survey inside the window.
    signups = [calendar.draw(rng, until=window.last_second - 2 * HOUR) for _ in range(count - existing)]
    created = sorted([-1 - int(rng.random() * history) for _ in range(existing)] + signups)
    segments, kinds, weights = [], [], []
    for ts in created:
        segment = _pick_index(rng, _SEGMENT_CUM)
        kind = CUSTOMER_KINDS[_pick_index(rng, _EXISTING_KIND_CUM if ts < 0 else _NEW_KIND_CUM)]
        if kind == ONE_OFF and rng.random() < SEGMENT_LOYAL_UPGRADE[segment]:
            kind = LOYAL
        weight = 0.0
        if kind == LOYAL:
            # Scaled by tenure so a regular who joined last month is not crammed with orders.
            tenure = (window.last_second - max(ts, 0)) / window.last_second
            weight = rng.lognormvariate(0.0, 1.0) * SEGMENT_ORDER_RATE[segment] * tenure
            if ts < 0:
                weight *= EXISTING_LOYAL_BOOST
        segments.append(segment)
        kinds.append(kind)
        weights.append(weight)
    regions = rng.choices(REGIONS, cum_weights=list(accumulate(REGION_WEIGHTS)), k=count)
    return Customers(created=created, region=regions, segment=segments, kind=kinds, weight=weights)


@dataclass
class Orders:
    """Parallel lists sorted by time; `owner` changes when a customer churns (see below)."""

    time: list[int]
    owner: list[int]
    channel: list[str]
    status: list[str]


def _orders_per_customer(rng: random.Random, customers: Customers, count: int) -> list[int]:
    """Every buyer gets a first order; the loyal core shares out the rest."""
    per_customer = [0] * len(customers.created)
    buyers = [i for i, kind in enumerate(customers.kind) if kind != BROWSER] or list(range(len(per_customer)))
    if count < len(buyers):
        buyers = sorted(rng.sample(buyers, count))
    for i in buyers:
        per_customer[i] = 1
    extra = count - len(buyers)
    if extra > 0:
        cum = customers.cum_weight if customers.cum_weight[-1] > 0 else list(accumulate(per_customer))
        for i in rng.choices(range(len(per_customer)), cum_weights=cum, k=extra):
            per_customer[i] += 1
    return per_customer


def _make_orders(rng: random.Random, count: int, customers: Customers, calendar: ActivityCalendar) -> Orders:
    n = len(customers.created)
    last_order = calendar.last_second - HOUR
    keys = []
    for customer, number in enumerate(_orders_per_customer(rng, customers, count)):
        if number == 0:
            continue
        created = customers.created[customer]
        arrival = customers.arrival[customer]
        if created >= 0:  # a new customer signs up to buy, so the first order follows closely
            first = arrival + 60 + int(rng.expovariate(1.0 / FIRST_ORDER_MEAN_DAYS) * DAY)
            if first > last_order:
                first = calendar.draw(rng, arrival, last_order)
            keys.append(first * n + customer)
            number -= 1
        for _ in range(number):
            keys.append(calendar.draw(rng, arrival, last_order) * n + customer)
    # Sorting one int per order (time * n + customer) is far cheaper than sorting tuples.
    keys.sort()
    channels = _draw_many(rng, ORDER_CHANNELS, ORDER_CHANNEL_WEIGHTS, count)
    statuses = _draw_many(rng, ORDER_STATUSES, ORDER_STATUS_WEIGHTS, count)
    return Orders(time=[k // n for k in keys], owner=[k % n for k in keys], channel=channels, status=statuses)


# ---------------------------------------------------------------------------------------
# Complaints


@dataclass
class Complaint:
    order: int
    created: int
    channel: str
    category: str
    first_response: int | None = None
    resolved: int | None = None
    never_answered: bool = False
    customer: int = -1

    @property
    def response_hours(self) -> float | None:
        if self.first_response is None:
            return None
        return (self.first_response - self.created) / HOUR


def _complaint_prone_orders(orders: Orders, window: Window) -> list[float]:
    """Peak-season orders and problem orders are the ones people complain about."""
    weights = []
    for ts, status in zip(orders.time, orders.status, strict=True):
        weight = 1.6 if window.in_dip(ts) else 1.0
        if status == "returned":
            weight *= 2.5
        elif status == "cancelled":
            weight *= 1.5
        weights.append(weight)
    return list(accumulate(weights))


# Store shoppers complain at the till or by phone; online shoppers write.
_STORE_COMPLAINT_CHANNEL_CUM = list(accumulate((10, 10, 50, 30)))  # COMPLAINT_CHANNELS order
_REMOTE_COMPLAINT_CHANNEL_CUM = list(accumulate((40, 30, 5, 25)))


def _complaint_channel(rng: random.Random, order_channel: str) -> str:
    if order_channel == "store":
        return _pick(rng, COMPLAINT_CHANNELS, _STORE_COMPLAINT_CHANNEL_CUM)
    return _pick(rng, COMPLAINT_CHANNELS, _REMOTE_COMPLAINT_CHANNEL_CUM)


def _complaint_category(rng: random.Random, order_status: str, channel: str, in_dip: bool) -> str:
    if order_status == "returned" and rng.random() < 0.6:
        return "returns"
    weights = [35.0, 22.0, 13.0, 18.0, 4.0]  # COMPLAINT_CATEGORIES order
    if channel == "store":
        weights[4] = 30.0
    if in_dip:
        weights[0] *= 1.8  # the peak-season parcel backlog
    return _pick(rng, COMPLAINT_CATEGORIES, list(accumulate(weights)))


def _answer(rng: random.Random, complaint: Complaint, window: Window) -> None:
    """Set first response and resolution; anything that would land after the window is open."""
    end = window.last_second
    is_recent = complaint.created > end - RECENT_DAYS * DAY
    if not is_recent and rng.random() < NEVER_ANSWERED_SHARE:
        complaint.never_answered = True
        return
    median = FIRST_RESPONSE_MEDIAN_HOURS * CHANNEL_RESPONSE_FACTOR[complaint.channel]
    if window.in_dip(complaint.created):
        median *= DIP_RESPONSE_SLOWDOWN
    hours = min(_lognormal_hours(rng, median, FIRST_RESPONSE_SIGMA), 30 * 24.0)
    first_response = complaint.created + max(60, int(hours * HOUR))
    if first_response > end:
        return
    complaint.first_response = first_response
    resolved = first_response + max(60, int(_lognormal_hours(rng, RESOLUTION_MEDIAN_HOURS, 1.0) * HOUR))
    stuck_share = RECENT_OPEN_SHARE if is_recent else STUCK_OPEN_SHARE
    if resolved <= end and rng.random() >= stuck_share:
        complaint.resolved = resolved


def _make_complaints(rng: random.Random, count: int, window: Window, orders: Orders) -> list[Complaint]:
    end = window.last_second
    picked = rng.choices(range(len(orders.time)), cum_weights=_complaint_prone_orders(orders, window), k=count)
    complaints = []
    for order in picked:
        ordered_at = orders.time[order]
        # Most complaints come within days of the order (late parcel, faulty item, wrong bill).
        created = _no_later_than(rng, ordered_at, ordered_at + HOUR + int(rng.expovariate(1.0 / 60.0) * HOUR), end)
        channel = _complaint_channel(rng, orders.channel[order])
        category = _complaint_category(rng, orders.status[order], channel, window.in_dip(created))
        complaint = Complaint(order=order, created=created, channel=channel, category=category)
        _answer(rng, complaint, window)
        complaints.append(complaint)
    complaints.sort(key=lambda c: (c.created, c.order))
    return complaints


def _churn_probability(complaint: Complaint) -> float:
    if complaint.never_answered:
        hours = UNANSWERED_EQUIVALENT_HOURS
    else:
        waited = complaint.response_hours
        if waited is None:  # reply still due at the window's end: too early to tell
            return 0.0
        hours = waited
    return CHURN_CEILING * (1.0 - math.exp(-hours / CHURN_HOURS_SCALE))


def _apply_churn(rng: random.Random, complaints: list[Complaint], orders: Orders, customers: Customers) -> None:
    """Walk complaints in time order; a customer who gives up takes no more orders.

    Their later orders are handed to other customers instead, which keeps the order count
    and the calendar shape intact. Complaints follow their order's owner at that moment.
    """
    orders_of: list[list[int]] = [[] for _ in customers.created]
    for index, owner in enumerate(orders.owner):
        orders_of[owner].append(index)
    churned_at: list[int | None] = [None] * len(customers.created)

    for complaint in complaints:
        customer = orders.owner[complaint.order]
        complaint.customer = customer
        if churned_at[customer] is not None or rng.random() >= _churn_probability(complaint):
            continue
        churned_at[customer] = complaint.created
        kept = []
        for index in orders_of[customer]:
            ts = orders.time[index]
            if ts <= complaint.created:
                kept.append(index)
                continue
            new_owner = _replacement_buyer(rng, customers, churned_at, customer, ts)
            orders.owner[index] = new_owner
            orders_of[new_owner].append(index)
        orders_of[customer] = kept


def _replacement_buyer(
    rng: random.Random, customers: Customers, churned_at: list[int | None], leaver: int, ts: int
) -> int:
    """Another regular who is still with us at `ts`; the leaver only if nobody else can be found."""
    for _ in range(50):
        candidate = customers.pick_loyal_buyer(rng, ts)
        if candidate < 0:
            break
        gone = churned_at[candidate]
        if candidate != leaver and (gone is None or gone > ts):
            return candidate
    return leaver


# ---------------------------------------------------------------------------------------
# Survey responses


@dataclass
class Response:
    customer: int
    responded: int
    order: int
    recommend: str = ""
    trust: str = ""
    csat: str = ""
    comment: str = ""


def _survey_invitations(
    rng: random.Random, count: int, window: Window, orders: Orders, complaints: list[Complaint]
) -> list[Response]:
    """Who answers, when and about which order: mostly after an order, some after a complaint."""
    end = window.last_second
    answered = [c for c in complaints if c.first_response is not None]
    post_complaint = min(round(count * POST_COMPLAINT_SURVEY_SHARE), len(answered))
    # Leave a day for the invitation to arrive; cancelled orders get no survey.
    last_eligible = bisect_right(orders.time, end - DAY)
    eligible = [i for i in range(last_eligible) if orders.status[i] != "cancelled"] or list(range(len(orders.time)))
    rand = rng.random
    responses = []
    for _ in range(count - post_complaint):
        order = eligible[int(rand() * len(eligible))]
        delay = HOUR + int(rng.expovariate(1.0 / 72.0) * HOUR)
        responded = _no_later_than(rng, orders.time[order], orders.time[order] + delay, end)
        responses.append(Response(customer=orders.owner[order], responded=responded, order=order))
    for _ in range(post_complaint):
        complaint = answered[int(rand() * len(answered))]
        closed = complaint.resolved if complaint.resolved is not None else complaint.first_response
        assert closed is not None
        responded = _no_later_than(rng, closed, closed + HOUR + int(rand() * 72 * HOUR), end)
        responses.append(Response(customer=complaint.customer, responded=responded, order=complaint.order))
    responses.sort(key=lambda r: (r.responded, r.order, r.customer))
    return responses


def _complaint_mood(history: list[Complaint] | None, ts: int) -> tuple[float, str | None]:
    """Mood shift from the worst complaint the customer still remembers at `ts`, and its story.

    The worst, not the latest: one quick answer does not erase being ignored last month.
    """
    worst: tuple[float, str | None] = (0.0, None)
    for complaint in history or ():
        if complaint.created >= ts:
            break
        if ts - complaint.created <= COMPLAINT_MEMORY_DAYS * DAY:
            worst = min(worst, _complaint_experience(complaint, ts), key=lambda mood: mood[0])
    return worst


def _complaint_experience(complaint: Complaint, ts: int) -> tuple[float, str | None]:
    if complaint.never_answered:
        return -2.2, "ignored"
    if complaint.first_response is None or complaint.first_response > ts:
        return -0.8, "waiting"
    hours = (complaint.first_response - complaint.created) / HOUR
    if hours > SLOW_REPLY_HOURS:
        return -2.0, "slow"
    return -0.15, None


def _score(value: float, low: int, high: int) -> str:
    return str(min(high, max(low, math.floor(value + 0.5))))


def _fill_answers(
    rng: random.Random, responses: list[Response], complaints: list[Complaint], orders: Orders, window: Window
) -> None:
    by_customer: dict[int, list[Complaint]] = {}
    for complaint in complaints:  # already in time order
        by_customer.setdefault(complaint.customer, []).append(complaint)
    gauss = rng.gauss
    rand = rng.random
    for response in responses:
        shift, complaint_story = _complaint_mood(by_customer.get(response.customer), response.responded)
        in_dip = window.in_dip(response.responded)
        if in_dip:
            shift += DIP_MOOD
        # One shared mood per answer plus per-question noise, so the three scores correlate.
        mood = shift + gauss(0.0, 1.0)
        recommend = RECOMMEND_MEAN + RECOMMEND_SD * (0.8 * mood + 0.6 * gauss(0.0, 1.0))
        trust = TRUST_MEAN + TRUST_SD * (0.8 * mood + 0.6 * gauss(0.0, 1.0))
        csat = CSAT_MEAN + CSAT_SD * (0.8 * mood + 0.6 * gauss(0.0, 1.0))
        if rand() >= MISSING_RECOMMEND:
            response.recommend = _score(recommend, 0, 10)
        if rand() >= MISSING_TRUST:
            response.trust = _score(trust, 1, 5)
        if rand() >= MISSING_CSAT:
            response.csat = _score(csat, 1, 5)
        sentiment = "promoter" if recommend >= 8.5 else "passive" if recommend >= 6.5 else "detractor"
        if rand() < COMMENT_SHARE[sentiment]:
            channel = orders.channel[response.order]
            response.comment = _comment(rng, sentiment, channel, complaint_story, in_dip)


# ---------------------------------------------------------------------------------------
# Comments

PRODUCTS = (
    "jacket", "coffee machine", "desk lamp", "kettle", "backpack", "blender", "phone case",
    "bedding set", "desk chair", "garden hose", "kids' raincoat", "toaster", "rug", "lawn mower",
    "suitcase", "wall clock",
)  # fmt: skip

TEMPLATES: dict[str, tuple[str, ...]] = {
    "promoter/delivery": (
        "Fast delivery and the {product} was exactly as described.",
        "Ordered on Monday, the {product} arrived Tuesday morning. Impressive.",
        "Delivery was on time, packaging was neat, no complaints at all.",
        "Tracking was spot on and the courier was friendly.",
    ),
    "promoter/app": (
        "Love the app, checkout takes seconds.",
        "The app remembered my size and reordering took two taps.",
        "Easy to find what I wanted, great filters on the site.",
    ),
    "promoter/staff": (
        "Staff at the store were really helpful with the {product}.",
        'The assistant said "let me check the back" and actually came back with my size!',
        "Friendly, knowledgeable staff, and no queue at the till.",
    ),
    "promoter/general": (
        "Great prices and quality. Will recommend to friends.",
        "Order number {n} this year, always a good experience.",
        "Easy return, refund arrived in {n} days. That's how it should be.",
        "Good value, good quality, good service.",
        "Best place for a {product}, honestly.",
    ),
    "passive/general": (
        "Decent prices, but delivery took {n} days.",
        "Good products, the website is a bit slow though.",
        "OK overall. Packaging could be better.",
        "Fine, nothing special.",
        "The {product} is good, but the instructions were confusing.",
        "Would be a 10 if delivery were faster.",
        "Quality is fine, prices went up a bit, still ok.",
    ),
    "detractor/delivery": (
        "My order arrived {n} days late and tracking never updated.",
        "Parcel was left outside in the rain, the {product} box was soaked.",
        "Courier marked it delivered, but nothing arrived. Took a week to sort out.",
        'Delivery "within 2 days" took {n}. Not acceptable.',
        "Late delivery.\nThen the wrong {product} turned up.",
    ),
    "detractor/stock": (
        "The {product} was out of stock after I paid, and nobody told me.",
        "Half the items I ordered were missing from the box.",
        "Website said in stock, store said it hadn't had one in weeks.",
        "Waited {n} weeks for a back-ordered {product}, then it was cancelled.",
    ),
    "detractor/staff": (
        "Rude staff at the checkout, I won't be back.",
        "Nobody on the floor to help, and the one assistant I found was on their phone.",
        "Staff refused to exchange a faulty {product} without the box.",
        "Queued for ages with one till open while staff chatted.",
    ),
    "detractor/refunds": (
        "Still waiting for my refund after {n} weeks.",
        "Refund took {n} weeks, and I had to call three times.",
        "Returned the {product}, got charged again, still no refund.",
        'Was told "the refund is on its way" {n} times.',
    ),
    "detractor/support": (
        "I complained about my order and waited {n} days for an answer.",
        "Raised a complaint, got an automatic email, then silence.",
        "Customer service took ages to reply, and the reply didn't help.",
        "Sent three messages about the {product} before anyone answered.\nShopping elsewhere now.",
    ),
}

# What a happy customer praises depends on how they shopped.
PROMOTER_TOPIC_BY_CHANNEL = {"store": "promoter/staff", "app": "promoter/app", "web": "promoter/delivery"}

CLOSERS: dict[str, tuple[str, ...]] = {
    "promoter": ("", "", "", " Thanks!", " Keep it up.", " 10/10."),
    "passive": ("", "", "", " Might order again."),
    "detractor": ("", "", " Very disappointed.", " Please sort this out.", " Not ordering again."),
}


def _comment_topic(rng: random.Random, sentiment: str, channel: str, complaint_story: str | None, in_dip: bool) -> str:
    roll = rng.random()
    if sentiment == "passive":
        return "passive/general"
    if sentiment == "promoter":
        return PROMOTER_TOPIC_BY_CHANNEL[channel] if roll < 0.4 else "promoter/general"
    if complaint_story is not None and roll < 0.6:
        return "detractor/support"
    if in_dip and roll < 0.5:
        return "detractor/delivery"
    if channel == "store":
        return ("detractor/staff", "detractor/stock", "detractor/refunds")[int(rng.random() * 3)]
    return ("detractor/delivery", "detractor/delivery", "detractor/stock", "detractor/refunds")[int(rng.random() * 4)]


def _comment(rng: random.Random, sentiment: str, channel: str, complaint_story: str | None, in_dip: bool) -> str:
    templates = TEMPLATES[_comment_topic(rng, sentiment, channel, complaint_story, in_dip)]
    template = templates[int(rng.random() * len(templates))]
    closers = CLOSERS[sentiment]
    text = template.format(product=PRODUCTS[int(rng.random() * len(PRODUCTS))], n=3 + int(rng.random() * 8))
    return text + closers[int(rng.random() * len(closers))]


# ---------------------------------------------------------------------------------------
# Writing


def _ids(prefix: str, count: int) -> list[str]:
    width = max(ID_DIGITS, len(str(count)))
    return [f"{prefix}{n:0{width}d}" for n in range(1, count + 1)]


def _write(path: Path, header: Sequence[str], rows: Iterator[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _customer_rows(customers: Customers, ids: list[str], fmt: Callable[[int | None], str]) -> Iterator[tuple[str, ...]]:
    for customer_id, created, region, segment in zip(
        ids, customers.created, customers.region, customers.segment, strict=True
    ):
        yield customer_id, fmt(created), region, SEGMENTS[segment]


def _order_rows(
    rng: random.Random, orders: Orders, customers: Customers, customer_ids: list[str], fmt: Callable[[int | None], str]
) -> Iterator[tuple[str, ...]]:
    gauss = rng.gauss
    segments = customers.segment
    order_ids = _ids("O", len(orders.time))
    for order_id, owner, ts, channel, status in zip(
        order_ids, orders.owner, orders.time, orders.channel, orders.status, strict=True
    ):
        amount = math.exp(SEGMENT_LOG_AMOUNT[segments[owner]] + AMOUNT_SIGMA * gauss(0.0, 1.0))
        yield order_id, customer_ids[owner], fmt(ts), f"{amount:.2f}", channel, status


def _response_rows(
    responses: list[Response], orders: Orders, customer_ids: list[str], fmt: Callable[[int | None], str]
) -> Iterator[tuple[str, ...]]:
    for response_id, r in zip(_ids("R", len(responses)), responses, strict=True):
        channel = orders.channel[r.order]
        yield response_id, customer_ids[r.customer], fmt(r.responded), r.recommend, r.trust, r.csat, r.comment, channel


def _complaint_rows(
    complaints: list[Complaint], customer_ids: list[str], fmt: Callable[[int | None], str]
) -> Iterator[tuple[str, ...]]:
    for complaint_id, c in zip(_ids("K", len(complaints)), complaints, strict=True):
        status = "resolved" if c.resolved is not None else "open"
        yield (
            complaint_id,
            customer_ids[c.customer],
            fmt(c.created),
            fmt(c.first_response),
            fmt(c.resolved),
            c.channel,
            c.category,
            status,
        )


# ---------------------------------------------------------------------------------------
# Entry point


def generate(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    end_date: date = DEFAULT_END_DATE,
    customers: int = 5_000,
    orders: int = 20_000,
    survey_responses: int = 6_000,
    complaints: int = 2_500,
) -> dict[str, Path]:
    """Write customers.csv, orders.csv, survey_responses.csv, complaints.csv into out_dir; return {table: path}."""
    if customers < 1:
        raise ValueError("need at least one customer")
    if orders < 1 and (survey_responses or complaints):
        raise ValueError("survey responses and complaints need orders to refer to")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    window = make_window(end_date)
    fmt = TimestampFormatter(window)

    calendar = ActivityCalendar(window)
    people = _make_customers(rng, customers, window, calendar)
    bought = _make_orders(rng, orders, people, calendar)
    raised = _make_complaints(rng, complaints, window, bought) if complaints else []
    _apply_churn(rng, raised, bought, people)
    responses = _survey_invitations(rng, survey_responses, window, bought, raised) if survey_responses else []
    _fill_answers(rng, responses, raised, bought, window)

    customer_ids = _ids("C", customers)
    return {
        "customers": _write(out_dir / "customers.csv", HEADERS["customers"], _customer_rows(people, customer_ids, fmt)),
        "orders": _write(
            out_dir / "orders.csv", HEADERS["orders"], _order_rows(rng, bought, people, customer_ids, fmt)
        ),
        "survey_responses": _write(
            out_dir / "survey_responses.csv",
            HEADERS["survey_responses"],
            _response_rows(responses, bought, customer_ids, fmt),
        ),
        "complaints": _write(
            out_dir / "complaints.csv", HEADERS["complaints"], _complaint_rows(raised, customer_ids, fmt)
        ),
    }


if __name__ == "__main__":
    generate(Path(__file__).resolve().parent.parent / "sample_data")

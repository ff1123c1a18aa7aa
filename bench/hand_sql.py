"""The baseline `kpis --json` is measured against: the four core KPIs written by hand in one SQL.

NPS, complaint response time (median), repeat purchase and brand trust, for a period and the one before
it, for one region, straight from the canonical tables: what an analyst would write once for one
question, with no view rule, no derived tables and no statistics. Prints the values as JSON.
Usage: python bench/hand_sql.py WAREHOUSE START END REGION
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta

import duckdb

QUERY = """
with periods as (
    select 'current' as period, $start::timestamp as starts, $end::timestamp + interval 1 day as ends
    union all
    select 'previous', $previous_start::timestamp, $start::timestamp
),
kept as (select customer_id from customers where region = $region),
answers as (
    select periods.period,
        100.0 * (count(*) filter (where recommend_score >= 9) - count(*) filter (where recommend_score <= 6))
            / count(recommend_score) as nps,
        100.0 * count(*) filter (where trust_score >= 4) / count(trust_score) as brand_trust
    from survey_responses join kept using (customer_id)
    join periods on responded_at >= starts and responded_at < ends
    group by periods.period
),
replies as (
    select periods.period, median(epoch(first_response_at - created_at) / 3600.0) as response_hours
    from complaints join kept using (customer_id)
    join periods on created_at >= starts and created_at < ends
    group by periods.period
),
counted as (
    select customer_id, ordered_at from orders join kept using (customer_id)
    where coalesce(lower(status), '') not in ('cancelled', 'canceled')
),
buyers as (
    select distinct periods.period, periods.ends, counted.customer_id
    from counted join periods on ordered_at >= starts and ordered_at < ends
),
repeat as (
    select buyers.period,
        100.0 * count(*) filter (where (select count(*) from counted as earlier
            where earlier.customer_id = buyers.customer_id and earlier.ordered_at < buyers.ends) >= 2)
            / count(*) as repeat_purchase_rate
    from buyers group by buyers.period
)
select * from answers join replies using (period) join repeat using (period) order by period
"""


def main() -> int:
    path, region = sys.argv[1], sys.argv[4]
    start, end = date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
    previous_start = start - timedelta(days=(end - start).days + 1)
    with duckdb.connect(path, read_only=True) as connection:
        rows = connection.execute(
            QUERY, {"start": start, "end": end, "previous_start": previous_start, "region": region}
        ).fetchall()
        names = [column[0] for column in connection.description]
    print(json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

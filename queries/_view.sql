-- The view rule: the rows of a fact table a view keeps, and the bucket and slice each falls in.
-- Every KPI reads its facts through it, as the table view_rows (cxkpi/kpi_sql.py puts this query in
-- front of the KPI's own SQL), so the period, the filters, the buckets and the slices are decided
-- here, once, for every KPI. Not a KPI itself.
-- {facts} is the fact table the KPI reads (`reads` in metrics.toml), {time} its time column and
-- {slices} one line per dimension the table can be sliced by (warehouse.DERIVED_TABLES): names the
-- code fills in from that list, never text from a person. Everything else is a bound parameter:
--   $period_start, $period_end  dates, both inclusive: a record at 23:00 on the end date counts
--   $regions, $segments         the customer's region / segment (empty list = all)
--   $channels                   the record's own channel (empty list = all); a record whose value is
--                               unknown (null) drops out once that filter is set (list_contains is
--                               null there, which a where clause drops as it drops false; written
--                               without coalesce(..., false) so that DuckDB prunes row groups by the
--                               filter: order_facts is stored by region)
--   $grain                      'period' (one bucket) | 'week' | 'month'
--   $bucket_starts, $bucket_ends for 'week' and 'month', one date per day of the period, in order:
--                               the first day of that day's bucket and the day after it (both within
--                               the period). The calendar (Gregorian or Solar Hijri months, the
--                               weeks' first day) is decided in Python (cxkpi.periods.buckets); here
--                               a record's bucket is the entry of its day, an O(1) list index
--   $breakdown                  'none' | a dimension of the table: 'region', 'segment', 'channel', ...
--   $within, $within_value      'none', or a dimension of the table and the one slice of it to keep
--                               (as a breakdown names it: '(unknown)' for records without a value):
--                               the KPI within one slice, e.g. by category within channel 'web'
-- Columns: every column of {facts}, and
--   bucket_start  the first day of the record's week or month, clipped to the period's start (a date)
--                 (weeks and months of the period's calendar)
--   bucket_end    when that bucket ends, exclusive: the next week or month, or the day after the
--                 period, whichever comes first (a timestamp)
--   slice         the record's value of the breakdown's dimension, '(unknown)' when it has none;
--                 null when there is no breakdown

select
    case $grain::varchar
        when 'period' then $period_start::date
        else ($bucket_starts::date[])[date_diff('day', $period_start::date, {time}::date) + 1]
    end as bucket_start,
    case $grain::varchar
        when 'period' then $period_end::date::timestamp + interval 1 day
        else ($bucket_ends::date[])[date_diff('day', $period_start::date, {time}::date) + 1]::timestamp
    end as bucket_end,
    case $breakdown::varchar
        {slices}
    end as slice,
    *
from {facts}
where {time} >= $period_start::date::timestamp
    and {time} < $period_end::date::timestamp + interval 1 day
    and (array_length($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
    and (array_length($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
    and (array_length($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
    and (
        $within::varchar = 'none'
        or case $within::varchar
            {slices}
        end = $within_value::varchar
    )

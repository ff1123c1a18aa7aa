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
--                               unknown (null) drops out once that filter is set
--   $grain                      'period' (one bucket) | 'week' | 'month'
--   $week_start                 the weeks' first day, 0 (Monday) to 6 (Sunday): 5 (Saturday) in Iran
--   $month_starts               the first day of each month of the period's calendar (Gregorian or
--                               Solar Hijri) that the period touches, in order: the calendar is
--                               decided in Python (cxkpi.calendars), a month here is a list lookup
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
        when 'week' then greatest(
            (date_trunc('week', {time} - to_days($week_start::integer)) + to_days($week_start::integer))::date,
            $period_start::date
        )
        when 'month' then greatest(
            list_max(list_filter($month_starts::date[], lambda month_start: month_start <= {time}::date)),
            $period_start::date
        )
        else $period_start::date
    end as bucket_start,
    least(
        case $grain::varchar
            when 'week' then date_trunc('week', {time} - to_days($week_start::integer))::timestamp
                + to_days($week_start::integer + 7)
            when 'month' then coalesce(
                list_min(list_filter($month_starts::date[], lambda month_start: month_start > {time}::date))::timestamp,
                $period_end::date::timestamp + interval 1 day
            )
            else $period_end::date::timestamp + interval 1 day
        end,
        $period_end::date::timestamp + interval 1 day
    ) as bucket_end,
    case $breakdown::varchar
        {slices}
    end as slice,
    *
from {facts}
where {time} >= $period_start::date::timestamp
    and {time} < $period_end::date::timestamp + interval 1 day
    and (array_length($regions::varchar[]) = 0 or coalesce(list_contains($regions::varchar[], region), false))
    and (array_length($segments::varchar[]) = 0 or coalesce(list_contains($segments::varchar[], segment), false))
    and (array_length($channels::varchar[]) = 0 or coalesce(list_contains($channels::varchar[], channel), false))
    and (
        $within::varchar = 'none'
        or case $within::varchar
            {slices}
        end = $within_value::varchar
    )

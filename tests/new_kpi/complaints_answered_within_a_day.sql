-- complaints_answered_within_a_day: Complaints answered within a day
-- Measures: how often a complaining customer hears back from us within $reply_hours of complaining.
-- Formula:  100 × complaints whose first reply came within $reply_hours of being raised / n, in %;
--           n = complaints raised in the period whose outcome is decided:
--             first reply within $reply_hours (first_response_at − created_at <= $reply_hours) -> in time;
--             first reply later                                                          -> late;
--             no reply yet and already older than $reply_hours at the export's snapshot   -> late;
--             no reply yet and still inside $reply_hours                                  -> pending, left out of n.
--           The snapshot is complaints_taken_at, the latest timestamp anywhere in the complaints table.
--           Calendar hours. No value (null) when n = 0.
--           Also: answered_in_time, late, pending.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel' | 'category': one row per slice
--   $reply_hours                the promise, in calendar hours (metrics.toml parameters)

-- A KPI added the way a company adds its own (tests/test_adding_a_kpi.py): this file and one
-- metrics.toml entry, nothing else. Reads complaint_facts (queries/derived/) through the view rule
-- (queries/_view.sql): view_rows are the complaints raised in the period that the filters keep.

with

complaints as (
    select
        bucket_start,
        slice,
        epoch(first_response_at - created_at) / 3600.0 as reply_hours,
        epoch(complaints_taken_at - created_at) / 3600.0 as waiting_hours
    from view_rows
),

outcomes as (
    select
        bucket_start,
        slice,
        case
            when reply_hours <= $reply_hours then 'in_time'
            when reply_hours > $reply_hours then 'late'
            when waiting_hours > $reply_hours then 'late'
            else 'pending'
        end as outcome
    from complaints
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where outcome = 'in_time')
            / nullif(count(*) filter (where outcome in ('in_time', 'late')), 0) as value,
        count(*) filter (where outcome in ('in_time', 'late')) as n,
        count(*) filter (where outcome = 'in_time') as answered_in_time,
        count(*) filter (where outcome = 'late') as late,
        count(*) filter (where outcome = 'pending') as pending
    from outcomes
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

-- drilldown_resolution_times: time to resolve each complaint, open ones included as censored
-- (not a KPI itself; the input of the Kaplan-Meier estimate in cxkpi/survival.py).
-- Measures: calendar hours from a complaint being raised to its resolution.
-- Rows:     one per complaint created in the period:
--             resolved = true:  hours = resolved_at − created_at (an observed resolution time);
--             resolved = false: hours = snapshot − created_at, the age so far of a complaint still
--                               open: its resolution time is at least this (right-censored).
--           The snapshot is the latest timestamp in the complaints table (when the export was taken).
--           A resolution after the period's end still counts as resolved: every complaint is judged
--           on all the data holds. A complaint resolved at a time the export does not give
--           (resolved_at_unknown_time()) has no row: its time is neither known nor "at least its age".
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)

with

complaints as not materialized (
    select * from complaints
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

snapshot as (
    select taken_at from complaints_taken_at()
),

final as (
    select
        complaints.complaint_id,
        coalesce(complaints.channel, '(unknown)') as channel,
        coalesce(complaints.category, '(unknown)') as category,
        complaints.resolved_at is not null as resolved,
        epoch(coalesce(complaints.resolved_at, snapshot.taken_at) - complaints.created_at) / 3600.0 as hours
    from complaints
    cross join snapshot
    left join customers on customers.customer_id = complaints.customer_id
    where in_period(complaints.created_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(complaints.channel, $channels::varchar[])
        and not resolved_at_unknown_time(complaints.status, complaints.resolved_at)
)

select * from final
order by complaint_id

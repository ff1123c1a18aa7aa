-- complaints_resolved_within_sla: Complaints resolved within the SLA
-- Measures: how often we keep our promise to resolve a complaint within the resolution SLA.
-- Formula:  100 × complaints resolved within $resolution_sla_hours of being raised / n, in %;
--           n = complaints created in the period whose SLA outcome is decided:
--             resolved within the SLA (resolved_at − created_at <= $resolution_sla_hours) -> within SLA;
--             resolved later                                                          -> breached;
--             still open and already older than the SLA at the data's snapshot          -> breached;
--             still open and still inside the SLA                                      -> pending, left out of n;
--             resolved at a time the export does not give (status resolved, no resolved_at:
--             resolved_at_unknown_time())                                               -> resolved_time_unknown,
--                                                                                          left out of n
--           (as an SLA achievement rate counts only completed or breached targets, and an unknown
--           resolution time is neither).
--           The snapshot is the latest timestamp anywhere in the complaints table (created, first
--           response or resolved), i.e. when the export was taken. Calendar hours.
--           No value (null) when n = 0.
--           Also: within_sla, breached, pending (open complaints still inside the SLA) and
--           resolved_time_unknown (shown as "resolved, time unknown").
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice
--   $resolution_sla_hours       the SLA in calendar hours (metrics.toml parameters)

-- Reads complaint_facts (queries/derived/): every complaint with its customer's region and segment
-- and complaints_taken_at, when the export was taken. view_rows are the complaints raised in the
-- period that the filters keep, each with its bucket and slice (queries/_view.sql).

with

complaints as (
    select
        bucket_start,
        slice,
        epoch(resolved_at - created_at) / 3600.0 as resolution_hours,
        epoch(complaints_taken_at - created_at) / 3600.0 as open_hours,
        resolved_at_unknown_time(status, resolved_at) as resolved_at_unknown_time
    from view_rows
),

sla_outcomes as (
    select
        bucket_start,
        slice,
        case
            when resolved_at_unknown_time then 'resolved_time_unknown'
            when resolution_hours <= $resolution_sla_hours then 'within_sla'
            when resolution_hours > $resolution_sla_hours then 'breached'
            when open_hours > $resolution_sla_hours then 'breached'
            else 'pending'
        end as outcome
    from complaints
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where outcome = 'within_sla')
            / nullif(count(*) filter (where outcome in ('within_sla', 'breached')), 0) as value,
        count(*) filter (where outcome in ('within_sla', 'breached')) as n,
        count(*) filter (where outcome = 'within_sla') as within_sla,
        count(*) filter (where outcome = 'breached') as breached,
        count(*) filter (where outcome = 'pending') as pending,
        count(*) filter (where outcome = 'resolved_time_unknown') as resolved_time_unknown
    from sla_outcomes
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

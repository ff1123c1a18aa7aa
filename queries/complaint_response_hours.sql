-- complaint_response_hours: Complaint first-response time
-- Measures: how long a complaining customer waits for our first reply (calendar hours).
-- Formula:  median of (first_response_at − created_at) in hours, over complaints created in the
--           period that have a first_response_at (the mean of the two middle values when n is even);
--           n = those complaints. No value (null) when n = 0.
--           Also: p90_hours, the 90th percentile (linear interpolation between ranks), and
--           awaiting_response, complaints created in the period still without any response and not
--           resolved (a complaint resolved at a time the export does not give, resolved_at_unknown_time(),
--           is not awaiting anything);
--           response_hours_sample, every answered complaint's hours in order (for the median's
--           confidence interval and the test of a change, which need the distribution; only when
--           $samples is true).
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice
--   $samples                    true: also response_hours_sample (a card's sparkline needs none)

-- Reads complaint_facts (queries/derived/): every complaint with its customer's region and segment.
-- view_rows are the complaints raised in the period that the filters keep, each with its bucket and
-- slice (queries/_view.sql).

with

complaints as (
    select
        bucket_start,
        slice,
        epoch(first_response_at - created_at) / 3600.0 as first_response_hours,
        resolved_at is not null or resolved_at_unknown_time(status, resolved_at) as is_resolved
    from view_rows
),

final as (
    select
        bucket_start,
        slice,
        median(first_response_hours) as value,
        count(first_response_hours) as n,
        quantile_cont(first_response_hours, 0.9) as p90_hours,
        count(*) filter (where first_response_hours is null and not is_resolved) as awaiting_response,
        case when $samples::boolean and count(first_response_hours) > 0 then  -- none, not an empty list
            list_sort(list(first_response_hours) filter (where first_response_hours is not null))
        end as response_hours_sample
    from complaints
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

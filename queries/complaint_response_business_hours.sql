-- complaint_response_business_hours: Complaint first-response time in business hours
-- Measures: how long a complaining customer waits for our first reply, counting only the company's
--           working hours ([business_hours] in metrics.toml: working days, opening hours, holidays),
--           as a helpdesk's schedule counts it: a complaint raised on Friday evening and answered on
--           Monday morning waited the hours worked in between, not the weekend.
-- Formula:  median of the working hours from created_at to first_response_at, over complaints
--           created in the period that have a first_response_at (the mean of the two middle values
--           when n is even); n = those complaints. No value (null) when n = 0.
--           Also: p90_hours, the 90th percentile (linear interpolation between ranks);
--           awaiting_response, complaints created in the period still without any response and not
--           resolved; response_hours_sample, every answered complaint's working hours in order (for
--           the median's confidence interval and the test of a change; only when $samples is true).
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice
--   $samples                    true: also response_hours_sample (a card's sparkline needs none)
--   $working_days, $opens_seconds, $closes_seconds, $holidays
--                               the working week (cxkpi.business_hours.Schedule.parameters)

-- Reads complaint_facts (queries/derived/), as complaint_response_hours, whose measure this is in
-- another clock.

with

complaints as (
    select
        bucket_start,
        slice,
        (
            working_seconds_before(first_response_at, $working_days, $opens_seconds, $closes_seconds, $holidays)
            - working_seconds_before(created_at, $working_days, $opens_seconds, $closes_seconds, $holidays)
        ) / 3600.0 as first_response_hours,
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

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
--           confidence interval and the test of a change, which need the distribution).
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice

with

complaints as not materialized (
    select * from complaints
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

complaints_in_period as (
    select
        bucket_start(complaints.created_at, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, customers.region, customers.segment, complaints.channel) as slice,
        epoch(complaints.first_response_at - complaints.created_at) / 3600.0 as first_response_hours,
        complaints.resolved_at is not null
            or resolved_at_unknown_time(complaints.status, complaints.resolved_at) as is_resolved
    from complaints
    left join customers on customers.customer_id = complaints.customer_id
    where in_period(complaints.created_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(complaints.channel, $channels::varchar[])
),

final as (
    select
        bucket_start,
        slice,
        median(first_response_hours) as value,
        count(first_response_hours) as n,
        quantile_cont(first_response_hours, 0.9) as p90_hours,
        count(*) filter (where first_response_hours is null and not is_resolved) as awaiting_response,
        list(first_response_hours order by first_response_hours)
            filter (where first_response_hours is not null) as response_hours_sample
    from complaints_in_period
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

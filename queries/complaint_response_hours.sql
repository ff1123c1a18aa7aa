-- complaint_response_hours: Complaint first-response time
-- Measures: how long a complaining customer waits for our first reply (calendar hours).
-- Formula:  median of (first_response_at − created_at) in hours, over complaints created in the
--           period that have a first_response_at (the mean of the two middle values when n is even);
--           n = those complaints. No value (null) when n = 0.
--           Also: p90_hours, the 90th percentile (linear interpolation between ranks), and
--           awaiting_response, complaints created in the period still without any response.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice

with

params as (
    select
        $period_start::date as period_start,
        $period_end::date as period_end,
        $regions::varchar[] as regions,
        $segments::varchar[] as segments,
        $channels::varchar[] as channels,
        $grain::varchar as grain,
        $breakdown::varchar as breakdown
),

complaints as (
    select * from complaints
),

customers as (
    select * from customers
),

complaints_in_period as (
    select
        bucket_start(complaints.created_at, params.grain, params.period_start) as bucket_start,
        slice_of(params.breakdown, customers.region, customers.segment, complaints.channel) as slice,
        epoch(complaints.first_response_at - complaints.created_at) / 3600.0 as first_response_hours
    from complaints
    cross join params
    left join customers on customers.customer_id = complaints.customer_id
    where in_period(complaints.created_at, params.period_start, params.period_end)
        and matches(customers.region, params.regions)
        and matches(customers.segment, params.segments)
        and matches(complaints.channel, params.channels)
),

final as (
    select
        bucket_start,
        slice,
        median(first_response_hours) as value,
        count(first_response_hours) as n,
        quantile_cont(first_response_hours, 0.9) as p90_hours,
        count(*) filter (where first_response_hours is null) as awaiting_response
    from complaints_in_period
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

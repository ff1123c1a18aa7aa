-- cohort_repeat_90d: 90-day repeat rate of new customers (first-order cohort)
-- Measures: of the customers who bought for the first time in the period, how many came back
--           for a second order within $window_days days (90).
-- Formula:  100 × mature cohort customers whose second order came within $window_days days of the
--           first / n, in %;
--           cohort = customers whose first-ever order (cancelled orders never count; the whole
--           history, not just the period) was placed in the period;
--           n = the MATURE cohort customers: those whose first order + $window_days days is on or
--           before the data's latest order (the latest ordered_at in the orders table). A customer
--           whose window is still open may yet come back, so counting them would understate the
--           rate; they are left out of n and value and counted in immature_customers instead.
--           No value (null) when n = 0: a cohort that is entirely immature is not reported yet.
--           Also: repeat_customers (mature, came back in time) and immature_customers.
--           The second order may be in any channel; orders without a customer are left out.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on the first order's ordered_at)
--   $regions, $segments         the customer's region / segment (empty list = all)
--   $channels                   the FIRST order's channel, i.e. where the customer was won (empty list = all);
--                               first orders placed at the same moment in two channels: the
--                               channel first in alphabetical order
--   $grain                      'period' | 'week' | 'month': one row per bucket of first orders
--   $breakdown                  'none' | 'region' | 'segment' | 'channel' (the first order's): one row per slice
--   $window_days                days a customer has to come back (metrics.toml parameters)

with

customer_channel_orders as not materialized (
    select * from customer_channel_orders
),

orders as not materialized (
    select * from orders
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

data_horizon as (
    -- Unfiltered on purpose: how far the orders export reaches is the same for every slice.
    select max(ordered_at) as latest_order_at
    from orders
),

first_orders as (
    -- Each customer's first non-cancelled order over their whole history and when their second
    -- came, from the first two orders per channel the loader keeps
    -- (queries/derived/customer_channel_orders.sql): the whole history without reading every order.
    select
        customer_id,
        min(first_ordered_at) as first_ordered_at,
        arg_min(channel, (first_ordered_at, channel)) as channel,
        second_order_at(first_ordered_at, second_ordered_at) as second_ordered_at
    from customer_channel_orders
    group by customer_id
),

cohort as (
    select
        customer_id,
        first_ordered_at,
        first_ordered_at + to_days($window_days::integer) as window_closes_at,
        channel,
        second_ordered_at
    from first_orders
    where in_period(first_ordered_at, $period_start::date, $period_end::date)
        and matches(channel, $channels::varchar[])
),

cohort_customers as (
    select
        bucket_start(cohort.first_ordered_at, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, customers.region, customers.segment, cohort.channel) as slice,
        coalesce(cohort.window_closes_at <= data_horizon.latest_order_at, false) as is_mature,
        coalesce(cohort.second_ordered_at <= cohort.window_closes_at, false) as came_back
    from cohort
    cross join data_horizon
    left join customers on customers.customer_id = cohort.customer_id
    where customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where is_mature and came_back)
            / nullif(count(*) filter (where is_mature), 0) as value,
        count(*) filter (where is_mature) as n,
        count(*) filter (where is_mature and came_back) as repeat_customers,
        count(*) filter (where not is_mature) as immature_customers
    from cohort_customers
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

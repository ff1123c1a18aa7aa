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

-- Reads first_orders (queries/derived/): each customer's first counted order, their second, and
-- latest_order_at, how far the orders export reaches (unfiltered on purpose: the same for every
-- slice). view_rows are the customers whose first order is in the period and whom the filters keep
-- (channel: the first order's), each with its bucket and slice (queries/_view.sql).

with

cohort_customers as (
    select
        bucket_start,
        slice,
        coalesce(first_ordered_at + to_days($window_days::integer) <= latest_order_at, false) as is_mature,
        coalesce(second_ordered_at <= first_ordered_at + to_days($window_days::integer), false) as came_back
    from view_rows
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

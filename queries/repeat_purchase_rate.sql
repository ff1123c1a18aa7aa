-- repeat_purchase_rate: Repeat-purchase rate
-- Measures: how many of the customers who bought in the period are repeat buyers.
-- Formula:  100 × customers with 2+ orders dated on or before the period's end / n, in %;
--           n = customers with at least one order in the period. The first order may fall
--           before the period. Cancelled orders (status cancelled/canceled) never count;
--           orders without a customer cannot repeat and are left out. No value (null) when n = 0.
--           With week/month buckets, each bucket is its own period (orders up to the bucket's end).
-- Parameters:
--   $period_start, $period_end  dates, both inclusive
--   $regions, $segments         the buying customer's region / segment (empty list = all)
--   $channels                   the order's own channel: only orders in these channels count,
--                               both in the period and before it (empty list = all)
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

orders as (
    select * from orders
),

customers as (
    select * from customers
),

counted_orders as (
    select
        orders.customer_id,
        orders.ordered_at,
        slice_of(params.breakdown, customers.region, customers.segment, orders.channel) as slice
    from orders
    cross join params
    left join customers on customers.customer_id = orders.customer_id
    where orders.customer_id is not null
        and coalesce(lower(orders.status), '') not in ('cancelled', 'canceled')
        and orders.ordered_at < params.period_end + interval 1 day
        and matches(customers.region, params.regions)
        and matches(customers.segment, params.segments)
        and matches(orders.channel, params.channels)
),

buyers_in_period as (
    select distinct
        counted_orders.customer_id,
        counted_orders.slice,
        bucket_start(counted_orders.ordered_at, params.grain, params.period_start) as bucket_start
    from counted_orders
    cross join params
    where in_period(counted_orders.ordered_at, params.period_start, params.period_end)
),

buyer_order_counts as (
    select
        buyers_in_period.customer_id,
        buyers_in_period.slice,
        buyers_in_period.bucket_start,
        count(*) as orders_to_bucket_end
    from buyers_in_period
    cross join params
    inner join counted_orders
        on counted_orders.customer_id = buyers_in_period.customer_id
        and counted_orders.slice is not distinct from buyers_in_period.slice
        and counted_orders.ordered_at
            < bucket_end(buyers_in_period.bucket_start, params.grain, params.period_end) + interval 1 day
    group by buyers_in_period.customer_id, buyers_in_period.slice, buyers_in_period.bucket_start
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where orders_to_bucket_end >= 2) / count(*) as value,
        count(*) as n,
        count(*) filter (where orders_to_bucket_end >= 2) as repeat_customers
    from buyer_order_counts
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

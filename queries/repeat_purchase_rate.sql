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

orders as not materialized (
    select * from orders
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

counted_orders as (
    select
        orders.customer_id,
        orders.ordered_at,
        slice_of($breakdown::varchar, customers.region, customers.segment, orders.channel) as slice
    from orders
    left join customers on customers.customer_id = orders.customer_id
    where orders.customer_id is not null
        and coalesce(lower(orders.status), '') not in ('cancelled', 'canceled')
        and orders.ordered_at < $period_end::date + interval 1 day
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(orders.channel, $channels::varchar[])
),

orders_per_bucket as (
    -- Orders before the period fall in a null bucket: they count towards "2+ orders" only.
    select
        counted_orders.customer_id,
        counted_orders.slice,
        case
            when in_period(counted_orders.ordered_at, $period_start::date, $period_end::date)
                then bucket_start(counted_orders.ordered_at, $grain::varchar, $period_start::date)
        end as bucket_start,
        count(*) as orders
    from counted_orders
    group by all
),

orders_to_bucket_end as (
    -- A running total per customer instead of a self-join: each bucket's count is every order
    -- up to that bucket's end.
    select
        customer_id,
        slice,
        bucket_start,
        sum(orders) over (
            partition by customer_id, slice order by bucket_start asc nulls first
        ) as orders_to_bucket_end
    from orders_per_bucket
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where orders_to_bucket_end >= 2) / count(*) as value,
        count(*) as n,
        count(*) filter (where orders_to_bucket_end >= 2) as repeat_customers
    from orders_to_bucket_end
    where bucket_start is not null
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

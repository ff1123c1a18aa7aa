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

customer_channel_orders as not materialized (
    select * from customer_channel_orders
),

orders as not materialized (
    select * from orders
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

buyers as (
    -- Who bought in each bucket of the period, once per slice.
    select distinct
        orders.customer_id,
        bucket_start(orders.ordered_at, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, customers.region, customers.segment, orders.channel) as slice
    from orders
    left join customers on customers.customer_id = orders.customer_id
    where orders.customer_id is not null
        and is_counted_order(orders.status)
        and in_period(orders.ordered_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(orders.channel, $channels::varchar[])
),

histories as (
    -- Each customer's second order in the channels that count, from their first two orders per
    -- channel (queries/derived/customer_channel_orders.sql; second_order_at() in _macros.sql).
    -- Sliced by channel, a buyer repeats within that channel: one row per channel then, else one per
    -- customer (slice_of('none', ...) is null).
    select
        customer_id,
        slice_of(if($breakdown::varchar = 'channel', 'channel', 'none'), null, null, channel) as channel_slice,
        second_order_at(first_ordered_at, second_ordered_at) as second_ordered_at
    from customer_channel_orders
    where matches(channel, $channels::varchar[])
    group by customer_id, channel_slice
),

buyer_histories as (
    -- A buyer repeats when their second order came before the bucket's end (computed once per buyer:
    -- the bucket that starts at bucket_start ends where the one holding its orders does).
    select
        buyers.customer_id,
        buyers.bucket_start,
        buyers.slice,
        coalesce(
            histories.second_ordered_at < bucket_end(buyers.bucket_start, $grain::varchar, $period_end::date), false
        ) as is_repeat
    from buyers
    inner join histories
        on histories.customer_id = buyers.customer_id
        and histories.channel_slice is not distinct from if($breakdown::varchar = 'channel', buyers.slice, null)
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where is_repeat) / count(*) as value,
        count(*) as n,
        count(*) filter (where is_repeat) as repeat_customers
    from buyer_histories
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

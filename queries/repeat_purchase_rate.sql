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
        bucket_end(orders.ordered_at, $grain::varchar, $period_end::date) as bucket_end,
        slice_of($breakdown::varchar, customers.region, customers.segment, orders.channel) as slice
    from orders
    left join customers on customers.customer_id = orders.customer_id
    where orders.customer_id is not null
        and coalesce(lower(orders.status), '') not in ('cancelled', 'canceled')
        and in_period(orders.ordered_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(orders.channel, $channels::varchar[])
),

buyer_histories as (
    -- Each buyer's orders up to the bucket's end, counted from their first two orders per channel
    -- (queries/derived/customer_channel_orders.sql), in the channels that count: two per channel
    -- are enough to tell one order from "2+", without reading the buyer's whole history.
    select
        buyers.customer_id,
        buyers.bucket_start,
        buyers.slice,
        sum(
            (history.first_ordered_at < buyers.bucket_end)::integer
            + coalesce(history.second_ordered_at < buyers.bucket_end, false)::integer
        ) >= 2 as is_repeat
    from buyers
    inner join customer_channel_orders as history
        on history.customer_id = buyers.customer_id
        and matches(history.channel, $channels::varchar[])
        -- Sliced by channel, a buyer repeats within that channel.
        and ($breakdown::varchar <> 'channel' or slice_of('channel', null, null, history.channel) = buyers.slice)
    group by buyers.customer_id, buyers.bucket_start, buyers.slice
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

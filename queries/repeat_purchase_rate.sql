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

-- Reads order_facts (queries/derived/): every counted order of a known customer with the customer's
-- orders just before and after it, overall and in the order's channel. view_rows are the orders placed in
-- the period that the filters keep, each with its bucket and slice (queries/_view.sql).
-- Counted without counting distinct customers: a buyer's first order in a bucket is the one whose
-- previous order (in the channels that count) came before the bucket, and a buyer has a single order
-- up to the bucket's end exactly when that order is their first and the next came after the end.

with

orders_in_view as (
    select
        *,
        -- Whose orders make a customer's history here: their orders in the order's own channel when
        -- the breakdown is by channel or the filter keeps one channel, else all their orders (with
        -- a filter of several channels, see several_channels below).
        $breakdown::varchar = 'channel' or array_length($channels::varchar[]) = 1 as per_channel,
        $breakdown::varchar <> 'channel' and array_length($channels::varchar[]) >= 2 as several_channels
    from view_rows
),

history as (
    select
        bucket_start,
        slice,
        customer_id,
        case when per_channel then previous_in_channel_at else previous_ordered_at end as previous_counted_at,
        case when per_channel then next_in_channel_at else next_ordered_at end as next_counted_at,
        bucket_end
    from orders_in_view
    where not several_channels
),

buyers_by_history as (
    select
        bucket_start,
        slice,
        count(*) filter (where previous_counted_at is null or previous_counted_at < bucket_start) as buyers,
        count(*) filter (
            where previous_counted_at is null and (next_counted_at is null or next_counted_at >= bucket_end)
        ) as single_order_buyers
    from history
    group by bucket_start, slice
),

channel_firsts as (
    -- A filter of several channels, no channel breakdown: only orders in those channels count, so
    -- each customer's second channel among them by first order, from their whole history.
    select customer_id, first_in_channel_at as second_channel_first_at
    from (
        select
            customer_id,
            ordered_at as first_in_channel_at,
            row_number() over (partition by customer_id order by ordered_at) as channel_rank
        from order_facts
        where previous_in_channel_at is null
            and $breakdown::varchar <> 'channel'
            and array_length($channels::varchar[]) >= 2
            and coalesce(list_contains($channels::varchar[], channel), false)
    ) as ranked
    where channel_rank = 2
),

buyers_in_several_channels as (
    -- A buyer has a single order in these channels up to the bucket's end when it is their first in
    -- its channel, their next in that channel came after the end, and so did their first order in
    -- any other of the channels.
    select
        orders_in_view.bucket_start,
        orders_in_view.slice,
        count(distinct orders_in_view.customer_id) as buyers,
        count(*) filter (
            where orders_in_view.previous_in_channel_at is null
                and (orders_in_view.next_in_channel_at is null
                    or orders_in_view.next_in_channel_at >= orders_in_view.bucket_end)
                and (channel_firsts.second_channel_first_at is null
                    or channel_firsts.second_channel_first_at >= orders_in_view.bucket_end)
        ) as single_order_buyers
    from orders_in_view
    left join channel_firsts on channel_firsts.customer_id = orders_in_view.customer_id
    where orders_in_view.several_channels
    group by orders_in_view.bucket_start, orders_in_view.slice
),

final as (
    select
        bucket_start,
        slice,
        100.0 * (buyers - single_order_buyers) / buyers as value,
        buyers as n,
        buyers - single_order_buyers as repeat_customers
    from (
        select * from buyers_by_history
        union all
        select * from buyers_in_several_channels
    ) as buyers
)

select * from final
order by bucket_start, slice

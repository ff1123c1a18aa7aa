-- complaint_rate: Complaint rate per 1,000 orders
-- Measures: how often customers complain, relative to how much they buy.
-- Formula:  1000 × complaints created in the period / n, in complaints per 1,000 orders;
--           n = orders placed in the period that are not cancelled (status cancelled/canceled).
--           No value (null) when n = 0, even if complaints were raised (no orders to set them against).
--           Also: complaints, the complaints created in the period.
--           A complaint need not be about an order of the same period: this is a ratio of two
--           counts in the same window, not a share of orders that went wrong.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (complaints on created_at, orders on ordered_at)
--   $regions, $segments         the customer's region / segment (empty list = all)
--   $channels                   each record's own channel: the complaint's and the order's (empty list = all).
--                               By channel, complaints raised by phone have no phone orders to set them
--                               against, so that slice shows complaints but no rate.
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice

with

complaint_daily_counts as not materialized (
    -- Complaints and (below) non-cancelled orders counted per day, channel, region and segment
    -- (queries/derived/): the KPI adds up counts, so a filter change never reads every record.
    select * from complaint_daily_counts
),

order_daily_counts as not materialized (
    select * from order_daily_counts
),

complaints_per_bucket as (
    select
        bucket_start(created_on, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, region, segment, channel) as slice,
        sum(complaints)::bigint as complaints
    from complaint_daily_counts
    where in_period(created_on, $period_start::date, $period_end::date)
        and matches(region, $regions::varchar[])
        and matches(segment, $segments::varchar[])
        and matches(channel, $channels::varchar[])
    group by all
),

orders_per_bucket as (
    select
        bucket_start(ordered_on, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, region, segment, channel) as slice,
        sum(orders)::bigint as orders
    from order_daily_counts
    where in_period(ordered_on, $period_start::date, $period_end::date)
        and matches(region, $regions::varchar[])
        and matches(segment, $segments::varchar[])
        and matches(channel, $channels::varchar[])
    group by all
),

counts as (
    -- A full join: a bucket with orders but no complaints has a rate of 0; one with complaints but
    -- no orders has no rate.
    select
        coalesce(orders_per_bucket.bucket_start, complaints_per_bucket.bucket_start) as bucket_start,
        coalesce(orders_per_bucket.slice, complaints_per_bucket.slice) as slice,
        coalesce(orders_per_bucket.orders, 0) as orders,
        coalesce(complaints_per_bucket.complaints, 0) as complaints
    from orders_per_bucket
    full join complaints_per_bucket
        on complaints_per_bucket.bucket_start = orders_per_bucket.bucket_start
        and complaints_per_bucket.slice is not distinct from orders_per_bucket.slice
),

final as (
    select
        bucket_start,
        slice,
        1000.0 * complaints / nullif(orders, 0) as value,
        orders as n,
        complaints
    from counts
)

select * from final
order by bucket_start, slice

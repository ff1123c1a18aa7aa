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

-- Reads order_complaint_daily_counts (queries/derived/): counted orders and complaints per day,
-- channel, region and segment. view_rows are its days in the period that the filters keep, each with
-- its bucket and slice (queries/_view.sql). A bucket with orders but no complaints has a rate of 0;
-- one with complaints but no orders has no rate (n = 0).

with

counts as (
    select
        bucket_start,
        slice,
        sum(orders)::bigint as orders,
        sum(complaints)::bigint as complaints
    from view_rows
    group by bucket_start, slice
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

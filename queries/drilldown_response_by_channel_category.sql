-- drilldown_response_by_channel_category: complaint first-response time by channel and category
-- (not a KPI itself; the complaint_response_hours KPI split two ways, with totals).
-- Measures: how long complainants wait for our first reply, per channel × category.
-- Formula:  as complaint_response_hours: value = median of (first_response_at − created_at) in hours
--           over complaints created in the period that have a first response; n = those complaints;
--           p90_hours = 90th percentile (linear interpolation); awaiting_response = complaints created
--           in the period still without a reply and not resolved. No value (null) when n = 0.
--           Rows: every channel × category with complaints, plus '(all)' rows: each channel over all
--           categories, each category over all channels, and the grand total ('(all)', '(all)').
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)

with

complaints as not materialized (
    select * from complaints
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

complaints_in_period as (
    select
        coalesce(complaints.channel, '(unknown)') as channel,
        coalesce(complaints.category, '(unknown)') as category,
        epoch(complaints.first_response_at - complaints.created_at) / 3600.0 as first_response_hours,
        complaints.resolved_at is not null
            or resolved_at_unknown_time(complaints.status, complaints.resolved_at) as is_resolved
    from complaints
    left join customers on customers.customer_id = complaints.customer_id
    where in_period(complaints.created_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(complaints.channel, $channels::varchar[])
),

final as (
    select
        case when grouping(channel) = 1 then '(all)' else channel end as channel,
        case when grouping(category) = 1 then '(all)' else category end as category,
        median(first_response_hours) as value,
        count(first_response_hours) as n,
        quantile_cont(first_response_hours, 0.9) as p90_hours,
        count(*) filter (where first_response_hours is null and not is_resolved) as awaiting_response
    from complaints_in_period
    group by grouping sets ((channel, category), (channel), (category), ())
)

select * from final
order by channel = '(all)', channel, category = '(all)', category

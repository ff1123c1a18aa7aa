-- recovery_effect: Recovery effect of a fast first response
-- Measures: on our own data, how much more often complainants buy again when we answered them
--           within the first-response SLA than when we answered later (or not at all).
-- Formula:  fast_repeat_rate − late_repeat_rate, in percentage points, where each rate is
--           100 × complainants with a non-cancelled order within $window_days days after the
--           complaint was raised / complainants in that group;
--           complainants = customers with a complaint created in the period (their first one in
--           the period counts; complaints without a customer are left out);
--           fast = first_response_at − created_at <= $sla_hours;
--           late = answered later, or still unanswered and older than $sla_hours at the snapshot
--           (the latest timestamp in the complaints table); unanswered and inside the SLA is
--           undecided and left out;
--           mature = created_at + $window_days days is on or before the data's latest order: only
--           mature complainants count (a window still open would understate the late group's and the
--           fast group's returns alike); the others are counted in immature_customers.
--           n = mature fast + mature late complainants.
--           No value (null) when either group has no mature complainant: no difference without both.
--           Also: fast_repeat_rate, fast_customers, late_repeat_rate, late_customers, immature_customers.
--           This is an observed difference, not a controlled experiment: complaints answered late
--           may differ in kind (category, channel) from those answered fast.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on the complaint's created_at)
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel; the later order may be in any channel
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice
--   $sla_hours                  the first-response SLA in calendar hours (metrics.toml parameters)
--   $window_days                days after the complaint in which an order counts (metrics.toml parameters)

with

complaints as not materialized (
    select * from complaints
),

orders as not materialized (
    select * from orders
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

snapshot as (
    -- Unfiltered on purpose: the exports' horizons are the same for every slice.
    select
        (select taken_at from complaints_taken_at()) as complaints_taken_at,
        (select max(ordered_at) from orders) as latest_order_at
),

first_complaints as (
    -- One row per complainant: their first complaint created in the period.
    select
        complaints.customer_id,
        complaints.created_at,
        complaints.first_response_at,
        slice_of($breakdown::varchar, customers.region, customers.segment, complaints.channel) as slice
    from complaints
    left join customers on customers.customer_id = complaints.customer_id
    where complaints.customer_id is not null
        and in_period(complaints.created_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(complaints.channel, $channels::varchar[])
    qualify row_number() over (
        partition by complaints.customer_id order by complaints.created_at, complaints.complaint_id
    ) = 1
),

classified as (
    select
        bucket_start(first_complaints.created_at, $grain::varchar, $period_start::date) as bucket_start,
        first_complaints.slice,
        first_complaints.customer_id,
        first_complaints.created_at,
        first_complaints.created_at + to_days($window_days::integer) as window_closes_at,
        case
            when epoch(first_complaints.first_response_at - first_complaints.created_at) / 3600.0 <= $sla_hours
                then 'fast'
            when first_complaints.first_response_at is not null then 'late'
            when epoch(snapshot.complaints_taken_at - first_complaints.created_at) / 3600.0 > $sla_hours
                then 'late'
            else 'undecided'
        end as response_group,
        coalesce(
            first_complaints.created_at + to_days($window_days::integer) <= snapshot.latest_order_at, false
        ) as is_mature
    from first_complaints
    cross join snapshot
),

came_back as (
    -- Complainants with a non-cancelled order after the complaint, within the window (any channel).
    select distinct classified.customer_id, classified.slice, classified.bucket_start
    from classified
    inner join orders
        on orders.customer_id = classified.customer_id
        and orders.ordered_at > classified.created_at
        and orders.ordered_at <= classified.window_closes_at
    where is_counted_order(orders.status)
),

outcomes as (
    select
        classified.bucket_start,
        classified.slice,
        classified.response_group,
        classified.is_mature,
        came_back.customer_id is not null as bought_again
    from classified
    left join came_back
        on came_back.customer_id = classified.customer_id
        and came_back.slice is not distinct from classified.slice
        and came_back.bucket_start = classified.bucket_start
),

group_rates as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where is_mature and response_group = 'fast' and bought_again)
            / nullif(count(*) filter (where is_mature and response_group = 'fast'), 0) as fast_repeat_rate,
        count(*) filter (where is_mature and response_group = 'fast') as fast_customers,
        100.0 * count(*) filter (where is_mature and response_group = 'late' and bought_again)
            / nullif(count(*) filter (where is_mature and response_group = 'late'), 0) as late_repeat_rate,
        count(*) filter (where is_mature and response_group = 'late') as late_customers,
        count(*) filter (where not is_mature) as immature_customers
    from outcomes
    group by bucket_start, slice
),

final as (
    select
        bucket_start,
        slice,
        fast_repeat_rate - late_repeat_rate as value,
        fast_customers + late_customers as n,
        fast_repeat_rate,
        fast_customers,
        late_repeat_rate,
        late_customers,
        immature_customers
    from group_rates
)

select * from final
order by bucket_start, slice

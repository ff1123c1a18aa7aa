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

-- Reads complaint_facts (queries/derived/): every complaint with its customer's region and segment,
-- the customer's next counted order after it (next_order_at), their previous complaint
-- (previous_complaint_at) and the exports' horizons
-- (complaints_taken_at, latest_order_at; unfiltered on purpose: the same for every slice). view_rows
-- are the complaints raised in the period that the filters keep, each with its bucket and slice
-- (queries/_view.sql).

with

first_complaints as (
    -- One row per complainant: their first complaint in the view (among those the filters keep).
    -- A filter or slice of the customer (region, segment) keeps all of a customer's complaints or
    -- none of them, so there the first is the one whose previous complaint came before the period
    -- (complaint_facts' previous_complaint_at): no ranking. At 10M orders ranking each customer's
    -- complaints was most of the KPI's time. A filter or slice of the complaint itself (its channel,
    -- its category) keeps some of a customer's complaints, so there they are ranked.
    select
        *,
        1 as complaint_number
    from view_rows
    where customer_id is not null
        and array_length($channels::varchar[]) = 0
        and $within::varchar in ('none', 'region', 'segment')
        and (previous_complaint_at is null or previous_complaint_at < $period_start::date::timestamp)
    union all
    select
        *,
        row_number() over (partition by customer_id order by created_at, complaint_id) as complaint_number
    from view_rows
    where customer_id is not null
        and not (array_length($channels::varchar[]) = 0 and $within::varchar in ('none', 'region', 'segment'))
),

classified as (
    select
        bucket_start,
        slice,
        case
            when epoch(first_response_at - created_at) / 3600.0 <= $sla_hours then 'fast'
            when first_response_at is not null then 'late'
            when epoch(complaints_taken_at - created_at) / 3600.0 > $sla_hours then 'late'
            else 'undecided'
        end as response_group,
        coalesce(created_at + to_days($window_days::integer) <= latest_order_at, false) as is_mature,
        coalesce(next_order_at <= created_at + to_days($window_days::integer), false) as bought_again
    from first_complaints
    where complaint_number = 1
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
    from classified
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

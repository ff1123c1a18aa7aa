-- drilldown_open_backlog: open complaints by age at the period's end (not a KPI itself).
-- Measures: how many complaints were still unresolved at the end of the period, and how old they were.
-- Rows:     one per age bucket, always all five, in order: '< 1 day', '1-3 days', '3-7 days',
--           '7-30 days', '> 30 days' (lower bound inclusive: exactly 3 days old is '3-7 days');
--           open_complaints = complaints raised before the as-of moment and not resolved by then
--           (whenever they were raised: old open complaints are the backlog); a complaint resolved at a
--           time the export does not give (resolved_at_unknown_time()) is not open;
--           awaiting_response = those of them without a first reply by then;
--           as_of = the end of the period's last day, or the data's snapshot (the latest timestamp in
--           the complaints table) if that is earlier: no age is counted past what the data knows.
--           Ages are calendar time. A bucket with no open complaint shows 0 (a count, not a rate).
-- Parameters:
--   $period_end                 date: the backlog is taken at the end of this day
--   $regions, $segments         the complaining customer's region / segment (empty list = all)
--   $channels                   the complaint's own channel (empty list = all)

with

complaints as not materialized (
    select * from complaints
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

as_of as (
    select least($period_end::date + interval 1 day, taken_at) as taken_at
    from complaints_taken_at()
),

age_buckets(bucket_order, age_bucket, from_days, below_days) as (
    values
        (1, '< 1 day', 0, 1),
        (2, '1-3 days', 1, 3),
        (3, '3-7 days', 3, 7),
        (4, '7-30 days', 7, 30),
        (5, '> 30 days', 30, null)
),

open_complaints as (
    select
        epoch(as_of.taken_at - complaints.created_at) / 86400.0 as age_days,
        complaints.first_response_at is null or complaints.first_response_at > as_of.taken_at as awaiting_response
    from complaints
    cross join as_of
    left join customers on customers.customer_id = complaints.customer_id
    where complaints.created_at <= as_of.taken_at
        and (complaints.resolved_at is null or complaints.resolved_at > as_of.taken_at)
        and not resolved_at_unknown_time(complaints.status, complaints.resolved_at)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(complaints.channel, $channels::varchar[])
),

final as (
    select
        age_buckets.age_bucket,
        age_buckets.bucket_order,
        count(open_complaints.age_days) as open_complaints,
        count(open_complaints.age_days) filter (where open_complaints.awaiting_response) as awaiting_response,
        any_value(as_of.taken_at) as as_of
    from age_buckets
    cross join as_of
    left join open_complaints
        on open_complaints.age_days >= age_buckets.from_days
        and (age_buckets.below_days is null or open_complaints.age_days < age_buckets.below_days)
    group by age_buckets.age_bucket, age_buckets.bucket_order
)

select * from final
order by bucket_order

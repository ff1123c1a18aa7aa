-- csat: Customer satisfaction (CSAT)
-- Measures: the share of surveyed customers satisfied with their experience (csat question, 1-5).
-- Formula:  100 × responses scoring 4 or 5 / n, in % (top-2-box; not the mean score);
--           n = responses with a csat_score whose responded_at is in the period.
--           No value (null) when n = 0.
--           Also: satisfied, the responses scoring 4 or 5.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive
--   $regions, $segments         the responding customer's region / segment (empty list = all)
--   $channels                   the response's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice

with

survey_responses as not materialized (
    select * from survey_responses
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

csat_answers as (
    select
        bucket_start(survey_responses.responded_at, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, customers.region, customers.segment, survey_responses.channel) as slice,
        survey_responses.csat_score
    from survey_responses
    left join customers on customers.customer_id = survey_responses.customer_id
    where survey_responses.csat_score is not null
        and in_period(survey_responses.responded_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(survey_responses.channel, $channels::varchar[])
),

final as (
    select
        bucket_start,
        slice,
        100.0 * count(*) filter (where csat_score >= 4) / count(*) as value,
        count(*) as n,
        count(*) filter (where csat_score >= 4) as satisfied
    from csat_answers
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

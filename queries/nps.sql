-- nps: Net Promoter Score
-- Measures: how likely customers are to recommend us (survey question, 0-10).
-- Formula:  100 × (promoters − detractors) / n, in points (−100..+100);
--           promoters score 9-10, passives 7-8, detractors 0-6;
--           n = responses with a recommend_score whose responded_at is in the period.
--           No value (null) when n = 0.
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

scored_responses as (
    select
        bucket_start(survey_responses.responded_at, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, customers.region, customers.segment, survey_responses.channel) as slice,
        survey_responses.recommend_score
    from survey_responses
    left join customers on customers.customer_id = survey_responses.customer_id
    where survey_responses.recommend_score is not null
        and in_period(survey_responses.responded_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(survey_responses.channel, $channels::varchar[])
),

final as (
    select
        bucket_start,
        slice,
        100.0 * (count(*) filter (where recommend_score >= 9) - count(*) filter (where recommend_score <= 6))
            / count(*) as value,
        count(*) as n,
        count(*) filter (where recommend_score >= 9) as promoters,
        count(*) filter (where recommend_score between 7 and 8) as passives,
        count(*) filter (where recommend_score <= 6) as detractors
    from scored_responses
    group by bucket_start, slice
)

select * from final
order by bucket_start, slice

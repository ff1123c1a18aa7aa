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

survey_daily_counts as not materialized (
    -- The responses counted per day, channel, region and segment (queries/derived/): the KPI adds
    -- up counts, so a filter change never reads every response.
    select * from survey_daily_counts
),

answers_in_period as (
    select
        bucket_start(responded_on, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, region, segment, channel) as slice,
        recommend_answers,
        promoters,
        passives,
        detractors
    from survey_daily_counts
    where in_period(responded_on, $period_start::date, $period_end::date)
        and matches(region, $regions::varchar[])
        and matches(segment, $segments::varchar[])
        and matches(channel, $channels::varchar[])
),

answers_per_bucket as (
    select
        bucket_start,
        slice,
        sum(recommend_answers)::bigint as recommend_answers,
        sum(promoters)::bigint as promoters,
        sum(passives)::bigint as passives,
        sum(detractors)::bigint as detractors
    from answers_in_period
    group by bucket_start, slice
),

final as (
    select
        bucket_start,
        slice,
        100.0 * (promoters - detractors) / recommend_answers as value,
        recommend_answers as n,
        promoters,
        passives,
        detractors
    from answers_per_bucket
    where recommend_answers > 0  -- a bucket whose responses all skipped this question
)

select * from final
order by bucket_start, slice

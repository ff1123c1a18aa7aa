-- brand_trust: Brand trust
-- Measures: the share of surveyed customers who trust the brand (trust question, 1-5).
-- Formula:  100 × responses scoring 4 or 5 / n, in % (top-2-box);
--           n = responses with a trust_score whose responded_at is in the period.
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
        trust_answers,
        trusting
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
        sum(trust_answers)::bigint as trust_answers,
        sum(trusting)::bigint as trusting
    from answers_in_period
    group by bucket_start, slice
),

final as (
    select
        bucket_start,
        slice,
        100.0 * trusting / trust_answers as value,
        trust_answers as n,
        trusting
    from answers_per_bucket
    where trust_answers > 0  -- a bucket whose responses all skipped this question
)

select * from final
order by bucket_start, slice

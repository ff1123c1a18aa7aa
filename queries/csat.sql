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

survey_daily_counts as not materialized (
    -- The responses counted per day, channel, region and segment (queries/derived/): the KPI adds
    -- up counts, so a filter change never reads every response.
    select * from survey_daily_counts
),

answers_in_period as (
    select
        bucket_start(responded_on, $grain::varchar, $period_start::date) as bucket_start,
        slice_of($breakdown::varchar, region, segment, channel) as slice,
        csat_answers,
        satisfied
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
        sum(csat_answers)::bigint as csat_answers,
        sum(satisfied)::bigint as satisfied
    from answers_in_period
    group by bucket_start, slice
),

final as (
    select
        bucket_start,
        slice,
        100.0 * satisfied / csat_answers as value,
        csat_answers as n,
        satisfied
    from answers_per_bucket
    where csat_answers > 0  -- a bucket whose responses all skipped this question
)

select * from final
order by bucket_start, slice

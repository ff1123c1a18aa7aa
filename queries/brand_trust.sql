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

-- Reads survey_daily_counts (queries/derived/): the answers counted per day, channel, region and
-- segment, so a filter change adds up a few thousand rows instead of reading every response. view_rows
-- are its days in the period that the filters keep, each with its bucket and slice (queries/_view.sql).

with

answers_per_bucket as (
    select
        bucket_start,
        slice,
        sum(trust_answers)::bigint as trust_answers,
        sum(trusting)::bigint as trusting
    from view_rows
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

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

-- Reads survey_daily_counts (queries/derived/): the answers counted per day, channel, region and
-- segment, so a filter change adds up a few thousand rows instead of reading every response. view_rows
-- are its days in the period that the filters keep, each with its bucket and slice (queries/_view.sql).

with

answers_per_bucket as (
    select
        bucket_start,
        slice,
        sum(recommend_answers)::bigint as recommend_answers,
        sum(promoters)::bigint as promoters,
        sum(passives)::bigint as passives,
        sum(detractors)::bigint as detractors
    from view_rows
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

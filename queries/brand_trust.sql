-- brand_trust: Brand trust
-- Measures: the share of surveyed customers who trust the brand (trust question).
-- Formula:  100 × trusting / n, in % (top-box);
--           trusting = responses in the top $trusting_top_points points of the scale they were
--           answered on (survey_responses.trust_scale: 1-5 unless the export's mapping stated another;
--           top 2 of 1-5 = 4 or 5, of 1-7 = 6 or 7);
--           n = responses with a trust_score whose responded_at is in the period.
--           No value (null) when n = 0.
--           Also: trusting; scales, the scales the period's answers were given on (each counted on
--           its own); top_points, the rule's number of points.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive
--   $regions, $segments         the responding customer's region / segment (empty list = all)
--   $channels                   the response's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice
--   $trusting_top_points        1, 2 or 3 (metrics.toml): how many top points of the scale are trusting

-- Reads survey_daily_counts (queries/derived/): the answers counted per day, channel, region,
-- segment and scale, with how many fell within the top 1, 2 and 3 points of their own scale, so a
-- filter change adds up a few thousand rows instead of reading every response. view_rows are its days
-- in the period that the filters keep, each with its bucket and slice (queries/_view.sql).

with

answers_per_scale as (
    -- Each scale counted on its own: the rule's top points are the top of the answer's own scale.
    select
        bucket_start,
        slice,
        trust_scale,
        sum(trust_answers)::bigint as trust_answers,
        sum(
            case $trusting_top_points
                when 1 then trust_in_top_1
                when 2 then trust_in_top_2
                when 3 then trust_in_top_3
                else error('trusting_top_points in metrics.toml must be 1, 2 or 3')
            end
        )::bigint as trusting
    from view_rows
    group by bucket_start, slice, trust_scale
),

answers_per_bucket as (
    select
        bucket_start,
        slice,
        sum(trust_answers)::bigint as trust_answers,
        sum(trusting)::bigint as trusting,
        string_agg(trust_scale, ', ' order by trust_scale) filter (where trust_answers > 0) as scales
    from answers_per_scale
    group by bucket_start, slice
),

final as (
    select
        bucket_start,
        slice,
        100.0 * trusting / trust_answers as value,
        trust_answers as n,
        trusting,
        scales,
        $trusting_top_points::integer as top_points
    from answers_per_bucket
    where trust_answers > 0  -- a bucket whose responses all skipped this question
)

select * from final
order by bucket_start, slice

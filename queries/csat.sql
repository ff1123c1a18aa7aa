-- csat: Customer satisfaction (CSAT)
-- Measures: the share of surveyed customers satisfied with their experience (csat question).
-- Formula:  100 × satisfied / n, in % (top-box; not the mean score);
--           satisfied = responses in the top $satisfied_top_points points of the scale they were
--           answered on (survey_responses.csat_scale: 1-5 unless the export's mapping stated another;
--           top 2 of 1-5 = 4 or 5, of 1-10 = 9 or 10);
--           n = responses with a csat_score whose responded_at is in the period.
--           No value (null) when n = 0.
--           Also: satisfied; scales, the scales the period's answers were given on ('1-5', or
--           '1-5, 1-10' when exports on different scales meet: each is counted on its own);
--           top_points, the rule's number of points.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive
--   $regions, $segments         the responding customer's region / segment (empty list = all)
--   $channels                   the response's own channel (empty list = all)
--   $grain                      'period' | 'week' | 'month': one row per bucket
--   $breakdown                  'none' | 'region' | 'segment' | 'channel': one row per slice
--   $satisfied_top_points       1, 2 or 3 (metrics.toml): how many top points of the scale are satisfied

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
        csat_scale,
        sum(csat_answers)::bigint as csat_answers,
        sum(
            case $satisfied_top_points
                when 1 then csat_in_top_1
                when 2 then csat_in_top_2
                when 3 then csat_in_top_3
                else error('satisfied_top_points in metrics.toml must be 1, 2 or 3')
            end
        )::bigint as satisfied
    from view_rows
    group by bucket_start, slice, csat_scale
),

answers_per_bucket as (
    select
        bucket_start,
        slice,
        sum(csat_answers)::bigint as csat_answers,
        sum(satisfied)::bigint as satisfied,
        string_agg(csat_scale, ', ' order by csat_scale) filter (where csat_answers > 0) as scales
    from answers_per_scale
    group by bucket_start, slice
),

final as (
    select
        bucket_start,
        slice,
        100.0 * satisfied / csat_answers as value,
        csat_answers as n,
        satisfied,
        scales,
        $satisfied_top_points::integer as top_points
    from answers_per_bucket
    where csat_answers > 0  -- a bucket whose responses all skipped this question
)

select * from final
order by bucket_start, slice

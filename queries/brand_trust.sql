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
        trust_scale,
        trust_answers,
        case $trusting_top_points
            when 1 then trust_in_top_1
            when 2 then trust_in_top_2
            when 3 then trust_in_top_3
            else error('trusting_top_points in metrics.toml must be 1, 2 or 3')
        end as trusting
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
        sum(trusting)::bigint as trusting,
        string_agg(distinct trust_scale, ', ' order by trust_scale) filter (where trust_answers > 0) as scales
    from answers_in_period
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

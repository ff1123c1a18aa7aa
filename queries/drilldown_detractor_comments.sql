-- drilldown_detractor_comments: what detractors wrote, word for word (not a KPI itself).
-- Measures: the verbatim comments of NPS detractors (recommend score 0-6) behind the period's NPS,
--           optionally within one slice and containing a search text.
-- Rows:     one per detractor response with a non-blank comment, newest first, at most $max_rows;
--           matching = how many responses match in all (so a page can say "showing 200 of 1,234").
--           The search is a plain, case-insensitive substring ('%' and '_' are literal characters).
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on responded_at)
--   $regions, $segments         the responding customer's region / segment (empty list = all)
--   $channels                   the response's own channel (empty list = all)
--   $slice_dimension            'none' | 'region' | 'segment' | 'channel'
--   $slice_value                the slice to keep, as the slice impact query names it (e.g. '(unknown)')
--   $search                     text the comment must contain ('' = any comment)
--   $max_rows                   the most rows returned

with

survey_responses as not materialized (
    select * from survey_responses
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

detractor_comments as (
    select
        survey_responses.responded_at,
        survey_responses.recommend_score,
        survey_responses.comment,
        coalesce(customers.region, '(unknown)') as region,
        coalesce(customers.segment, '(unknown)') as segment,
        coalesce(survey_responses.channel, '(unknown)') as channel,
        survey_responses.response_id
    from survey_responses
    left join customers on customers.customer_id = survey_responses.customer_id
    where survey_responses.recommend_score <= 6
        and trim(coalesce(survey_responses.comment, '')) <> ''
        and in_period(survey_responses.responded_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(survey_responses.channel, $channels::varchar[])
        and (
            $slice_dimension::varchar = 'none'
            or slice_of($slice_dimension::varchar, customers.region, customers.segment, survey_responses.channel)
                = $slice_value::varchar
        )
        and contains(lower(survey_responses.comment), lower(trim($search::varchar)))
),

final as (
    select
        *,
        count(*) over () as matching
    from detractor_comments
)

select * from final
order by responded_at desc, response_id
limit $max_rows

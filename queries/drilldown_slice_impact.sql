-- drilldown_slice_impact: which slices move a survey KPI's total, and by how much (not a KPI itself).
-- Measures: for NPS, brand trust or CSAT, each region / segment / channel's own value and how many
--           points it moves the total.
-- Formula:  each answer is scored so that the KPI is the mean score:
--             nps:         +100 promoter (9-10), 0 passive (7-8), −100 detractor (0-6);
--             brand_trust: 100 for a trust score in the top $top_points points of its scale
--                          (survey_responses.trust_scale; top 2 of 1-5 = 4-5), else 0;
--             csat:        100 for a csat score in the top $top_points points of its scale, else 0
--                          (the KPIs' own rule, brand_trust.sql and csat.sql);
--           value = mean score in the slice (= the slice's NPS / %), n = answers in the slice;
--           total_value, total_n = the same over every slice;
--           impact = (value − total_value) × n / total_n, in points of the total: how far this slice
--           pulls the total up (+) or down (−). The impacts of all slices add up to 0, and
--           total_value − impact ≈ what the total would be if this slice scored like the total;
--           rest_value = the total without this slice (null when it is the only slice).
--           Rows come largest |impact| first. No row for a slice without answers.
-- Parameters:
--   $period_start, $period_end  dates, both inclusive (on responded_at)
--   $regions, $segments         the responding customer's region / segment (empty list = all)
--   $channels                   the response's own channel (empty list = all)
--   $breakdown                  'region' | 'segment' | 'channel': what a slice is
--   $metric                     'nps' | 'brand_trust' | 'csat'
--   $top_points                 brand_trust, csat: the KPI's top-points rule (metrics.toml); 0 for nps

with

survey_responses as not materialized (
    select * from survey_responses
),

customers as (
    select * from kept_customers($regions::varchar[], $segments::varchar[])
),

scored_answers as (
    select
        slice_of($breakdown::varchar, customers.region, customers.segment, survey_responses.channel) as slice,
        case $metric::varchar
            when 'nps' then
                case
                    when survey_responses.recommend_score >= 9 then 100
                    when survey_responses.recommend_score <= 6 then -100
                    when survey_responses.recommend_score is not null then 0
                end
            when 'brand_trust' then
                case
                    when split_part(survey_responses.trust_scale, '-', 2)::integer - survey_responses.trust_score
                        < $top_points then 100
                    when survey_responses.trust_score is not null then 0
                end
            when 'csat' then
                case
                    when split_part(survey_responses.csat_scale, '-', 2)::integer - survey_responses.csat_score
                        < $top_points then 100
                    when survey_responses.csat_score is not null then 0
                end
        end as score
    from survey_responses
    left join customers on customers.customer_id = survey_responses.customer_id
    where in_period(survey_responses.responded_at, $period_start::date, $period_end::date)
        and customer_kept(customers.customer_id, $regions::varchar[], $segments::varchar[])
        and matches(survey_responses.channel, $channels::varchar[])
),

per_slice as (
    select
        slice,
        avg(score) as value,
        count(*) as n,
        sum(score) as score_sum
    from scored_answers
    where score is not null
    group by slice
),

with_total as (
    select
        per_slice.*,
        sum(score_sum) over () / sum(n) over () as total_value,
        sum(n) over () as total_n,
        sum(score_sum) over () as total_score_sum
    from per_slice
),

final as (
    select
        slice,
        value,
        n,
        total_value,
        total_n,
        100.0 * n / total_n as share_of_answers,
        (value - total_value) * n / total_n as impact,
        (total_score_sum - score_sum) / nullif(total_n - n, 0) as rest_value
    from with_total
)

select * from final
order by abs(impact) desc, slice

-- survey_daily_counts: survey answers counted per day, channel, region and segment (a derived table)
-- Holds:    one row per response day, response channel, the responding customer's region and
--           segment, and the scales the trust and csat answers were given on (survey_responses'
--           trust_scale, csat_scale: '1-5' unless a mapping stated another): how many answered each
--           question (responses: how many responses, answered or not), and how many of those answers
--           fell in each band the KPIs count. trust and csat
--           answers are counted by their place from the top of their own scale (*_in_top_k: answers
--           within the top k points, k = 1, 2, 3), so a KPI can apply the rule metrics.toml states
--           ("the top 2 points") to any scale. region and segment are null when the customer is unknown.
-- Read by:  nps, brand_trust and csat, and data_body (responses per day). The KPIs' values are sums
--           of these counts, so a filter change adds up a few thousand rows instead of joining every
--           response to its customer.
-- Kept:     by the loader in the same transaction as every load into survey_responses or customers: a load of
--           answers adds the counts of the rows it wrote and takes away those of the versions it replaced
--           (this SQL run over those rows alone: every column but the group's is a count); a load of
--           customers computes again the days of their answers, the whole table when it touches half its
--           days or more (warehouse.DERIVED_TABLES, refresh_derived). A customer's region or segment can
--           change.

with

survey_responses as not materialized (
    select * from survey_responses
),

customers as not materialized (
    select * from customers
),

answers as (
    select
        cast(survey_responses.responded_at as date) as responded_on,
        survey_responses.channel,
        customers.region,
        customers.segment,
        survey_responses.recommend_score,
        survey_responses.trust_score,
        survey_responses.csat_score,
        survey_responses.trust_scale,
        survey_responses.csat_scale,
        -- 0 for an answer at the top of its scale, 1 for the point below, ...
        split_part(survey_responses.trust_scale, '-', 2)::integer - survey_responses.trust_score as trust_below_top,
        split_part(survey_responses.csat_scale, '-', 2)::integer - survey_responses.csat_score as csat_below_top
    from survey_responses
    left join customers on customers.customer_id = survey_responses.customer_id
),

final as (
    select
        responded_on,
        channel,
        region,
        segment,
        trust_scale,
        csat_scale,
        count(*) as responses,
        count(recommend_score) as recommend_answers,
        count(*) filter (where recommend_score >= 9) as promoters,
        count(*) filter (where recommend_score between 7 and 8) as passives,
        count(*) filter (where recommend_score <= 6) as detractors,
        count(trust_score) as trust_answers,
        count(*) filter (where trust_below_top < 1) as trust_in_top_1,
        count(*) filter (where trust_below_top < 2) as trust_in_top_2,
        count(*) filter (where trust_below_top < 3) as trust_in_top_3,
        count(csat_score) as csat_answers,
        count(*) filter (where csat_below_top < 1) as csat_in_top_1,
        count(*) filter (where csat_below_top < 2) as csat_in_top_2,
        count(*) filter (where csat_below_top < 3) as csat_in_top_3
    from answers
    group by responded_on, channel, region, segment, trust_scale, csat_scale
)

select * from final
order by responded_on

-- survey_daily_counts: survey answers counted per day, channel, region and segment (a derived table)
-- Holds:    one row per response day, response channel and the responding customer's region and
--           segment: how many answered each question, and how many of those answers fell in each
--           band the KPIs count. region and segment are null when the customer is unknown.
-- Read by:  nps, brand_trust and csat. Their values are sums of these counts, so a filter change
--           adds up a few thousand rows instead of joining every response to its customer.
-- Rebuilt:  by the loader in the same transaction as every load into survey_responses or customers
--           (warehouse.refresh_derived): a customer's region or segment can change.

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
        survey_responses.csat_score
    from survey_responses
    left join customers on customers.customer_id = survey_responses.customer_id
),

final as (
    select
        responded_on,
        channel,
        region,
        segment,
        count(recommend_score) as recommend_answers,
        count(*) filter (where recommend_score >= 9) as promoters,
        count(*) filter (where recommend_score between 7 and 8) as passives,
        count(*) filter (where recommend_score <= 6) as detractors,
        count(trust_score) as trust_answers,
        count(*) filter (where trust_score >= 4) as trusting,
        count(csat_score) as csat_answers,
        count(*) filter (where csat_score >= 4) as satisfied
    from answers
    group by responded_on, channel, region, segment
)

select * from final
order by responded_on

-- complaint_daily_counts: complaints counted per day raised, channel, region and segment (a derived table)
-- Holds:    one row per day raised (created_at), complaint channel and the complaining customer's
--           region and segment: how many complaints were raised. region and segment are null when
--           the customer is unknown.
-- Read by:  complaint_rate, whose numerator is a sum of these counts, and data_body (complaints per day).
-- Rebuilt:  by the loader in the same transaction as every load into complaints or customers
--           (warehouse.refresh_derived): a customer's region or segment can change.

with

complaints as not materialized (
    select * from complaints
),

customers as not materialized (
    select * from customers
),

raised_complaints as (
    select
        complaints.created_at::date as created_on,
        complaints.channel,
        customers.region,
        customers.segment
    from complaints
    left join customers on customers.customer_id = complaints.customer_id
),

final as (
    select
        created_on,
        channel,
        region,
        segment,
        count(*) as complaints
    from raised_complaints
    group by created_on, channel, region, segment
)

select * from final

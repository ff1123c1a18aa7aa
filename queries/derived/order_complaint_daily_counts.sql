-- order_complaint_daily_counts: orders and complaints counted per day, channel, region and segment (a derived table)
-- Holds:    one row per day, channel and the customer's region and segment: how many counted orders
--           were placed that day (not cancelled: is_counted_order in _macros.sql; orders without a
--           customer count too, they are orders all the same) and how many complaints were raised
--           (created_at). region and segment are null when the customer is unknown.
-- Read by:  complaint_rate, whose numerator and denominator are sums of these counts, and data_body
--           (orders and complaints per day).
-- Kept:     by the loader in the same transaction as every load into orders, complaints or customers: a load
--           of orders or complaints adds the counts of the rows it wrote and takes away those of the
--           versions it replaced (this SQL run over those rows alone, the other records read as none);
--           a load of customers computes again the days of their records, the whole table when it
--           touches half its days or more (warehouse.DERIVED_TABLES, refresh_derived). A customer's
--           region or segment can change.

with

orders as not materialized (
    select * from orders
),

complaints as not materialized (
    select * from complaints
),

customers as not materialized (
    select * from customers
),

counted_orders as (
    select
        cast(orders.ordered_at as date) as day,
        orders.channel,
        customers.region,
        customers.segment,
        1 as orders,
        0 as complaints
    from orders
    left join customers on customers.customer_id = orders.customer_id
    where is_counted_order(orders.status)
),

raised_complaints as (
    select
        cast(complaints.created_at as date) as day,
        complaints.channel,
        customers.region,
        customers.segment,
        0 as orders,
        1 as complaints
    from complaints
    left join customers on customers.customer_id = complaints.customer_id
),

final as (
    select
        day,
        channel,
        region,
        segment,
        sum(orders) as orders,
        sum(complaints) as complaints
    from (
        select * from counted_orders
        union all
        select * from raised_complaints
    ) as records
    group by day, channel, region, segment
)

select * from final
order by day

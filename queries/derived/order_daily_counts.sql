-- order_daily_counts: orders counted per day, channel, region and segment (a derived table)
-- Holds:    one row per order day, order channel and the buyer's region and segment: how many
--           orders were placed. region and segment are null when the buyer is unknown.
-- Counts:   orders that were not cancelled (is_counted_order in _macros.sql), the rule of the KPIs
--           that read it; orders without a customer count too (they are orders all the same).
-- Read by:  complaint_rate, whose denominator is a sum of these counts, and data_body (orders per day).
-- Rebuilt:  by the loader in the same transaction as every load into orders or customers
--           (warehouse.refresh_derived): a customer's region or segment can change.

with

orders as not materialized (
    select * from orders
),

customers as not materialized (
    select * from customers
),

counted_orders as (
    select
        orders.ordered_at::date as ordered_on,
        orders.channel,
        customers.region,
        customers.segment
    from orders
    left join customers on customers.customer_id = orders.customer_id
    where is_counted_order(orders.status)
),

final as (
    select
        ordered_on,
        channel,
        region,
        segment,
        count(*) as orders
    from counted_orders
    group by ordered_on, channel, region, segment
)

select * from final

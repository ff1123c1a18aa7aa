-- customer_channel_orders: each customer's first two orders in each channel (a derived table)
-- Holds:    one row per customer and order channel: when their first and second orders in that
--           channel were placed (second_ordered_at is null after a single order).
-- Counts:   orders with a customer that were not cancelled (is_counted_order in _macros.sql): the rule
--           of the KPIs that read it.
-- Read by:  repeat_purchase_rate and cohort_repeat_90d. Two orders per channel answer both
--           "2+ orders by a date" and "when was the second order", for any set of channels.
-- Rebuilt:  by the loader in the same transaction as every load into orders
--           (warehouse.refresh_derived), so it always agrees with the orders table. Computing it in
--           each KPI query instead cost an aggregate over every order on every filter change.

with

orders as not materialized (
    select * from orders
),

counted_orders as (
    select
        customer_id,
        channel,
        ordered_at
    from orders
    where customer_id is not null
        and is_counted_order(status)
),

final as (
    select
        customer_id,
        channel,
        min(ordered_at) as first_ordered_at,
        min(ordered_at, 2)[2] as second_ordered_at
    from counted_orders
    group by customer_id, channel
)

select * from final

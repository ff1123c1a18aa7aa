-- first_orders: each customer's first counted order, when their second came and how far the orders reach (a derived table)
-- Holds:    one row per known customer with a counted order (order_facts): their first-ever order's
--           time (first_ordered_at) and channel, their second order's time (second_ordered_at, any
--           channel; null after one order), their region and segment, and latest_order_at: the latest
--           ordered_at in the whole orders table (cancelled orders and orders without a customer
--           included), how far the orders export reaches.
--           First orders placed at the same moment in two channels: the channel first in alphabetical
--           order (order_facts' order).
-- Read by:  cohort_repeat_90d (a cohort is the customers whose first order falls in the period).
-- Kept:     by the loader in the same transaction as every load into orders or customers: the rows of each
--           customer the load touched are computed again by this SQL, the whole table when a load touches half
--           its customers or more (warehouse.DERIVED_TABLES, refresh_derived). It is kept after order_facts,
--           which it reads.

with

order_facts as not materialized (
    select * from order_facts
),

orders as not materialized (
    select * from orders
),

data_horizon as (
    select max(ordered_at) as latest_order_at
    from orders
),

final as (
    select
        order_facts.customer_id,
        order_facts.ordered_at as first_ordered_at,
        order_facts.channel,
        order_facts.region,
        order_facts.segment,
        order_facts.next_ordered_at as second_ordered_at,
        data_horizon.latest_order_at
    from order_facts
    cross join data_horizon
    where order_facts.previous_ordered_at is null
)

select * from final
order by first_ordered_at

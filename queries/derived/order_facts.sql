-- order_facts: every counted order of a known customer, with where it stands in their history (a derived table)
-- Holds:    one row per order that has a customer and was not cancelled (is_counted_order in
--           _macros.sql, the rule of every KPI that counts orders), with the customer's region and
--           segment (null when the customer is unknown) and, from the customer's other counted orders:
--             previous_ordered_at     their order just before this one (null for their first);
--             previous_in_channel_at  the same within this order's channel;
--             second_ordered_at       their second order ever (null until they have one);
--             second_in_channel_at    their second order in this order's channel.
--           A customer's orders are in order of ordered_at, then channel, then order_id, so two
--           orders placed at the same moment still come one after the other.
-- Read by:  repeat_purchase_rate (the KPI adds up orders instead of counting distinct customers:
--           a customer's first order in a bucket is the one whose previous order came before it).
-- Rebuilt:  by the loader in the same transaction as every load into orders or customers
--           (warehouse.refresh_derived): a customer's region or segment can change.

with

orders as (
    select * from orders
),

customers as (
    select * from customers
),

counted_orders as (
    select
        order_id,
        customer_id,
        ordered_at,
        channel
    from orders
    where customer_id is not null
        and is_counted_order(status)
),

sequenced as (
    select
        *,
        row_number() over (
            partition by customer_id order by ordered_at, channel nulls last, order_id
        ) as customer_order_number,
        row_number() over (
            partition by customer_id, channel order by ordered_at, order_id
        ) as channel_order_number,
        lag(ordered_at) over (
            partition by customer_id order by ordered_at, channel nulls last, order_id
        ) as previous_ordered_at,
        lag(ordered_at) over (
            partition by customer_id, channel order by ordered_at, order_id
        ) as previous_in_channel_at
    from counted_orders
),

final as (
    select
        sequenced.order_id,
        sequenced.customer_id,
        sequenced.ordered_at,
        sequenced.channel,
        customers.region,
        customers.segment,
        sequenced.previous_ordered_at,
        sequenced.previous_in_channel_at,
        max(case when sequenced.customer_order_number = 2 then sequenced.ordered_at end)
            over (partition by sequenced.customer_id) as second_ordered_at,
        max(case when sequenced.channel_order_number = 2 then sequenced.ordered_at end)
            over (partition by sequenced.customer_id, sequenced.channel) as second_in_channel_at
    from sequenced
    left join customers on customers.customer_id = sequenced.customer_id
)

select * from final
order by ordered_at

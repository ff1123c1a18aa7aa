-- order_facts: every counted order of a known customer, with where it stands in their history (a derived table)
-- Holds:    one row per order that has a customer and was not cancelled (is_counted_order in
--           _macros.sql, the rule of every KPI that counts orders), with the customer's region and
--           segment (null when the customer is unknown) and, from the customer's other counted orders:
--             previous_ordered_at, next_ordered_at        their orders just before and after this one
--                                                         (null for their first / latest);
--             previous_in_channel_at, next_in_channel_at  the same within this order's channel.
--           On a customer's first order, next_ordered_at is their second. A customer's orders are in
--           order of ordered_at, then channel, then order_id, so two orders placed at the same moment
--           still come one after the other.
-- Read by:  repeat_purchase_rate (the KPI adds up orders instead of counting distinct customers:
--           a customer's first order in a bucket is the one whose previous order came before it).
-- Kept:     by the loader in the same transaction as every load into orders or customers: the rows of each
--           customer the load touched are computed again by this SQL, the whole table when a load touches half
--           its customers or more (warehouse.DERIVED_TABLES, refresh_derived). A customer's region or segment
--           can change.

with

orders as not materialized (
    select * from orders
),

customers as not materialized (
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
        lag(ordered_at) over (
            partition by customer_id order by ordered_at, channel nulls last, order_id
        ) as previous_ordered_at,
        lead(ordered_at) over (
            partition by customer_id order by ordered_at, channel nulls last, order_id
        ) as next_ordered_at,
        lag(ordered_at) over (
            partition by customer_id, channel order by ordered_at, order_id
        ) as previous_in_channel_at,
        lead(ordered_at) over (
            partition by customer_id, channel order by ordered_at, order_id
        ) as next_in_channel_at
    from counted_orders
),

final as (
    -- The order's own id is left out: no KPI needs it, and every byte is paid for in the sort below.
    select
        sequenced.customer_id,
        sequenced.ordered_at,
        sequenced.channel,
        customers.region,
        customers.segment,
        sequenced.previous_ordered_at,
        sequenced.next_ordered_at,
        sequenced.previous_in_channel_at,
        sequenced.next_in_channel_at
    from sequenced
    left join customers on customers.customer_id = sequenced.customer_id
)

-- Region by region, then in time order: a period reads only the row groups it covers, and a region
-- filter (the first filter the app offers) only its region's (DuckDB's zone maps keep each row group's
-- least and greatest value of every column; the view rule's filters are written so that DuckDB can use
-- them). At 10M orders a region-filtered 12-month view reads 10 of the 79 row groups, against 51 in
-- time order alone; an unfiltered view reads about what it read before. The regions are kept apart by
-- the hash of their name, not in alphabetical order, which no filter needs: a sort on two fixed-width
-- keys builds the table in 13.5 s at 10M orders, against 17.7 s by the name (docs/decisions.md).
select * from final
order by hash(region), ordered_at

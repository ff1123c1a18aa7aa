-- complaint_facts: every complaint with its customer's region and segment and what the customer did next (a derived table)
-- Holds:    one row per complaint: its own columns, the customer's region and segment (null when the
--           customer is unknown), and
--             next_order_at         the customer's first counted order (order_facts) placed after
--                                   the complaint was raised (null when none, or no customer);
--             complaints_taken_at   when the complaints export was taken: the latest timestamp of any
--                                   kind in the complaints table (open complaints are aged up to it);
--             latest_order_at       the latest ordered_at in the whole orders table: how far the
--                                   orders export reaches.
--           The two horizons are the same on every row: unfiltered on purpose, an export's time is
--           the same for every slice.
-- Read by:  complaint_response_hours, complaints_resolved_within_sla and recovery_effect (which finds
--           a complainant's first complaint in a period by previous_complaint_at), and the
--           complaint drill-downs.
-- Kept:     by the loader in the same transaction as every load into complaints, orders or customers: the rows
--           of each customer the load touched are computed again by this SQL, the whole table when a load
--           touches half its customers or more (warehouse.DERIVED_TABLES, refresh_derived). It is kept after
--           order_facts, which it reads.

with

complaints as not materialized (
    select * from complaints
),

customers as not materialized (
    select * from customers
),

order_facts as not materialized (
    select * from order_facts
),

orders as not materialized (
    select * from orders
),

horizons as (
    select
        (select greatest(max(created_at), max(first_response_at), max(resolved_at)) from complaints)
            as complaints_taken_at,
        (select max(ordered_at) from orders) as latest_order_at
),

next_orders as (
    select
        complaints.complaint_id,
        min(order_facts.ordered_at) as next_order_at
    from complaints
    inner join order_facts
        on order_facts.customer_id = complaints.customer_id
        and order_facts.ordered_at > complaints.created_at
    group by complaints.complaint_id
),

final as (
    select
        complaints.complaint_id,
        complaints.customer_id,
        complaints.created_at,
        complaints.first_response_at,
        complaints.resolved_at,
        complaints.channel,
        complaints.category,
        complaints.status,
        customers.region,
        customers.segment,
        next_orders.next_order_at,
        case when complaints.customer_id is not null then
            lag(complaints.created_at) over (
                partition by complaints.customer_id order by complaints.created_at, complaints.complaint_id
            )
        end as previous_complaint_at,
        horizons.complaints_taken_at,
        horizons.latest_order_at
    from complaints
    cross join horizons
    left join customers on customers.customer_id = complaints.customer_id
    left join next_orders on next_orders.complaint_id = complaints.complaint_id
)

select * from final
order by created_at

-- data_body: where each table's real body of data ends (not a KPI; the default period ends there).
-- Columns: table_name, body_through: the last day of the table's body. Records after the table's
--          last gap of more than 92 days without a record, when they are fewer than 5% of the
--          table, are strays (a year typed wrong but still before the load date, 2027 for 2026), not
--          the body: one of them must not move the default period to a quarter of "no data". Dates
--          after the load time are quarantined by the loader already (docs/ingest.md).
--          Orders count without the cancelled ones, as every KPI does; null for an empty table.
-- Parameters: none.
-- Reads the loader's daily counts (queries/derived/), not every record: it runs whenever the data
-- changes, before any card.

with

record_days as (
    -- order_complaint_daily_counts has a row for a day of complaints without orders, and the reverse:
    -- only the days each table has records count.
    select 'orders' as table_name, day, sum(orders) as records
    from order_complaint_daily_counts
    group by day
    having sum(orders) > 0
    union all
    select 'survey_responses', responded_on, sum(responses) from survey_daily_counts group by responded_on
    union all
    select 'complaints', day, sum(complaints)
    from order_complaint_daily_counts
    group by day
    having sum(complaints) > 0
    union all
    select 'customers', created_at::date, count(*) from customers where created_at is not null group by all
),

gaps as (
    select
        table_name,
        day,
        date_diff('day', lag(day) over (partition by table_name order by day), day) as days_since_previous,
        sum(records) over (partition by table_name order by day desc) as records_from_here,
        sum(records) over (partition by table_name) as table_records
    from record_days
),

stray_tails as (
    select table_name, min(day) as strays_from
    from gaps
    where days_since_previous > 92 and records_from_here < 0.05 * table_records
    group by table_name
),

final as (
    select record_days.table_name, max(record_days.day) as body_through
    from record_days
    left join stray_tails on stray_tails.table_name = record_days.table_name
    where stray_tails.strays_from is null or record_days.day < stray_tails.strays_from
    group by record_days.table_name
)

select * from final
order by table_name

-- data_freshness: how recent each source table is (not a KPI; shown beside every KPI).
-- Columns: table_name, row_count, data_through (latest record timestamp), last_loaded_at
--          (when a file last loaded into the table; null if it was never loaded by cxkpi ingest),
--          body_through: the last day of the table's real body, where the default period ends
--          (cxkpi.kpis.default_period). Records after the table's last gap of more than 92 days
--          without a record, when they are fewer than 5% of the table, are strays (a year typed
--          wrong: 2027 for 2026, still before the load date), not the body: one of them must not move
--          the default period to a quarter of "no data". Dates after the load time are quarantined
--          by the loader already.
-- Parameters: none.

with

record_times as (
    select 'customers' as table_name, created_at as recorded_at from customers
    union all
    select 'orders', ordered_at from orders
    union all
    select 'survey_responses', responded_at from survey_responses
    union all
    select 'complaints', created_at from complaints
),

table_extents as (
    select table_name, count(*) as row_count, max(recorded_at) as data_through
    from record_times
    group by table_name
),

record_days as (
    select table_name, recorded_at::date as day, count(*) as records
    from record_times
    where recorded_at is not null
    group by table_name, day
),

gaps as (
    select
        table_name,
        day,
        day - lag(day) over (partition by table_name order by day) as days_since_previous,
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

bodies as (
    select record_days.table_name, max(record_days.day) as body_through
    from record_days
    left join stray_tails on stray_tails.table_name = record_days.table_name
    where stray_tails.strays_from is null or record_days.day < stray_tails.strays_from
    group by record_days.table_name
),

last_loads as (
    select table_name, max(loaded_at) as last_loaded_at
    from ingest_log
    group by table_name
),

tables(table_name) as (
    values ('customers'), ('complaints'), ('orders'), ('survey_responses')
),

final as (
    select
        tables.table_name,
        coalesce(table_extents.row_count, 0) as row_count,
        table_extents.data_through,
        last_loads.last_loaded_at,
        bodies.body_through
    from tables
    left join table_extents on table_extents.table_name = tables.table_name
    left join last_loads on last_loads.table_name = tables.table_name
    left join bodies on bodies.table_name = tables.table_name
)

select * from final
order by table_name

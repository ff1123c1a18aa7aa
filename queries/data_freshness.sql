-- data_freshness: how recent each source table is (not a KPI; shown beside every KPI).
-- Columns: table_name, row_count, data_through (latest record timestamp), last_loaded_at
--          (when a file last loaded into the table; null if it was never loaded by cxkpi ingest).
-- Parameters: none.

with

table_extents as (
    select 'customers' as table_name, count(*) as row_count, max(created_at) as data_through
    from customers
    union all
    select 'orders', count(*), max(ordered_at) from orders
    union all
    select 'survey_responses', count(*), max(responded_at) from survey_responses
    union all
    select 'complaints', count(*), max(created_at) from complaints
),

last_loads as (
    select table_name, max(loaded_at) as last_loaded_at
    from ingest_log
    group by table_name
),

final as (
    select
        table_extents.table_name,
        table_extents.row_count,
        table_extents.data_through,
        last_loads.last_loaded_at
    from table_extents
    left join last_loads on last_loads.table_name = table_extents.table_name
)

select * from final
order by table_name

-- Shared building blocks for the derived tables and the drill-downs: the cancelled-order rule, period
-- bounds and filters. Loaded as temporary macros on every connection; not a KPI itself. (The KPIs take
-- their period, buckets, filters and slices from the view rule, queries/_view.sql; on Spark these
-- macros are written out where they are called, cxkpi/kpi_sql.py.)

-- True when ts falls within [period_start, period_end], both dates inclusive:
-- an event at 23:00 on the end date counts.
create or replace temp macro in_period(ts, period_start, period_end) as
    ts >= period_start::timestamp
    and ts < period_end::date + interval 1 day;

-- An order every KPI counts: not cancelled (status cancelled/canceled, in any case; no status counts).
create or replace temp macro is_counted_order(status) as
    coalesce(lower(status), '') not in ('cancelled', 'canceled');

-- A filter list left empty means "all"; otherwise the value must be in it.
-- A record whose value is unknown (null) drops out once a filter is set.
create or replace temp macro matches(value, allowed) as
    len(allowed) = 0 or coalesce(list_contains(allowed, value), false);

-- With a region or segment filter set, a record is kept only if its customer passed the filter
-- (customer_id here comes from the filtered customers CTE, so it is null when the customer did not).
create or replace temp macro customer_kept(filtered_customer_id, regions, segments) as
    (len(regions) = 0 and len(segments) = 0) or filtered_customer_id is not null;

-- Which attribute a breakdown slices by; null when there is no breakdown.
create or replace temp macro slice_of(breakdown, region, segment, channel) as
    case breakdown
        when 'region' then coalesce(region, '(unknown)')
        when 'segment' then coalesce(segment, '(unknown)')
        when 'channel' then coalesce(channel, '(unknown)')
    end;

-- The customers a region / segment filter keeps (empty lists = all). KPI queries left-join their
-- records to it, and customer_kept() then drops the records whose customer it filtered out; the
-- filter applies here, before the join, so DuckDB joins fewer rows. main.customers: the table itself,
-- whatever CTE the calling query names customers.
create or replace temp macro kept_customers(regions, segments) as table
    select customer_id, region, segment
    from main.customers
    where matches(region, regions)
        and matches(segment, segments);

-- When the complaints export was taken: its latest timestamp of any kind. Unfiltered on purpose,
-- the export's time is the same for every slice. Complaints still open are aged up to it.
create or replace temp macro complaints_taken_at() as table
    select greatest(max(created_at), max(first_response_at), max(resolved_at)) as taken_at
    from main.complaints;  -- the table: a calling query's complaints CTE must not narrow it

-- A complaint whose status says it is resolved but that has no resolved_at: resolved at a time the
-- export does not give (a CFPB "Closed with explanation", a closed ticket exported without its
-- resolution time). The loader maps each export's status words to 'resolved' (export_formats.toml:
-- Zendesk solved/closed, Freshdesk resolved/closed, Salesforce Closed, CFPB "Closed ...", ServiceNow
-- Resolved/Closed). Such a complaint is neither open nor awaiting a first response, and its SLA
-- outcome cannot be known: it leaves the resolution SLA's n, counted apart.
create or replace temp macro resolved_at_unknown_time(status, resolved_at) as
    resolved_at is null and coalesce(lower(status), '') = 'resolved';

-- Business hours (a KPI with business_hours = true in metrics.toml; the schedule is its
-- [business_hours]): the working seconds from Monday 1900-01-01 to ts, so that the working time
-- between two instants is working_seconds_before(later) − working_seconds_before(earlier), in closed
-- form (no row per day). working_days: the working weekdays, Monday = 0 ... Sunday = 6; the day opens
-- at opens_seconds and closes at closes_seconds after midnight; holidays: dates that fall on working
-- days (cxkpi.registry.Schedule leaves out the others). Timestamps are read on the warehouse's clock.
-- Whole working days before ts's date, times the working day's length, plus the part of ts's own day
-- worked by ts.
create or replace temp macro working_seconds_before(ts, working_days, opens_seconds, closes_seconds, holidays) as
    (
        (datediff('day', date '1900-01-01', ts::date) // 7) * array_length(working_days)
        + array_length(list_filter(working_days, lambda weekday: weekday < datediff('day', date '1900-01-01', ts::date) % 7))
        - array_length(list_filter(holidays, lambda holiday: holiday < ts::date))
    ) * (closes_seconds - opens_seconds)
    + case
        when list_contains(working_days, datediff('day', date '1900-01-01', ts::date) % 7)
            and not list_contains(holidays, ts::date)
        then least(greatest(epoch(ts - ts::date::timestamp), opens_seconds), closes_seconds) - opens_seconds
        else 0
    end;

-- filter_segment_values: the segments a filter can choose from (not a KPI). Parameters: none.
select distinct segment from customers where segment is not null order by segment

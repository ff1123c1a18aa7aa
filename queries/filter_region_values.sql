-- filter_region_values: the regions a filter can choose from (not a KPI). Parameters: none.
select distinct region from customers where region is not null order by region

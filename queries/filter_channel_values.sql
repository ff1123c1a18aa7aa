-- filter_channel_values: the channels a filter can choose from, across orders, survey responses
-- and complaints (each record filters on its own channel). Not a KPI. Parameters: none.
with

channels as (
    select channel from orders
    union
    select channel from survey_responses
    union
    select channel from complaints
),

final as (
    select channel from channels where channel is not null
)

select * from final
order by channel

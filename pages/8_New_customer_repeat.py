"""90-day repeat rate of new customers: headline, trend, breakdown and monthly cohorts."""

from ui import kpi_page

kpi_page.render("cohort_repeat_90d")

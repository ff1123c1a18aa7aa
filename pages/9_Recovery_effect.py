"""Recovery effect of a fast reply: our own data beside the outside estimate."""

from ui import kpi_page

kpi_page.render("recovery_effect")

"""The report's tables as plain data: French labels and formatted cells, no HTML.

Each builder takes a :class:`~simcoop.report.data.RunData` and returns dicts, lists and
:class:`Table` objects that the template lays out. Across replications a cell shows the
median and, below it, the 5-95 % range ("de p5 à p95"). One module per part of the report:

- ``cells``: Cell, Row, Table and the helpers over a run's frames;
- ``page_one``: criteria, key figures, funding needed;
- ``assumptions``: the assumptions register, sectors, conventions, creation;
- ``accounts``: exits, economy, income statement, financing and cash plans;
- ``public_money``: funding by convention and what it buys;
- ``method``: sensitivity rows and table, provenance;
- ``territory``: zones and sites;
- ``synthesis``: page one's plain-French synthesis, who pays what, the amount asked of the reader.
"""

from simcoop.report.tables.accounts import (
    balance_sheet,
    cash_plan,
    economy_table,
    exits_table,
    financing_plan,
    financing_plan_frame,
    income_statement,
    opening_funds_eur,
    public_share_rows,
)
from simcoop.report.tables.assumptions import (
    assumptions_register,
    conventions_table,
    creation_table,
    format_value,
    schema_descriptions,
    sectors_table,
    source_of,
)
from simcoop.report.tables.cells import Cell, Row, Table, monthly_dates, monthly_matrix, monthly_rows, quantiles
from simcoop.report.tables.method import provenance, sensitivity_rows, sensitivity_table
from simcoop.report.tables.page_one import conditions_text, criteria_rows, funders_table, funding_needed, key_figures, layers_block
from simcoop.report.tables.public_money import (
    funding_frame,
    funding_table,
    horizon_public_figures,
    public_efficiency_table,
)
from simcoop.report.tables.synthesis import (
    ReaderError,
    budget_funders_table,
    check_reader,
    reader_request,
    synthesis_sentences,
)
from simcoop.report.format import fmt_keur_round
from simcoop.report.tables.territory import sites_table, territory_last_year, zones_table

__all__ = [
    "ReaderError",
    "budget_funders_table",
    "check_reader",
    "fmt_keur_round",
    "reader_request",
    "synthesis_sentences",
    "Cell",
    "Row",
    "conditions_text",
    "funders_table",
    "layers_block",
    "Table",
    "assumptions_register",
    "cash_plan",
    "conventions_table",
    "creation_table",
    "criteria_rows",
    "economy_table",
    "exits_table",
    "financing_plan",
    "financing_plan_frame",
    "balance_sheet",
    "format_value",
    "funding_frame",
    "funding_needed",
    "funding_table",
    "horizon_public_figures",
    "income_statement",
    "key_figures",
    "monthly_dates",
    "monthly_matrix",
    "monthly_rows",
    "opening_funds_eur",
    "provenance",
    "public_efficiency_table",
    "public_share_rows",
    "quantiles",
    "schema_descriptions",
    "sectors_table",
    "sensitivity_rows",
    "sensitivity_table",
    "sites_table",
    "source_of",
    "territory_last_year",
    "zones_table",
]

"""Pure economic rules on numbers and numpy arrays: no SimPy, no randomness, no I/O.

Money is handled in whole cents (held in float64) inside the model so that every euro is
accounted for exactly; these functions take and return cents where their names say so.

- ``money``: cents, shares, payment delays, instalments;
- ``contribution``: the contribution on turnover or margin, with degressive brackets;
- ``payroll``: French payroll rules as dated data (SMIC, rates, réduction générale);
- ``closing``: the annual closing of a SCOP (result allocation, corporate tax);
- ``financing``: loan, quasi-fonds propres and advance schedules, Dailly and overdraft interest.
"""

from simcoop.economics.closing import Allocation, AllocationRules, close_year, corporate_tax_cents
from simcoop.economics.financing import amortisation_schedule_cents, monthly_interest_cents
from simcoop.economics.contribution import bracket_contribution_cents, cumulative_contribution_cents
from simcoop.economics.money import monthly_instalments_cents, payment_split, share_cents, to_cents
from simcoop.economics.payroll import (
    PayrollRates,
    csg_crds_cents,
    employee_contributions_cents,
    employer_contributions_cents,
    employer_cost_cents,
    gross_for_employer_budget_cents,
    hour_equivalents,
    net_pay_cents,
    payroll_dates,
    payroll_rates_at,
    reduction_generale_cents,
)

__all__ = [
    "Allocation",
    "AllocationRules",
    "PayrollRates",
    "amortisation_schedule_cents",
    "bracket_contribution_cents",
    "close_year",
    "csg_crds_cents",
    "corporate_tax_cents",
    "cumulative_contribution_cents",
    "employee_contributions_cents",
    "employer_contributions_cents",
    "employer_cost_cents",
    "gross_for_employer_budget_cents",
    "hour_equivalents",
    "monthly_instalments_cents",
    "monthly_interest_cents",
    "net_pay_cents",
    "payment_split",
    "payroll_dates",
    "payroll_rates_at",
    "reduction_generale_cents",
    "share_cents",
    "to_cents",
]

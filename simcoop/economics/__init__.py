"""Pure economic rules on numbers and numpy arrays: no SimPy, no randomness, no I/O.

Money is handled in integer cents (numpy int64) inside the model so that every euro is
accounted for exactly; these functions take and return cents where their names say so.
"""

from simcoop.economics.money import (
    contribution_cents,
    employer_cost_cents,
    gross_for_employer_budget_cents,
    payment_split,
    share_cents,
    to_cents,
)

__all__ = [
    "contribution_cents",
    "employer_cost_cents",
    "gross_for_employer_budget_cents",
    "payment_split",
    "share_cents",
    "to_cents",
]

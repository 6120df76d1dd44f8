"""Financing schedules of the cooperative: loans, quasi-fonds propres, repayable advances, Dailly, overdraft.

Plain functions on whole cents held in floats (as in ``simcoop.economics.money``): no env,
no RNG. Each schedule is exact to the cent: the principal instalments of a loan add up to
the amount lent, whatever the rounding of each month.

Sources
-------
- Amortisation at constant instalments (échéances constantes), with a deferral during
  which only interest is paid (différé partiel d'amortissement): the usual French bank
  schedule; instalment = P x r / (1 - (1 + r)^-n) with r the monthly rate (annual / 12).
  A zero rate gives equal principal instalments.
- Quasi-fonds propres (France Active contrat d'apport associatif and prêt participatif,
  Scop movement's Socoden / Sofiscop prêts participatifs, titres participatifs, loi 83-1
  of 3 January 1983; code monétaire et financier L313-13 ff. for prêts participatifs):
  long loans subordinated to every other creditor, with a deferral of one to several
  years, counted with own funds by banks. Modelled as a loan (rate = its remuneration).
- Repayable advances (avances remboursables of a Région): a loan at zero rate, usually
  with a deferral.
- Dailly (code monétaire et financier L313-23 ff.): a bank advances a share of a public
  receivable when it is assigned and is repaid when the funder pays; the cost is interest
  on the amount outstanding.
- Overdraft (découvert autorisé): interest on the negative balance, monthly.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["amortisation_schedule_cents", "monthly_interest_cents"]

FloatArray = npt.NDArray[np.float64]


def amortisation_schedule_cents(
    amount_cents: float, annual_rate: float, duration_months: int, deferral_months: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Principal and interest paid each month after the funds are received, in whole cents.

    Month k = 0 is the first month after the funds arrive. For ``deferral_months`` months
    only the interest is paid; then ``duration_months`` constant instalments (principal +
    interest) repay the loan. The last instalment takes what rounding left, so the
    principal adds up exactly to ``amount_cents``.
    """
    if amount_cents < 0 or duration_months < 1 or deferral_months < 0 or annual_rate < 0:
        raise ValueError("amount, rate and deferral must be >= 0 and the duration at least one month")
    n = deferral_months + duration_months
    principal = np.zeros(n)
    interest = np.zeros(n)
    r = annual_rate / 12.0
    balance = float(amount_cents)
    if r > 0:
        # 1 - (1 + r)^-n, written to stay exact for tiny rates (math: the C library's, as simcoop.libm explains).
        instalment = amount_cents * r / -math.expm1(-duration_months * math.log1p(r))
    else:
        instalment = amount_cents / duration_months
    for k in range(n):
        due = float(np.rint(balance * r))
        interest[k] = due
        if k < deferral_months:
            continue
        if k == n - 1:
            paid = balance
        else:
            paid = min(float(np.rint(instalment - due)), balance)
        principal[k] = paid
        balance -= paid
    return principal, interest


def monthly_interest_cents(balance_cents: float, annual_rate: float) -> float:
    """Interest of one month on a balance (Dailly outstanding, overdraft used), in whole cents."""
    if balance_cents <= 0 or annual_rate <= 0:
        return 0.0
    return float(np.rint(balance_cents * annual_rate / 12.0))

"""The pay rule of an entrepreneur-salarié under a CESA, as pure functions on cents.

DOMAIN.md §2.3 (loi 2014-856 arts. 47-48, code du travail L7331-1 ff., décret 2015-1363 of
27 October 2015): pay is a fixed part plus a variable part settled once a year after the
accounts are approved, with monthly advances, computed from the activity's turnover minus
its costs and the contribution. What simcoop does, month by month, for every CESA holder:

1. **fixed part** (:func:`fixed_gross_cents`): the gross whose employer cost is a share of
   the activity's recent net margin, at least a minimum gross; set when the CESA starts and
   reset at each annual settlement;
2. **pay budget** (:func:`pay_budget_cents`): what the activity spends on pay this month
   (employer cost included): aiming at a share of the recent margin out of the treasury
   above a floor, but at least the fixed part's cost, which the cooperative advances below
   the floor within a cap;
3. **annual settlement** (:func:`settlement_bonus_cents`): in the settlement month, the
   treasury above a reserve of a few months of fixed pay is paid out, in part;
4. **ARE cumul** (:func:`are_months_saved`): an entrepreneur still on ARE has the benefit
   reduced by a share of the gross pay (70 % since 2014, ``cae_rules_fr.yaml``); the
   entitlement not paid is kept for later, counted here in months of average ARE;
5. **RSA** (:func:`rsa_not_paid_cents`, :func:`rsa_income_gain_cents`): the RSA is a
   differential allowance (CASF L262-2: the montant forfaitaire minus the household's
   resources), so the net pay replaces it euro for euro; the prime d'activité (CSS L842-3)
   gives back a share of the earnings.

Money in whole cents held in float64 (``simcoop.economics.money``); no SimPy, no RNG.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simcoop.economics.payroll import PayrollRates, gross_for_employer_budget_cents

__all__ = ["fixed_gross_cents", "pay_budget_cents", "settlement_bonus_cents", "are_months_saved", "rsa_not_paid_cents", "rsa_income_gain_cents"]

FloatArray = npt.NDArray[np.float64]


def fixed_gross_cents(
    recent_margin_cents: npt.ArrayLike, fixed_pay_share: float, min_gross_cents: float, rates: PayrollRates
) -> FloatArray:
    """The fixed part: the largest gross whose employer cost fits in ``fixed_pay_share`` of the
    recent margin (a negative margin counts as 0), and at least ``min_gross_cents``."""
    margin = np.maximum(np.asarray(recent_margin_cents, dtype=np.float64), 0.0)
    budget = np.rint(margin * fixed_pay_share)
    return np.maximum(gross_for_employer_budget_cents(np.atleast_1d(budget), rates), min_gross_cents)


def pay_budget_cents(
    recent_margin_cents: FloatArray,
    treasury_cents: FloatArray,
    fixed_cost_cents: FloatArray,
    payout_rate: float,
    floor_cents: float,
    advance_cap_cents: float,
) -> FloatArray:
    """The month's pay budget (employer cost included), >= 0.

    The target is ``payout_rate`` of the recent margin, paid from the treasury above
    ``floor_cents``; the fixed part's cost is owed whatever the month brings, the
    cooperative advancing it below the floor up to ``advance_cap_cents``.
    """
    target = np.rint(np.maximum(recent_margin_cents, 0.0) * payout_rate)
    above_floor = treasury_cents - floor_cents
    budget = np.maximum(np.minimum(target, above_floor), np.minimum(fixed_cost_cents, above_floor + advance_cap_cents))
    return np.maximum(budget, 0.0)


def settlement_bonus_cents(
    above_floor_cents: FloatArray,
    budget_cents: FloatArray,
    fixed_cost_cents: FloatArray,
    reserve_months: float,
    payout_share: float,
) -> FloatArray:
    """The annual settlement of the variable part: ``payout_share`` of the treasury above the
    floor left after this month's budget and a reserve of ``reserve_months`` of fixed pay."""
    surplus = above_floor_cents - budget_cents - reserve_months * fixed_cost_cents
    return np.rint(np.maximum(surplus, 0.0) * payout_share)


def are_months_saved(gross_cents: FloatArray, are_average_cents: float, cumul_reduction_rate: float) -> FloatArray:
    """Months of ARE not paid because of the month's gross pay: min(1, rate × gross / average ARE)."""
    return np.minimum(cumul_reduction_rate * gross_cents / are_average_cents, 1.0)


def rsa_not_paid_cents(net_pay_cents: npt.ArrayLike, rsa_cents: float) -> FloatArray:
    """RSA not paid because of the month's net pay: min(net pay, RSA), >= 0 (CASF L262-2, differential)."""
    return np.minimum(np.maximum(np.asarray(net_pay_cents, dtype=np.float64), 0.0), rsa_cents)


def rsa_income_gain_cents(net_pay_cents: npt.ArrayLike, rsa_cents: float, prime_activite_share: float) -> FloatArray:
    """What a month of net pay adds to the income of an RSA recipient: the pay, minus the RSA it
    replaces, plus the prime d'activité's share of that (CSS L842-3; one person, simplified)."""
    net = np.maximum(np.asarray(net_pay_cents, dtype=np.float64), 0.0)
    return net - (1.0 - prime_activite_share) * rsa_not_paid_cents(net, rsa_cents)

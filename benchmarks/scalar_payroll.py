"""The payroll rules of ``simcoop.economics.payroll`` on one value at a time, in plain Python floats.

A baseline for ``bench_engine.py`` only (the simcoop package never imports it): the naive
model with *scalar* payroll arithmetic calls these instead of the numpy functions, so
it pays no numpy call overhead on scalars. The rules are the same, term by term and in
the same order of floating-point operations, so the answers are the same whole cents:
``python benchmarks/scalar_payroll.py`` checks every whole-cent gross of the cost table
(and a sample above it) against the numpy functions.

The gross a budget buys is the largest whole-cent gross whose employer cost fits: a
binary search (``bisect``) in a Python list of the cost of every whole cent up to four
monthly SMIC, built once per set of rules with the scalar cost (as simcoop builds its
table once), and beyond the list an integer bisection on the scalar cost.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

from simcoop.economics.payroll import PayrollRates

__all__ = ["ScalarPayroll"]

#: The list of costs covers gross pay up to this many monthly SMIC (as simcoop's table).
TABLE_SMIC = 4.0


def _rint(x: float) -> float:
    """numpy.rint on a Python float: round half to even."""
    return float(round(x))


def _round4(x: float) -> float:
    """numpy.round(x, 4) on a Python float (scale, round half to even, unscale)."""
    return round(x * 10000.0) / 10000.0


def _first_cent_above(threshold_eur: float) -> float:
    return math.floor(100.0 * threshold_eur + 1e-6) + 1.0 if math.isfinite(threshold_eur) else math.inf


class _Constants:
    """The per-rules sums the formulas use, computed once (same order as simcoop.economics.payroll)."""

    def __init__(self, r: PayrollRates) -> None:
        self.r = r
        self.pss = 100.0 * r.pass_monthly_eur
        self.t2_cap = (r.tranche_2_cap_pass_multiple - 1.0) * self.pss
        self.chomage_cap = r.chomage_cap_pass_multiple * self.pss
        self.maladie_below = _first_cent_above(r.maladie_reduced_threshold_eur)
        self.famille_below = _first_cent_above(r.famille_reduced_threshold_eur)
        self.gross_rate = (
            r.employer_vieillesse_deplafonnee_rate
            + r.employer_csa_rate
            + r.employer_at_mp_rate
            + r.employer_formation_rate
            + r.employer_apprentissage_rate
            + r.employer_dialogue_social_rate
            + r.employer_peec_rate
            + r.employer_fnal_gross_rate
            + r.versement_mobilite_rate
        )
        t1_rate = r.employer_vieillesse_plafonnee_rate + r.employer_agirc_arrco_t1_rate + r.employer_ceg_t1_rate
        self.t1_full = t1_rate + r.employer_fnal_t1_rate
        self.t2_full = r.employer_agirc_arrco_t2_rate + r.employer_ceg_t2_rate
        self.up_to_4_full = r.employer_chomage_rate + r.employer_ags_rate
        self.covered_gross_rate = (
            r.employer_vieillesse_deplafonnee_rate
            + r.employer_csa_rate
            + min(r.employer_at_mp_rate, r.relief_at_mp_share_rate)
            + r.employer_fnal_gross_rate
        )
        self.smic_ratio = r.relief_smic_hourly_eur / r.smic_hourly_eur
        self.smic_ref_cap = 100.0 * r.relief_smic_monthly_eur
        self.employee_t1 = r.employee_vieillesse_plafonnee_rate + r.employee_agirc_arrco_t1_rate + r.employee_ceg_t1_rate
        self.employee_t2 = r.employee_agirc_arrco_t2_rate + r.employee_ceg_t2_rate
        self.abatement_cap = r.csg_abatement_cap_pass_multiple * 100.0 * r.pass_monthly_eur
        self.csg_rate = r.csg_deductible_rate + r.csg_non_deductible_rate + r.crds_rate
        self.table: list[float] = []

    def bases(self, g: float) -> tuple[float, float, float, float]:
        pss = self.pss
        t1 = min(g, pss)
        t2 = min(max(g - pss, 0.0), self.t2_cap)
        up_to_4 = min(g, self.chomage_cap)
        cet = t1 + t2 if g >= pss + 1.0 else 0.0
        return t1, t2, up_to_4, cet

    def coefficient(self, g: float) -> float:
        r = self.r
        ratio = min(g * self.smic_ratio, self.smic_ref_cap) / max(g, 1.0)
        if r.relief_formula == "fillon":
            m = r.relief_exit_smic_multiple
            return _round4(r.relief_max_coefficient * min(max((m * ratio - 1.0) / (m - 1.0), 0.0), 1.0))
        taper = r.rgdu_t_delta * max(0.5 * (3.0 * ratio - 1.0), 0.0) ** r.rgdu_power
        c = min(r.rgdu_t_min + _round4(taper), r.relief_max_coefficient)
        return c if ratio * r.relief_exit_smic_multiple > 1.0 else 0.0

    def cost(self, gross: float) -> float:
        """Gross plus employer contributions after the réduction générale, whole cents."""
        r = self.r
        g = max(float(gross), 0.0)
        t1, t2, up_to_4, cet = self.bases(g)
        maladie = r.employer_maladie_reduced_rate if g < self.maladie_below else r.employer_maladie_rate
        famille = r.employer_famille_reduced_rate if g < self.famille_below else r.employer_famille_rate
        full = g * (maladie + famille + self.gross_rate) + t1 * self.t1_full + t2 * self.t2_full + up_to_4 * self.up_to_4_full + cet * r.employer_cet_rate
        covered = g * (maladie + famille + self.covered_gross_rate) + t1 * self.t1_full + up_to_4 * r.employer_chomage_rate
        relief = _rint(min(self.coefficient(g) * g, _rint(covered)))
        return g + (_rint(full) - relief)

    def employee(self, gross: float) -> float:
        """Employee contributions, CSG and CRDS included, whole cents."""
        r = self.r
        g = max(float(gross), 0.0)
        t1, t2, _, cet = self.bases(g)
        abated = min(g, self.abatement_cap)
        csg_base = abated * (1.0 - r.csg_base_abatement_rate) + (g - abated)
        return _rint(g * r.employee_vieillesse_deplafonnee_rate + t1 * self.employee_t1 + t2 * self.employee_t2 + cet * r.employee_cet_rate + csg_base * self.csg_rate)


class ScalarPayroll:
    """``employer_cost``, ``gross_for_budget`` and ``employee`` of one scalar gross or budget, plain Python."""

    def __init__(self) -> None:
        self._by_rules: dict[int, tuple[PayrollRates, _Constants]] = {}

    def _constants(self, rates: PayrollRates) -> _Constants:
        hit = self._by_rules.get(id(rates))
        if hit is not None and hit[0] is rates:
            return hit[1]
        for other, constants in self._by_rules.values():
            if other == rates:
                break
        else:
            constants = _Constants(rates)
            n = int(math.ceil(TABLE_SMIC * rates.smic_monthly_eur * 100.0)) + 1
            constants.table = [constants.cost(float(g)) for g in range(n)]
        self._by_rules[id(rates)] = (rates, constants)
        return constants

    def employer_cost(self, gross: float, rates: PayrollRates) -> float:
        c = self._constants(rates)
        g = max(gross, 0.0)
        if g < len(c.table) and g == int(g):
            return c.table[int(g)]
        return c.cost(g)

    def employee(self, gross: float, rates: PayrollRates) -> float:
        return self._constants(rates).employee(gross)

    def gross_for_budget(self, budget: float, rates: PayrollRates) -> float:
        """The largest whole-cent gross whose employer cost fits in ``budget`` (0 for budgets <= 0)."""
        c = self._constants(rates)
        b = max(budget, 0.0)
        table = c.table
        if b < table[-1]:
            return float(bisect_right(table, b) - 1)
        lo, hi = float(len(table) - 1), math.floor(b) + 1.0  # cost(lo) <= b < cost(hi): cost >= gross
        while hi - lo > 1.0:
            mid = math.floor((lo + hi) / 2.0)
            if c.cost(mid) <= b:
                lo = mid
            else:
                hi = mid
        return lo


def _check(rates: Any) -> int:
    """Compare with the numpy functions on every whole cent of the table and a sample above; return mismatches."""
    import numpy as np

    from simcoop.economics import employee_contributions_cents, employer_cost_cents, gross_for_employer_budget_cents

    s = ScalarPayroll()
    c = s._constants(rates)
    n = len(c.table)
    gross = np.arange(n, dtype=np.float64)
    bad = int(np.sum(np.asarray(c.table) != employer_cost_cents(gross, rates)))
    above = np.arange(n, 40 * n, 997, dtype=np.float64)
    bad += sum(c.cost(float(g)) != float(x) for g, x in zip(above, employer_cost_cents(above, rates), strict=True))
    sample = np.concatenate([gross[::97], above])
    bad += sum(s.employee(float(g), rates) != float(x) for g, x in zip(sample, employee_contributions_cents(sample, rates), strict=True))
    budgets = np.concatenate([np.arange(-5.0, 3 * n, 313.7), np.arange(3 * n, 60 * n, 7919.3)])
    bad += sum(s.gross_for_budget(float(b), rates) != float(x) for b, x in zip(budgets, gross_for_employer_budget_cents(budgets, rates), strict=True))
    return bad


if __name__ == "__main__":
    import simcoop
    from simcoop.model.params import model_params

    params = model_params(simcoop.load_scenario(simcoop.default_scenario_path()))
    seen: list[PayrollRates] = []
    for band in params.payroll_by_band:
        for r in band:
            if r not in seen:
                seen.append(r)
    total = 0
    for r in seen:
        mismatches = _check(r)
        total += mismatches
        print(f"{r.month} {r.employer_size}: {mismatches} mismatches with simcoop.economics.payroll")
    raise SystemExit(1 if total else 0)

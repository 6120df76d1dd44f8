"""French payroll for one month: employer cost, relief and net pay, in whole cents.

The rates are dated data in ``simcoop/economics/data/payroll_fr.yaml`` (OpenFisca style:
unit, description, and for each value the date it takes effect and its legal reference),
read lazily once. :func:`payroll_rates_at` gives the plain-float rates in force on the
1st of a month for an employer size; the other functions are numpy-vectorised over gross
pay in whole cents held in float64 (the convention of :mod:`simcoop.economics.money`).

Sources: code de la sécurité sociale (L241-2-1, L241-6-1, L241-13, D241-7, D242-3,
D242-4), code du travail (L6331-2/-9, L7332-3; décret 2015-1363 for CAE hour
equivalents), the Agirc-Arrco ANI of 17/11/2017, Unédic and AGS decisions, LFSS 2025 art.
18 and décrets 2025-887 / 2025-1446 for the 2026 réduction générale dégressive unique.
Values were read from OpenFisca-France 176.1.8 and checked with
``tools/generate_payroll_tables.py``; the YAML marks what could not be confirmed.

What it computes, for a non-cadre employee of an ordinary private employer:

- employer contributions at full rates, by base: total gross (maladie and famille with
  their reduced rates under the 2023-2025 "bandeaux", vieillesse déplafonnée, CSA, AT/MP,
  formation, apprentissage, dialogue social, PEEC and FNAL from 50 employees, optional
  versement mobilité), tranche 1 (vieillesse plafonnée, Agirc-Arrco and CEG T1, FNAL
  under 50), gross up to 4 PASS (chômage, AGS), tranche 2 up to 8 PASS (Agirc-Arrco and
  CEG T2) and the CET (whole gross up to 8 PASS once the gross exceeds the PASS);
- the réduction générale: Fillon until 2025, the RGDU from 2026, with the coefficient
  rounded to 4 decimals and the relief capped at the contributions it covers;
- employee contributions: vieillesse, Agirc-Arrco, CEG, CET, and CSG + CRDS on 98.25 % of
  gross up to 4 PASS (100 % above).

CAE rule (DOMAIN.md §2.3, décret 2015-1363): hours are hour equivalents, gross / hourly
SMIC capped at 151.67 h, so SMIC_ref = relief SMIC × hours, at most one monthly SMIC:
below one monthly SMIC the relief coefficient is at its maximum (except in 2026 after
the June SMIC revaluation, when SMIC_ref keeps the January SMIC, décret 2026-509).

Simplified or left out: prévoyance, mutuelle (complémentaire santé), APEC and other cadre
contributions; overtime and its relief; Alsace-Moselle (the annual relief and its
progressive regularisation are :func:`annual_reduction_generale_cents`, applied by the
model); the 5-year smoothing of headcount thresholds;
versement mobilité (a rate field defaulting to 0; set it with ``dataclasses.replace``);
AT/MP is an ASSUMPTION (the office / support-functions rate), each CAE has its own.

Whole cents: each total (employer contributions before relief, relief, employee
contributions) is rounded once with ``np.rint``. The employer cost is non-decreasing in
gross: every threshold (bandeaux, CET, relief exits) makes it jump up, never down, and
between thresholds its slope is at least 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from simcoop import libm
from simcoop._yaml import read_package_yaml
from simcoop.memo import by_identity

__all__ = [
    "EMPLOYER_SIZES",
    "PayrollRates",
    "PayrollTables",
    "employee_contributions_cents",
    "employer_contributions_cents",
    "employer_cost_cents",
    "gross_for_employer_budget_cents",
    "hour_equivalents",
    "net_pay_cents",
    "payroll_dates",
    "payroll_rates_at",
    "payroll_tables",
    "progressive_relief_correction_cents",
    "reduction_generale_cents",
]

FloatArray = npt.NDArray[np.float64]

#: Employer sizes by headcount: fewer than 11, 11 to 49, 50 or more.
EMPLOYER_SIZES = ("below_11", "below_50", "50_or_more")

_DATA_FILE = "payroll_fr.yaml"


@dataclass(frozen=True)
class PayrollRates:
    """The payroll parameters in force in one month for one employer size, plain floats.

    Rates are fractions (0.13 = 13 %); amounts in euros; thresholds for a full month.
    ``maladie_reduced_threshold_eur`` and ``famille_reduced_threshold_eur`` are infinite
    when no reduced rate exists (2026). ``relief_formula`` is ``"fillon"`` or ``"rgdu"``.
    """

    month: str
    employer_size: str
    smic_hourly_eur: float
    smic_monthly_eur: float
    full_time_hours_per_month: float
    pass_monthly_eur: float
    # employer, total gross
    employer_maladie_rate: float
    employer_maladie_reduced_rate: float
    maladie_reduced_threshold_eur: float
    employer_famille_rate: float
    employer_famille_reduced_rate: float
    famille_reduced_threshold_eur: float
    employer_vieillesse_deplafonnee_rate: float
    employer_csa_rate: float
    employer_at_mp_rate: float
    employer_formation_rate: float
    employer_apprentissage_rate: float
    employer_dialogue_social_rate: float
    employer_peec_rate: float
    employer_fnal_gross_rate: float
    # employer, capped bases
    employer_fnal_t1_rate: float
    employer_vieillesse_plafonnee_rate: float
    employer_agirc_arrco_t1_rate: float
    employer_agirc_arrco_t2_rate: float
    employer_ceg_t1_rate: float
    employer_ceg_t2_rate: float
    employer_cet_rate: float
    employer_chomage_rate: float
    employer_ags_rate: float
    # employee
    employee_vieillesse_plafonnee_rate: float
    employee_vieillesse_deplafonnee_rate: float
    employee_agirc_arrco_t1_rate: float
    employee_agirc_arrco_t2_rate: float
    employee_ceg_t1_rate: float
    employee_ceg_t2_rate: float
    employee_cet_rate: float
    csg_deductible_rate: float
    csg_non_deductible_rate: float
    crds_rate: float
    csg_base_abatement_rate: float
    csg_abatement_cap_pass_multiple: float
    chomage_cap_pass_multiple: float
    tranche_2_cap_pass_multiple: float
    # réduction générale
    relief_formula: str
    relief_smic_hourly_eur: float
    relief_smic_monthly_eur: float
    relief_max_coefficient: float
    relief_exit_smic_multiple: float
    rgdu_t_min: float
    rgdu_t_delta: float
    rgdu_power: float
    relief_at_mp_share_rate: float
    # optional, not in the data file
    versement_mobilite_rate: float = 0.0


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def _parameters() -> dict[str, list[tuple[str, Any]]]:
    """Each parameter's ``[(date, value), ...]`` sorted by date, read once."""
    raw = read_package_yaml("simcoop.economics", "data", _DATA_FILE)["parameters"]
    table: dict[str, list[tuple[str, Any]]] = {}
    for name, spec in raw.items():
        values = sorted((str(item["date"]), item["value"]) for item in spec["values"])
        table[name] = values
    return table


def payroll_dates() -> list[str]:
    """Every date (``YYYY-MM-DD``) at which some payroll parameter changes, sorted."""
    return sorted({date for values in _parameters().values() for date, _ in values})


def _at(name: str, date: str, employer_size: str) -> Any:
    """The value of parameter ``name`` in force on ``date``, for ``employer_size``."""
    values = _parameters()[name]
    current: Any = _MISSING
    for start, value in values:
        if start > date:
            break
        current = value
    if current is _MISSING:
        raise ValueError(f"payroll parameter {name!r} has no value before {values[0][0]} (asked for {date})")
    if isinstance(current, dict) and employer_size in current:
        return current[employer_size]
    return current


_MISSING = object()


def _threshold_eur(spec: dict[str, float] | None, smic_monthly_eur: float) -> float:
    """A bandeau threshold for a full month in euros; infinite when there is no bandeau."""
    if spec is None:
        return math.inf
    reference = spec["smic_monthly_eur"] if spec["smic_monthly_eur"] is not None else smic_monthly_eur
    return max(spec["smic_multiple"] * reference, spec["floor_current_smic_multiple"] * smic_monthly_eur)


@lru_cache(maxsize=512)
def payroll_rates_at(month: str, employer_size: str = "below_50") -> PayrollRates:
    """The payroll rates in force on the 1st of ``month`` (``"YYYY-MM"``).

    ``employer_size`` is ``"below_11"``, ``"below_50"`` (11 to 49 employees) or
    ``"50_or_more"``. Raises ``ValueError`` for a malformed month, an unknown size, or a
    month before the first date of the table.
    """
    if employer_size not in EMPLOYER_SIZES:
        raise ValueError(f"unknown employer size {employer_size!r}; expected one of {', '.join(EMPLOYER_SIZES)}")
    if len(month) != 7 or month[4] != "-" or not (month[:4].isdigit() and month[5:].isdigit()):
        raise ValueError(f"month must look like 'YYYY-MM', got {month!r}")
    if not 1 <= int(month[5:]) <= 12:
        raise ValueError(f"month must look like 'YYYY-MM', got {month!r}")
    date = f"{month}-01"
    first = payroll_dates()[0]
    if date < first:
        raise ValueError(f"no French payroll rates before {first} (asked for {month})")

    def at(name: str) -> Any:
        return _at(name, date, employer_size)

    smic_monthly = float(at("smic_monthly_eur"))
    formula = at("relief_formula")
    maladie = float(at("employer_maladie_rate"))
    famille = float(at("employer_famille_rate"))
    maladie_reduced = at("employer_maladie_reduced_rate")
    famille_reduced = at("employer_famille_reduced_rate")
    if formula == "fillon":
        max_coefficient = float(at("fillon_max_coefficient"))
        exit_multiple = float(at("fillon_exit_smic_multiple"))
        t_min, t_delta, power = 0.0, 0.0, 1.0
    elif formula == "rgdu":
        t_min, t_delta = float(at("rgdu_t_min")), float(at("rgdu_t_delta"))
        max_coefficient = t_min + t_delta
        exit_multiple = float(at("rgdu_exit_smic_multiple"))
        power = float(at("rgdu_power"))
    else:  # pragma: no cover - guarded by the data file
        raise ValueError(f"unknown relief formula {formula!r}")
    scalar_names = [
        f.name
        for f in fields(PayrollRates)
        if f.name.startswith(("employer_", "employee_", "csg_", "crds_", "chomage_", "tranche_"))
        and f.name
        not in {
            "employer_size",
            "employer_maladie_rate",
            "employer_maladie_reduced_rate",
            "employer_famille_rate",
            "employer_famille_reduced_rate",
        }
    ]
    return PayrollRates(
        month=month,
        employer_size=employer_size,
        smic_hourly_eur=float(at("smic_hourly_eur")),
        smic_monthly_eur=smic_monthly,
        full_time_hours_per_month=float(at("full_time_hours_per_month")),
        pass_monthly_eur=float(at("pass_monthly_eur")),
        employer_maladie_rate=maladie,
        employer_maladie_reduced_rate=maladie if maladie_reduced is None else float(maladie_reduced),
        maladie_reduced_threshold_eur=_threshold_eur(at("maladie_reduced_threshold"), smic_monthly),
        employer_famille_rate=famille,
        employer_famille_reduced_rate=famille if famille_reduced is None else float(famille_reduced),
        famille_reduced_threshold_eur=_threshold_eur(at("famille_reduced_threshold"), smic_monthly),
        relief_formula=formula,
        relief_smic_hourly_eur=float(at("relief_smic_hourly_eur")),
        relief_smic_monthly_eur=float(at("relief_smic_monthly_eur")),
        relief_max_coefficient=max_coefficient,
        relief_exit_smic_multiple=exit_multiple,
        rgdu_t_min=t_min,
        rgdu_t_delta=t_delta,
        rgdu_power=power,
        relief_at_mp_share_rate=float(at("relief_at_mp_share_rate")),
        **{name: float(at(name)) for name in scalar_names},
    )


# --------------------------------------------------------------------------- formulas


def hour_equivalents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """CAE hour equivalents: gross / hourly SMIC, at most 151.67 h a month."""
    gross = np.asarray(gross_cents, dtype=np.float64)
    return np.minimum(gross / (100.0 * rates.smic_hourly_eur), rates.full_time_hours_per_month)


def _smic_ref_cents(gross: FloatArray, r: PayrollRates) -> FloatArray:
    """SMIC_ref = relief SMIC × hour equivalents, at most one full-time monthly SMIC."""
    return np.minimum(gross * (r.relief_smic_hourly_eur / r.smic_hourly_eur), 100.0 * r.relief_smic_monthly_eur)


def _coefficient(gross: FloatArray, r: PayrollRates, exact: bool) -> FloatArray:
    """The relief coefficient C; rounded to 4 decimals when ``exact`` (CSS D241-7)."""
    ratio = _smic_ref_cents(gross, r) / np.maximum(gross, 1.0)  # SMIC_ref / gross
    return _coefficient_of_ratio(ratio, r, exact)


def _coefficient_of_ratio(ratio: FloatArray, r: PayrollRates, exact: bool) -> FloatArray:
    """The relief coefficient for a ratio SMIC_ref / gross (CSS D241-7)."""
    if r.relief_formula == "fillon":
        m = r.relief_exit_smic_multiple
        c = r.relief_max_coefficient * np.clip((m * ratio - 1.0) / (m - 1.0), 0.0, 1.0)
        return np.round(c, 4) if exact else c
    taper = r.rgdu_t_delta * libm.power(np.maximum(0.5 * (3.0 * ratio - 1.0), 0.0), r.rgdu_power)  # the C library's pow
    c = r.rgdu_t_min + (np.round(taper, 4) if exact else taper)
    c = np.minimum(c, r.relief_max_coefficient)
    return np.where(ratio * r.relief_exit_smic_multiple > 1.0, c, 0.0)  # zero from exit × SMIC_ref


def _bases(gross: FloatArray, r: PayrollRates) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Tranche 1, tranche 2, gross up to 4 PASS, and the CET base, in cents."""
    pss = 100.0 * r.pass_monthly_eur
    t1, up_to_4 = _t1_and_up_to_4(gross, r)
    t2 = np.clip(gross - pss, 0.0, (r.tranche_2_cap_pass_multiple - 1.0) * pss)
    cet = np.where(gross >= pss + 1.0, t1 + t2, 0.0)  # "gross > PASS" on whole cents
    return t1, t2, up_to_4, cet


def _t1_and_up_to_4(gross: FloatArray, r: PayrollRates) -> tuple[FloatArray, FloatArray]:
    """Tranche 1 and the gross up to 4 PASS, in cents (the bases the relief may cover)."""
    pss = 100.0 * r.pass_monthly_eur
    return np.minimum(gross, pss), np.minimum(gross, r.chomage_cap_pass_multiple * pss)


def _gross_rate(r: PayrollRates) -> float:
    """Employer rates on the whole gross other than maladie and famille."""
    return (
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


def _maladie_famille_rates(gross: FloatArray, r: PayrollRates) -> tuple[FloatArray, FloatArray]:
    """Maladie and famille rates applying to each gross (reduced under the bandeaux)."""
    maladie = np.where(
        gross < _first_cent_above(r.maladie_reduced_threshold_eur),
        r.employer_maladie_reduced_rate,
        r.employer_maladie_rate,
    )
    famille = np.where(
        gross < _first_cent_above(r.famille_reduced_threshold_eur),
        r.employer_famille_reduced_rate,
        r.employer_famille_rate,
    )
    return maladie, famille


def _first_cent_above(threshold_eur: float) -> float:
    """The first whole-cent gross above a threshold "gross <= x" (inf if there is none).

    Writing the test as ``gross < first_cent_above`` gives the same answer on whole cents
    and puts the jump of the continuous cost exactly on a knot.
    """
    return math.floor(100.0 * threshold_eur + 1e-6) + 1.0 if math.isfinite(threshold_eur) else math.inf


def _employer_full(gross: FloatArray, r: PayrollRates) -> tuple[FloatArray, FloatArray]:
    """Employer contributions before relief, and the part the relief may cover (unrounded)."""
    t1, t2, up_to_4, cet = _bases(gross, r)
    maladie, famille = _maladie_famille_rates(gross, r)
    full = (
        gross * (maladie + famille + _gross_rate(r))
        + t1 * (_t1_rate(r) + r.employer_fnal_t1_rate)
        + t2 * (r.employer_agirc_arrco_t2_rate + r.employer_ceg_t2_rate)
        + up_to_4 * (r.employer_chomage_rate + r.employer_ags_rate)
        + cet * r.employer_cet_rate
    )
    return full, _covered(gross, t1, up_to_4, maladie, famille, r)


def _t1_rate(r: PayrollRates) -> float:
    """Employer rates on tranche 1 other than the FNAL."""
    return r.employer_vieillesse_plafonnee_rate + r.employer_agirc_arrco_t1_rate + r.employer_ceg_t1_rate


def _covered(gross: FloatArray, t1: FloatArray, up_to_4: FloatArray, maladie: FloatArray, famille: FloatArray, r: PayrollRates) -> FloatArray:
    """The employer contributions the relief may cover (unrounded), from the bases and the maladie and famille rates."""
    covered_gross_rate = (
        r.employer_vieillesse_deplafonnee_rate
        + r.employer_csa_rate
        + min(r.employer_at_mp_rate, r.relief_at_mp_share_rate)
        + r.employer_fnal_gross_rate
    )
    return (
        gross * (maladie + famille + covered_gross_rate)
        + t1 * (_t1_rate(r) + r.employer_fnal_t1_rate)
        + up_to_4 * r.employer_chomage_rate
    )


def _covered_only(gross: FloatArray, r: PayrollRates) -> FloatArray:
    """The second value of ``_employer_full`` alone (the same operations), without the contributions the relief does not cover."""
    t1, up_to_4 = _t1_and_up_to_4(gross, r)
    maladie, famille = _maladie_famille_rates(gross, r)
    return _covered(gross, t1, up_to_4, maladie, famille, r)


def _relief(gross: FloatArray, covered: FloatArray, r: PayrollRates, exact: bool) -> FloatArray:
    relief = np.minimum(_coefficient(gross, r, exact) * gross, covered)
    return np.rint(relief) if exact else relief


def reduction_generale_cents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """The réduction générale des cotisations patronales, whole cents, >= 0."""
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    return _relief(gross, np.rint(_covered_only(gross, rates)), rates, exact=True)


def annual_reduction_generale_cents(
    cumulative_gross_cents: npt.ArrayLike, months: npt.ArrayLike, rates: PayrollRates, contract_months: npt.ArrayLike | None = None
) -> FloatArray:
    """The réduction générale due on the pay of the year so far, whole cents (CSS L241-13, D241-7).

    The relief is annual: its coefficient comes from the year's SMIC_ref against the year's
    gross, and the monthly relief is only provisional, regularised month by month
    ("régularisation progressive"). With CAE hour equivalents (décret 2015-1363: gross /
    hourly SMIC within the legal working time) the year's SMIC_ref is the relief SMIC ×
    hours, within the legal time of the ``contract_months`` of the calendar year the
    contract covers (151.67 h each; default: the ``months`` paid so far). So a June
    settlement no longer loses the relief when the year's pay stays below the year's SMIC.
    ``months`` are the months paid this year; the contributions the relief may cover are
    those of the average month, times ``months``.
    """
    gross = np.maximum(np.asarray(cumulative_gross_cents, dtype=np.float64), 0.0)
    n = np.maximum(np.asarray(months, dtype=np.float64), 1.0)
    cap_months = n if contract_months is None else np.maximum(np.asarray(contract_months, dtype=np.float64), n)
    r = rates
    smic_ref = np.minimum(gross * (r.relief_smic_hourly_eur / r.smic_hourly_eur), 100.0 * r.relief_smic_monthly_eur * cap_months)
    coefficient = _coefficient_of_ratio(smic_ref / np.maximum(gross, 1.0), r, exact=True)
    covered = _covered_only(gross / n, r)  # of the average month
    return np.rint(np.minimum(coefficient * gross, covered * n))


def progressive_relief_correction_cents(
    gross_ytd_cents: npt.ArrayLike,
    months_ytd: npt.ArrayLike,
    relief_granted_ytd_cents: npt.ArrayLike,
    provisional_cents: npt.ArrayLike,
    rates: PayrollRates,
) -> tuple[FloatArray, FloatArray]:
    """This month's regularisation of the réduction générale, and the relief due so far (CSS D241-7).

    Progressive regularisation: each month the relief due on the pay since January
    (``gross_ytd_cents``, this month's included, over ``months_ytd`` months paid) is
    :func:`annual_reduction_generale_cents`; the correction is what is due minus what the
    earlier months granted (``relief_granted_ytd_cents``) minus this month's provisional
    relief already inside its employer cost (``provisional_cents``). Positive: more relief.
    Returns ``(correction, due)``; ``due`` is the next month's ``relief_granted_ytd_cents``.
    """
    due = annual_reduction_generale_cents(gross_ytd_cents, months_ytd, rates)
    granted = np.asarray(relief_granted_ytd_cents, dtype=np.float64)
    return due - granted - np.asarray(provisional_cents, dtype=np.float64), due


def employer_contributions_cents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """Employer contributions after the réduction générale, whole cents."""
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    full, covered = _employer_full(gross, rates)
    return np.rint(full) - _relief(gross, np.rint(covered), rates, exact=True)


def employer_cost_cents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """Gross pay plus employer contributions after relief, whole cents.

    Whole-cent gross pay within the cost table (a few SMIC) is read from the table, which
    holds exactly what the rules give (``_employer_cost``).
    """
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    if gross.ndim == 1 and gross.size:
        table = _cost_table(rates)
        index = gross.astype(np.intp)
        if index.max() < len(table) and np.array_equal(index, gross):
            return table[index]
    return _employer_cost(gross, rates)


def _employer_cost(gross: FloatArray, rates: PayrollRates) -> FloatArray:
    """Gross pay (>= 0) plus employer contributions after relief, computed from the rules."""
    return gross + employer_contributions_cents(gross, rates)


def employee_contributions_cents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """Employee contributions, CSG and CRDS included, whole cents."""
    r = rates
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    t1, t2, _, cet = _bases(gross, r)
    abated = np.minimum(gross, r.csg_abatement_cap_pass_multiple * 100.0 * r.pass_monthly_eur)
    csg_base = abated * (1.0 - r.csg_base_abatement_rate) + (gross - abated)
    total = (
        gross * r.employee_vieillesse_deplafonnee_rate
        + t1 * (r.employee_vieillesse_plafonnee_rate + r.employee_agirc_arrco_t1_rate + r.employee_ceg_t1_rate)
        + t2 * (r.employee_agirc_arrco_t2_rate + r.employee_ceg_t2_rate)
        + cet * r.employee_cet_rate
        + csg_base * (r.csg_deductible_rate + r.csg_non_deductible_rate + r.crds_rate)
    )
    return np.rint(total)


def csg_crds_cents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """The CSG and CRDS part of the employee contributions (a tax, not a social contribution), whole cents.

    Same base as in ``employee_contributions_cents``: 98.25 % of the gross up to 4 PASS
    (CSS L136-1-2), the whole gross above.
    """
    r = rates
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    abated = np.minimum(gross, r.csg_abatement_cap_pass_multiple * 100.0 * r.pass_monthly_eur)
    csg_base = abated * (1.0 - r.csg_base_abatement_rate) + (gross - abated)
    return np.rint(csg_base * (r.csg_deductible_rate + r.csg_non_deductible_rate + r.crds_rate))


def net_pay_cents(gross_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """Net pay before income tax: gross minus employee contributions, whole cents."""
    gross = np.maximum(np.asarray(gross_cents, dtype=np.float64), 0.0)
    return gross - employee_contributions_cents(gross, rates)


# --------------------------------------------------------------------------- inverse


def _continuous_cost(gross: FloatArray, r: PayrollRates) -> FloatArray:
    """The employer cost without any rounding: the smooth function the inverse solves."""
    full, covered = _employer_full(gross, r)
    return gross + full - _relief(gross, covered, r, exact=False)


def _knots_cents(r: PayrollRates) -> FloatArray:
    """Gross values (cents) where the continuous cost has a kink or a jump, sorted.

    Between two knots the cost is smooth and increasing; at a knot it may jump up. A
    threshold written "gross <= x" starts its new piece one cent above x.
    """
    pss = 100.0 * r.pass_monthly_eur
    ref_cap = 100.0 * r.relief_smic_monthly_eur
    knots = [
        ref_cap * r.smic_hourly_eur / r.relief_smic_hourly_eur,  # SMIC_ref stops growing
        ref_cap,
        r.relief_exit_smic_multiple * ref_cap,
        _first_cent_above(r.maladie_reduced_threshold_eur),
        _first_cent_above(r.famille_reduced_threshold_eur),
        pss,
        pss + 1.0,
        r.chomage_cap_pass_multiple * pss,
        r.csg_abatement_cap_pass_multiple * pss,
        r.tranche_2_cap_pass_multiple * pss,
    ]
    return np.unique(np.array([0.0, *[k for k in knots if 0.0 < k < math.inf]]))


def _pieces(r: PayrollRates) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The knots (with a far sentinel), the continuous cost at each knot, and its left limit at the next."""
    return by_identity(_PIECES, r, _pieces_by_value)


_PIECES: dict[int, tuple[PayrollRates, Any]] = {}


@lru_cache(maxsize=8)
def _pieces_by_value(r: PayrollRates) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The knots (with a far sentinel), the continuous cost at each knot, and its left limit at the next."""
    knots = _knots_cents(r)
    knots = np.append(knots, 2.0 * knots[-1] + 1e12)  # a far sentinel closes the last piece
    at_knot = _continuous_cost(knots, r)  # right values
    before_next = _continuous_cost(knots[1:] - 1e-6, r)  # left limits
    return knots, at_knot, before_next


def _continuous_inverse(budget: FloatArray, r: PayrollRates) -> FloatArray:
    """sup{g : continuous_cost(g) <= budget}, to a small fraction of a cent."""
    knots, at_knot, before_next = _pieces(r)
    budget = np.minimum(budget, at_knot[-1])
    piece = np.clip(np.searchsorted(at_knot, budget, side="right") - 1, 0, knots.size - 2)
    lo, hi = knots[piece], knots[piece + 1]
    cost_lo, cost_hi = at_knot[piece], before_next[piece]
    in_gap = budget >= cost_hi  # between the left limit and the jump: the end of the piece
    span = np.where(in_gap, 1.0, cost_hi - cost_lo)
    g = np.where(in_gap, hi, lo + (budget - cost_lo) * (hi - lo) / span)
    # Newton steps (secant over a small step): a no-op on linear pieces, a few on the RGDU taper.
    curved = lo < _relief_exit_cents(r)  # beyond the relief's exit every piece is linear
    for _ in range(4):
        inside = ~in_gap & (g > lo) & (g < hi) & curved
        if not inside.any():
            break
        step = np.minimum(np.maximum(1e-3 * g, 1.0), 0.5 * (hi - g))
        step = np.where(step > 0.0, step, 1.0)
        f0 = _continuous_cost(g, r)
        slope = (_continuous_cost(g + step, r) - f0) / step
        newton = np.clip(g - (f0 - budget) / np.maximum(slope, 1e-9), lo, hi)
        g = np.where(inside, newton, g)
    return g


def gross_for_employer_budget_cents(budget_cents: npt.ArrayLike, rates: PayrollRates) -> FloatArray:
    """The largest whole-cent gross whose :func:`employer_cost_cents` fits in ``budget_cents``.

    Exact and vectorised: the continuous (unrounded) cost is inverted piece by piece
    (analytic on the linear pieces, Newton on the 2026 taper), then an integer bisection
    over a window wide enough for the rounding (whole cents, the 4-decimal coefficient)
    finds the exact answer with the forward function. Budgets <= 0 buy 0.
    """
    r = rates
    budget = np.maximum(np.asarray(budget_cents, dtype=np.float64), 0.0)
    scalar = budget.ndim == 0
    budget = np.atleast_1d(budget)
    # Fast exact path: the cost of every whole cent of gross up to a few SMIC, tabulated
    # once per set of rules; the cost never decreases, so the largest gross that fits is
    # one search in the table.
    table = _cost_table(r)
    inside = budget < table[-1]
    if inside.all():
        gross = np.searchsorted(table, budget, side="right").astype(np.float64) - 1.0
        return gross[0] if scalar else gross
    gross = np.empty_like(budget)
    gross[inside] = np.searchsorted(table, budget[inside], side="right") - 1.0
    outside = ~inside
    gross[outside] = _inverse_by_bisection(budget[outside], r)
    return gross[0] if scalar else gross


#: The cost table of ``gross_for_employer_budget_cents`` covers gross pay up to this many monthly SMIC.
_TABLE_SMIC = 4.0


_COST_TABLES: dict[int, tuple[PayrollRates, Any]] = {}


def _cost_table(r: PayrollRates) -> FloatArray:
    """``employer_cost_cents`` of every whole cent of gross from 0 to ``_TABLE_SMIC`` monthly SMIC."""
    return _cost_and_relief_tables(r)[0]


def _cost_and_relief_tables(r: PayrollRates) -> tuple[FloatArray, FloatArray]:
    """``_cost_table(r)`` and the :func:`reduction_generale_cents` of the same gross pay, looked up by identity."""
    return by_identity(_COST_TABLES, r, _cost_and_relief_by_value)


@lru_cache(maxsize=8)
def _cost_and_relief_by_value(r: PayrollRates) -> tuple[FloatArray, FloatArray]:
    """``employer_cost_cents`` and ``reduction_generale_cents`` of every whole cent of gross from 0 to
    ``_TABLE_SMIC`` monthly SMIC, from one evaluation of the rules: the cost is ``_employer_cost``'s
    operations (``employer_contributions_cents``: the full contributions less the relief) and the
    relief the one it subtracts, which ``reduction_generale_cents`` computes by the same operations
    (``_covered_only`` is the second value of ``_employer_full``)."""
    n = int(math.ceil(_TABLE_SMIC * r.smic_monthly_eur * 100.0)) + 1
    gross = np.arange(n, dtype=np.float64)
    full, covered = _employer_full(gross, r)
    relief = _relief(gross, np.rint(covered), r, exact=True)
    cost = gross + (np.rint(full) - relief)
    for table in (cost, relief):
        table.flags.writeable = False
    return cost, relief


def _inverse_by_bisection(budget: FloatArray, r: PayrollRates) -> FloatArray:
    """The same answer for budgets beyond the table: continuous inverse, then an exact bisection."""
    g_star = _continuous_inverse(budget, r)
    # |exact - continuous| <= 1 cent of rounding + 0.00005 × gross from the coefficient;
    # the continuous cost rises by at least 1 per cent, so the answer is within `margin`.
    margin = np.ceil(3.0 + 6e-5 * g_star)
    # Beyond the relief's exit the coefficient is exactly 0: only the cent roundings remain.
    margin = np.where(g_star > _relief_exit_cents(r) + 10.0, 3.0, margin)
    lo = np.clip(np.floor(g_star - margin), 0.0, budget)
    hi = np.minimum(np.ceil(g_star + margin), budget + 1.0)
    gross = _search_window(lo, hi, budget, r)
    left = np.isnan(gross)
    if left.any():
        gross[left] = _bisect_checked(lo[left], hi[left], budget[left], r)
    return gross


#: Widest window (cents) that ``_search_window`` reads in one evaluation of the cost.
_WINDOW_CENTS = 64


def _search_window(lo: FloatArray, hi: FloatArray, budget: FloatArray, r: PayrollRates) -> FloatArray:
    """Largest integer g in [lo, hi) with cost(g) <= budget, from one evaluation of the cost on every cent of the window.

    The answer of ``_bisect_checked`` wherever it can be read off: the window at most
    ``_WINDOW_CENTS`` wide, cost(lo) <= budget < cost(hi), and the cost never decreasing
    across it (then the crossing is unique, and the bisection finds it and passes its
    check). NaN elsewhere, for ``_bisect_checked`` to decide. Beyond the relief's exit the
    window is 7 cents: one evaluation instead of the bisection's three and its check's two.
    """
    width = hi - lo
    steps = np.arange(min(float(width.max()), _WINDOW_CENTS) + 1.0)
    grid = np.minimum(lo[:, None] + steps, hi[:, None])  # each row lo, lo + 1, ..., hi (hi repeated to the end)
    cost = _employer_cost(grid.ravel(), r).reshape(grid.shape)  # the rules, as employer_cost_cents off its table
    fits = cost <= budget[:, None]
    readable = (width <= steps[-1]) & fits[:, 0] & ~fits[:, -1] & np.all(np.diff(cost, axis=1) >= 0.0, axis=1)
    return np.where(readable, lo + fits.sum(axis=1) - 1.0, np.nan)


def _bisect_checked(lo: FloatArray, hi: FloatArray, budget: FloatArray, r: PayrollRates) -> FloatArray:
    """``_bisect`` on [lo, hi), then a safety net: any element whose bracket was wrong is searched over [0, budget + 1]."""
    gross = _bisect(lo, hi, budget, r)
    bad = (employer_cost_cents(gross, r) > budget) | (employer_cost_cents(gross + 1.0, r) <= budget)
    if bad.any():
        gross[bad] = _bisect(np.zeros(int(bad.sum())), budget[bad] + 1.0, budget[bad], r)
    return gross


def _bisect(lo: FloatArray, hi: FloatArray, budget: FloatArray, r: PayrollRates) -> FloatArray:
    """Largest integer g in [lo, hi) with cost(g) <= budget, given cost(lo) <= budget < cost(hi)."""
    lo, hi = lo.copy(), hi.copy()
    width = float(np.max(hi - lo, initial=1.0))
    for _ in range(max(1, math.ceil(math.log2(max(width, 2.0))))):
        mid = np.floor((lo + hi) / 2.0)
        fits = employer_cost_cents(mid, r) <= budget
        lo = np.where(fits, mid, lo)
        hi = np.where(fits, hi, mid)
    return lo


def _relief_exit_cents(r: PayrollRates) -> float:
    """A gross (cents) from which the relief coefficient is 0 whatever the formula (exit x SMIC_ref cap)."""
    return 100.0 * r.relief_smic_monthly_eur * r.relief_exit_smic_multiple


class PayrollTables:
    """Whole-cent tables of one set of rules, for the model's monthly hot loop.

    ``cost``, ``relief``, ``employee`` and ``csg_crds`` hold, at index g, exactly what
    :func:`employer_cost_cents`, :func:`reduction_generale_cents`,
    :func:`employee_contributions_cents` and :func:`csg_crds_cents` give for a gross of g
    cents (they are computed by those functions), for g from 0 to ``_TABLE_SMIC`` monthly
    SMIC. :meth:`index` says whether an array of gross pay can be read from them; the
    other methods give the same answers as the functions of this module, reading the
    tables when they can and calling the rules otherwise.
    """

    def __init__(self, rates: PayrollRates) -> None:
        self.rates = rates
        self.cost, self.relief = _cost_and_relief_tables(rates)
        self.size = len(self.cost)
        self._top = float(self.cost[-1])
        self.kernel_constants = _kernel_constants(rates)

    # The employee contributions and the CSG/CRDS are built at their first read: the model's compiled
    # kernels compute them by the same arithmetic instead (a third of the tables' build time saved).
    @cached_property
    def employee(self) -> FloatArray:
        """:func:`employee_contributions_cents` of every whole cent of gross in the tables."""
        table = employee_contributions_cents(np.arange(self.size, dtype=np.float64), self.rates)
        table.flags.writeable = False
        return table

    @cached_property
    def csg_crds(self) -> FloatArray:
        """:func:`csg_crds_cents` of every whole cent of gross in the tables."""
        table = csg_crds_cents(np.arange(self.size, dtype=np.float64), self.rates)
        table.flags.writeable = False
        return table

    def index(self, gross: FloatArray) -> npt.NDArray[np.intp] | None:
        """Indices into the tables for a 1-d array of gross pay, or None when some value is not a whole cent in range."""
        index = gross.astype(np.intp)
        if gross.size and (index.min() < 0 or index.max() >= self.size or not np.array_equal(index, gross)):
            return None
        return index

    def employer_cost(self, gross: FloatArray) -> FloatArray:
        """:func:`employer_cost_cents` of a 1-d array of gross pay."""
        index = self.index(gross)
        return employer_cost_cents(gross, self.rates) if index is None else self.cost[index]

    def gross_for_budget(self, budget: FloatArray) -> FloatArray:
        """:func:`gross_for_employer_budget_cents` of a 1-d array of budgets (whole cents, >= 0 out)."""
        return self.gross_and_index(budget)[0]

    def gross_and_index(self, budget: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp] | None]:
        """:meth:`gross_for_budget`, and :meth:`index` of the gross it gives (read off the search when
        every budget is inside the table, so the gross needs no check)."""
        if budget.size and budget.max() < self._top:
            index = np.searchsorted(self.cost, budget, side="right") - 1
            np.maximum(index, 0, out=index)  # a negative budget buys 0
            return index.astype(np.float64), index
        gross = gross_for_employer_budget_cents(budget, self.rates)
        return gross, self.index(gross)

    def cost_and_relief(self, gross: FloatArray, index: npt.NDArray[np.intp] | None) -> tuple[FloatArray, FloatArray]:
        """:func:`employer_cost_cents` and :func:`reduction_generale_cents` of a 1-d array of gross pay
        (``index``: its :meth:`index`); off the tables, from one evaluation of the rules."""
        if index is not None:
            return self.cost[index], self.relief[index]
        g = np.maximum(gross, 0.0)
        full, covered = _employer_full(g, self.rates)
        relief = _relief(g, np.rint(covered), self.rates, exact=True)
        return g + (np.rint(full) - relief), relief


def _kernel_constants(r: PayrollRates) -> FloatArray:
    """The constants of the annual relief and the hour equivalents that ``simcoop.model.kernels`` reads
    (its ``K_*`` order), each computed as the numpy code of this module computes it."""
    pss = 100.0 * r.pass_monthly_eur
    covered_gross_rate = (
        r.employer_vieillesse_deplafonnee_rate
        + r.employer_csa_rate
        + min(r.employer_at_mp_rate, r.relief_at_mp_share_rate)
        + r.employer_fnal_gross_rate
    )
    rgdu = r.relief_formula != "fillon"  # as _coefficient_of_ratio reads it
    constants = [
        r.relief_smic_hourly_eur / r.smic_hourly_eur,
        100.0 * r.relief_smic_monthly_eur,
        1.0 if rgdu else 0.0,
        r.relief_exit_smic_multiple,
        r.relief_max_coefficient,
        r.rgdu_t_min if rgdu else 0.0,
        r.rgdu_t_delta if rgdu else 0.0,
        pss,
        r.chomage_cap_pass_multiple * pss,
        _first_cent_above(r.maladie_reduced_threshold_eur),
        r.employer_maladie_reduced_rate,
        r.employer_maladie_rate,
        _first_cent_above(r.famille_reduced_threshold_eur),
        r.employer_famille_reduced_rate,
        r.employer_famille_rate,
        covered_gross_rate,
        _t1_rate(r) + r.employer_fnal_t1_rate,
        r.employer_chomage_rate,
        100.0 * r.smic_hourly_eur,
        r.full_time_hours_per_month,
        # Beyond the cost table: the employer cost and the employee contributions when the relief is 0.
        1.0 if math.ceil(_TABLE_SMIC * r.smic_monthly_eur * 100.0) > 1.01 * _relief_exit_cents(r) else 0.0,
        _gross_rate(r),
        r.employer_agirc_arrco_t2_rate + r.employer_ceg_t2_rate,
        r.employer_chomage_rate + r.employer_ags_rate,
        r.employer_cet_rate,
        (r.tranche_2_cap_pass_multiple - 1.0) * pss,
        r.csg_abatement_cap_pass_multiple * 100.0 * r.pass_monthly_eur,
        1.0 - r.csg_base_abatement_rate,
        r.employee_vieillesse_deplafonnee_rate,
        r.employee_vieillesse_plafonnee_rate + r.employee_agirc_arrco_t1_rate + r.employee_ceg_t1_rate,
        r.employee_agirc_arrco_t2_rate + r.employee_ceg_t2_rate,
        r.employee_cet_rate,
        r.csg_deductible_rate + r.csg_non_deductible_rate + r.crds_rate,
        r.rgdu_power if rgdu else 0.0,  # the taper's power (the kernels take the C library's pow of it)
    ]
    table = np.array([float(c) for c in constants], dtype=np.float64)
    table.flags.writeable = False
    return table


_TABLES: dict[int, tuple[PayrollRates, Any]] = {}


def payroll_tables(rates: PayrollRates) -> PayrollTables:
    """The :class:`PayrollTables` of ``rates`` (built once per set of rules, then reused).

    Looked up by identity first, then by value, so equal rules built apart share one set of tables.
    """
    return by_identity(_TABLES, rates, _tables_by_value)


@lru_cache(maxsize=8)
def _tables_by_value(rates: PayrollRates) -> PayrollTables:
    return PayrollTables(rates)

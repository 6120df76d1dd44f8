"""Check simcoop's dated payroll rates against OpenFisca-France (offline; never imported by simcoop).

Usage (in an environment with both simcoop and openfisca-france installed, e.g.
``pip install -e '.[openfisca]'``)::

    python tools/generate_payroll_tables.py              # check 2023-01 .. 2026-12
    python tools/generate_payroll_tables.py --from 2024-01 --to 2025-12 --print

For each month it reads the OpenFisca-France parameters in force on the 1st and compares
them with ``simcoop.economics.payroll.payroll_rates_at`` for the three employer sizes.
It prints the OpenFisca-France version, every difference, and exits 1 when a difference
is not in ``KNOWN_DIFFERENCES`` (documented in payroll_fr.yaml). With ``--print`` it also
prints the OpenFisca values as a table to paste from when a new year comes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import sys
from collections.abc import Callable
from typing import Any

from simcoop.economics.payroll import EMPLOYER_SIZES, PayrollRates, payroll_rates_at

#: (PayrollRates field, OpenFisca-France parameter path or a function of (params, size)).
P = "prelevements_sociaux."
SIMPLE: list[tuple[str, str]] = [
    ("smic_hourly_eur", "marche_travail.salaire_minimum.smic.smic_b_horaire"),
    ("smic_monthly_eur", "marche_travail.salaire_minimum.smic.smic_b_mensuel"),
    ("full_time_hours_per_month", "marche_travail.salaire_minimum.smic.nb_heures_travail_mensuel"),
    ("pass_monthly_eur", P + "pss.plafond_securite_sociale_mensuel"),
    ("employer_maladie_rate", P + "cotisations_securite_sociale_regime_general.mmid.employeur.maladie.rates[0]"),
    ("employer_famille_rate", P + "cotisations_securite_sociale_regime_general.famille.employeur.famille.rates[0]"),
    (
        "employer_vieillesse_deplafonnee_rate",
        P + "cotisations_securite_sociale_regime_general.cnav.employeur.vieillesse_deplafonnee.rates[0]",
    ),
    (
        "employer_vieillesse_plafonnee_rate",
        P + "cotisations_securite_sociale_regime_general.cnav.employeur.vieillesse_plafonnee.rates[0]",
    ),
    ("employer_csa_rate", P + "cotisations_securite_sociale_regime_general.csa.employeur.csa.rates[0]"),
    ("employer_chomage_rate", P + "cotisations_regime_assurance_chomage.chomage.employeur.chomage.rates[0]"),
    ("employer_ags_rate", P + "cotisations_regime_assurance_chomage.ags.employeur.ags.rates[0]"),
    (
        "employer_agirc_arrco_t1_rate",
        P + "regimes_complementaires_retraite_secteur_prive.agirc_arrco.employeur.agirc_arrco.rates[0]",
    ),
    (
        "employer_agirc_arrco_t2_rate",
        P + "regimes_complementaires_retraite_secteur_prive.agirc_arrco.employeur.agirc_arrco.rates[1]",
    ),
    ("employer_ceg_t1_rate", P + "regimes_complementaires_retraite_secteur_prive.ceg.employeur.ceg.rates[0]"),
    ("employer_ceg_t2_rate", P + "regimes_complementaires_retraite_secteur_prive.ceg.employeur.ceg.rates[1]"),
    ("employer_cet_rate", P + "regimes_complementaires_retraite_secteur_prive.cet2019.employeur.cet2019.rates[0]"),
    (
        "employer_apprentissage_rate",
        P + "autres_taxes_participations_assises_salaires.contribution_unique_formation.taxe_apprentissage.general",
    ),
    (
        "employer_dialogue_social_rate",
        P + "autres_taxes_participations_assises_salaires.fin_syndic.financement_organisations_syndicales.rates[0]",
    ),
    (
        "employee_vieillesse_plafonnee_rate",
        P + "cotisations_securite_sociale_regime_general.cnav.salarie.vieillesse_plafonnee.rates[0]",
    ),
    (
        "employee_vieillesse_deplafonnee_rate",
        P + "cotisations_securite_sociale_regime_general.cnav.salarie.vieillesse_deplafonnee.rates[0]",
    ),
    (
        "employee_agirc_arrco_t1_rate",
        P + "regimes_complementaires_retraite_secteur_prive.agirc_arrco.salarie.agirc_arrco.rates[0]",
    ),
    (
        "employee_agirc_arrco_t2_rate",
        P + "regimes_complementaires_retraite_secteur_prive.agirc_arrco.salarie.agirc_arrco.rates[1]",
    ),
    ("employee_ceg_t1_rate", P + "regimes_complementaires_retraite_secteur_prive.ceg.salarie.ceg.rates[0]"),
    ("employee_ceg_t2_rate", P + "regimes_complementaires_retraite_secteur_prive.ceg.salarie.ceg.rates[1]"),
    ("employee_cet_rate", P + "regimes_complementaires_retraite_secteur_prive.cet2019.salarie.cet2019.rates[0]"),
    ("csg_deductible_rate", P + "contributions_sociales.csg.activite.deductible"),
    ("csg_non_deductible_rate", P + "contributions_sociales.csg.activite.imposable"),
    ("crds_rate", P + "contributions_sociales.crds"),
    ("csg_base_abatement_rate", P + "contributions_sociales.csg.activite.abattement.rates[0]"),
    ("csg_abatement_cap_pass_multiple", P + "contributions_sociales.csg.activite.abattement.thresholds[1]"),
    ("chomage_cap_pass_multiple", P + "cotisations_regime_assurance_chomage.chomage.employeur.chomage.thresholds[2]"),
    (
        "tranche_2_cap_pass_multiple",
        P + "regimes_complementaires_retraite_secteur_prive.agirc_arrco.employeur.agirc_arrco.thresholds[2]",
    ),
]

_ALLEG = P + "reductions_cotisations_sociales."
_TAXES = P + "autres_taxes_participations_assises_salaires."


def _sized(small_path: str, large_path: str, small_sizes: tuple[str, ...] = ("below_11", "below_50")) -> Callable:
    def get(params: Any, size: str) -> Any:
        return _get(params, small_path if size in small_sizes else large_path)

    return get


def _relief_max(params: Any, size: str) -> Any:
    base = _ALLEG + "allegement_general.ensemble_des_entreprises."
    small = size != "50_or_more"
    fillon = _get(
        params,
        base + ("entreprises_de_moins_de_50_salaries" if small else "entreprises_de_50_salaries_et_plus"),
        missing=None,
    )
    if fillon is not None:
        return fillon
    t_delta = _get(params, base + ("t_delta_petites_entreprises" if small else "t_delta_grandes_entreprises"))
    return _get(params, base + "t_min") + t_delta


def _bandeau(name: str, multiple_param: str, smic_eur: float | None) -> Callable:
    """Full-month bandeau threshold in euros from OpenFisca's multiples (inf if none)."""

    def get(params: Any, size: str) -> Any:
        base = _ALLEG + name + "."
        smic = _get(params, "marche_travail.salaire_minimum.smic.smic_b_mensuel")
        for key, reference in (
            ("plafond_smic_2025_01_01", 1801.80),
            ("plafond_smic_2023_12_31", 1747.20),
            (multiple_param, None),
        ):
            value = _get(params, base + key, missing=None)
            if value is not None:
                current = _get(params, base + "plafond_smic_courant", missing=None) or 0
                return max(value * (reference or smic), current * smic)
        return math.inf

    return get


def _relief_smic(params: Any, size: str) -> Any:
    frozen = _get(params, _ALLEG + "allegement_general.ensemble_des_entreprises.smic_reference", missing=None)
    return frozen if frozen is not None else _get(params, "marche_travail.salaire_minimum.smic.smic_b_horaire")


def _relief_exit(params: Any, size: str) -> Any:
    return _get(params, _ALLEG + "allegement_general.ensemble_des_entreprises.plafond")


COMPUTED: list[tuple[str, Callable]] = [
    ("relief_max_coefficient", _relief_max),
    ("relief_smic_hourly_eur", _relief_smic),
    ("relief_exit_smic_multiple", _relief_exit),
    (
        "employer_formation_rate",
        _sized(
            _TAXES + "contribution_unique_formation.contrib_formation_pro.moins_11_salaries",
            _TAXES + "contribution_unique_formation.contrib_formation_pro.onze_et_plus_salaries",
            small_sizes=("below_11",),
        ),
    ),
    (
        "employer_fnal_t1_rate",
        lambda params, size: (
            _get(params, _TAXES + "fnal.contribution_moins_de_50_salaries.rates[0]") if size != "50_or_more" else 0.0
        ),
    ),
    (
        "employer_fnal_gross_rate",
        lambda params, size: (
            _get(params, _TAXES + "fnal.contribution_plus_de_50_salaries.rates[0]") if size == "50_or_more" else 0.0
        ),
    ),
    (
        "employer_peec_rate",
        lambda params, size: (
            _get(params, _TAXES + "construction.plus_50_salaries.rates[0]") if size == "50_or_more" else 0.0
        ),
    ),
    ("maladie_reduced_threshold_eur", _bandeau("alleg_gen.mmid", "plafond", None)),
    ("famille_reduced_threshold_eur", _bandeau("allegement_cotisation_allocations_familiales", "plafond_smic", None)),
    (
        "employer_at_mp_rate",
        lambda params, size: _get(params, P + "cotisations_securite_sociale_regime_general.accidents.taux.faible"),
    ),
]

#: Differences documented in payroll_fr.yaml: (field, first month, reason).
KNOWN_DIFFERENCES = {
    "employer_ags_rate": "AGS 0.25 % from 2024-07-01 (AGS board), absent from OpenFisca-France 176.1.8",
    "employer_at_mp_rate": "AT/MP is an assumption; 2026 keeps the 2025 office rate",
}


def _get(params: Any, path: str, missing: Any = ...) -> Any:
    node = params
    for part in path.split("."):
        index = None
        if part.endswith("]"):
            part, index = part[:-1].split("[")
        try:
            node = getattr(node, part) if not hasattr(node, "children") else node[part]
        except Exception:  # OpenFisca raises ParameterNotFoundError for a null value
            if missing is not ...:
                return missing
            raise
        if index is not None:
            node = node[int(index)]
    return node


def compare(month: str, tbs: Any) -> list[tuple[str, str, Any, Any]]:
    """``[(size, field, ours, openfisca), ...]`` for the fields that differ in ``month``."""
    params = tbs.parameters(f"{month}-01")
    diffs = []
    for size in EMPLOYER_SIZES:
        rates: PayrollRates = payroll_rates_at(month, size)
        checks = [(name, lambda p, s, path=path: _get(p, path)) for name, path in SIMPLE] + COMPUTED
        for name, getter in checks:
            ours = getattr(rates, name)
            theirs = getter(params, size)
            theirs = math.inf if theirs is None else float(theirs)
            tolerance = 0.006 if name.endswith("_eur") else 1e-9
            if not (ours == theirs or (math.isfinite(theirs) and math.isclose(ours, theirs, abs_tol=tolerance))):
                diffs.append((size, name, ours, theirs))
    return diffs


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", default="2023-01")
    parser.add_argument("--to", dest="last", default="2026-12")
    parser.add_argument("--print", dest="show", action="store_true", help="print OpenFisca's values per month")
    args = parser.parse_args(argv)
    try:
        from openfisca_france import CountryTaxBenefitSystem
    except ImportError:
        print("openfisca-france is not installed: pip install 'simcoop[openfisca]'", file=sys.stderr)
        return 2
    version = importlib.metadata.version("openfisca-france")
    core = importlib.metadata.version("openfisca-core")
    print(f"OpenFisca-France {version} (openfisca-core {core})")
    tbs = CountryTaxBenefitSystem()
    unexpected = 0
    for month in _months(args.first, args.last):
        if args.show:
            params = tbs.parameters(f"{month}-01")
            values = {name: _get(params, path) for name, path in SIMPLE}
            values.update({name: getter(params, "below_50") for name, getter in COMPUTED})
            print(month, values)
        for size, name, ours, theirs in compare(month, tbs):
            known = KNOWN_DIFFERENCES.get(name)
            unexpected += known is None
            tag = f"known: {known}" if known else "UNEXPECTED"
            print(f"{month} {size:10} {name}: simcoop {ours} vs OpenFisca {theirs} ({tag})")
    print(f"{unexpected} unexpected difference(s)")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())

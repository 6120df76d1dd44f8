"""Known answers and properties for French payroll (simcoop.economics.payroll).

Every expected value below was computed by hand (Decimal arithmetic) from the legal rates
in simcoop/economics/data/payroll_fr.yaml, never from the functions under test. Employer
size ``below_50`` (11-49 employees), AT/MP at the office-rate assumption.

Rates used (employer, % of the base):
  on gross: maladie 7 (reduced) / 13; famille 3.45 (reduced) / 5.25;
            other = vieillesse déplafonnée + CSA 0.30 + AT/MP + formation 1.00
                    + apprentissage 0.68 + dialogue social 0.016
            2024: 2.02 + 0.30 + 0.64 + 1 + 0.68 + 0.016 = 4.656
            2025: 2.02 + 0.30 + 0.70 + 1 + 0.68 + 0.016 = 4.716
            2026: 2.11 + 0.30 + 0.70 + 1 + 0.68 + 0.016 = 4.806
  on T1 (<= PASS): vieillesse 8.55 + Agirc-Arrco 4.72 + CEG 1.29 + FNAL 0.10 = 14.66
  on T2: Agirc-Arrco 12.95 + CEG 1.62 = 14.57; CET 0.21 on the whole gross once > PASS
  up to 4 PASS: chômage 4.05 (2024) / 4.00 (2025-05 on) + AGS 0.20 (2024-06) / 0.25 = 4.25
Employee: vieillesse déplafonnée 0.40 on gross; T1 6.90 + 3.15 + 0.86 = 10.91;
  T2 8.64 + 1.08 = 9.72; CET 0.14; CSG 9.20 + CRDS 0.50 = 9.70 on 98.25 % of gross.
Bandeaux: 2024 maladie 2.5 × 1747.20 = 4368.00, famille 3.5 × 1747.20 = 6115.20;
  2025 maladie 2.25 × 1801.80 = 4054.05, famille 3.3 × 1801.80 = 5945.94; none in 2026.
Relief: Fillon C = T/0.6 × (1.6 × SMIC / gross - 1), T = 0.3194 (2024) / 0.3193 (2025-05);
  RGDU 2026: C = 0.02 + 0.3781 × [(3 × SMIC_ref / gross - 1) / 2]^1.75, SMIC_ref from the
  January 2026 SMIC 12.02 €/h (1823.03 € a month) although the SMIC is 12.31 €/h in June.
  C rounded to 4 decimals. PASS 3864 (2024), 3925 (2025), 4005 (2026).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simcoop.economics.payroll import (
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

# month, SMIC multiple, gross €, relief €, employer cost €, net €  (arithmetic after the table)
KNOWN = [
    ("2024-06", "1.0", 1766.92, 564.35, 1803.61, 1398.69),
    ("2024-06", "1.3", 2297.00, 282.07, 2796.28, 1818.30),
    ("2024-06", "1.6", 2827.08, 0.00, 3788.74, 2237.91),
    ("2024-06", "2.0", 3533.84, 0.00, 4735.91, 2797.38),
    ("2024-06", "3.0", 5300.76, 0.00, 7431.75, 4205.74),
    ("2025-06", "1.0", 1801.80, 575.31, 1840.47, 1426.30),
    ("2025-06", "1.3", 2342.34, 287.64, 2852.88, 1854.19),
    ("2025-06", "1.6", 2882.88, 0.00, 3865.25, 2282.08),
    ("2025-06", "2.0", 3603.60, 0.00, 4831.56, 2852.60),
    ("2025-06", "3.0", 5405.40, 0.00, 7581.69, 4288.95),
    ("2026-06", "1.0", 1867.02, 700.13, 1950.40, 1477.93),
    ("2026-06", "1.3", 2427.13, 453.63, 2992.07, 1921.31),
    ("2026-06", "1.6", 2987.24, 302.61, 3938.26, 2364.69),
    ("2026-06", "2.0", 3734.04, 184.46, 5116.61, 2955.86),
    ("2026-06", "3.0", 5601.06, 0.00, 7961.93, 4444.94),
]
# The arithmetic (€; "full" = employer contributions before relief, unrounded):
# 2024-06 1.0: full = 1766.92 × (7 + 3.45 + 4.656 + 14.66 + 4.25)% = 601.0355 -> 601.04
#   C = 0.3194 (gross <= SMIC); relief = 0.3194 × 1766.92 = 564.354 -> 564.35
#   cost = 1766.92 + 601.04 - 564.35 = 1803.61
#   employee = 1766.92 × (0.40 + 10.91)% + 1766.92 × 0.9825 × 9.70% = 199.8387 + 168.3922 -> 368.23
#   net = 1766.92 - 368.23 = 1398.69
# 2024-06 1.3: full = 2297.00 × 34.016% = 781.3475 -> 781.35
#   C = 0.3194/0.6 × (1.6 × 1766.92/2297 - 1) = 0.12277 -> 0.1228; relief = 282.0716 -> 282.07
#   cost = 2297 + 781.35 - 282.07 = 2796.28; employee = 2297 × 11.31% + 2297 × 0.9825 × 9.7% = 478.70
# 2024-06 1.6 (2827.08 >= 1.6 × 1766.92 = 2827.072): C = 0; full = 2827.08 × 34.016% = 961.6595
#   cost = 3788.74; employee = 2827.08 × 11.31% + 2827.08 × 0.9825 × 9.7% = 319.7427 + 269.4278 -> 589.17
# 2024-06 2.0: full = 3533.84 × 34.016% = 1202.0710; cost = 4735.91; net = 3533.84 - 736.46
# 2024-06 3.0 (5300.76 > 4368 so maladie 13 %, < 6115.20 so famille 3.45 %, > PASS 3864):
#   full = 5300.76 × (13 + 3.45 + 4.656 + 4.25 + 0.21)% + 3864 × 14.66% + 1436.76 × 14.57%
#        = 1355.1923 + 566.4624 + 209.3359 = 2130.9906 -> 2130.99
#   cost = 5300.76 + 2130.99 = 7431.75
#   employee = 5300.76 × (0.40 + 0.14)% + 3864 × 10.91% + 1436.76 × 9.72% + 5300.76 × 0.9825 × 9.7%
#            = 28.6241 + 421.5624 + 139.6531 + 505.1761 = 1095.0157 -> 1095.02; net 4205.74
# 2025-06 1.0: full = 1801.80 × (7 + 3.45 + 4.716 + 14.66 + 4.25)% = 613.9814 -> 613.98
#   relief = 0.3193 × 1801.80 = 575.3147 -> 575.31; cost = 1801.80 + 613.98 - 575.31 = 1840.47
#   employee = 1801.80 × 11.31% + 1801.80 × 0.9825 × 9.7% = 203.7836 + 171.7165 -> 375.50
# 2025-06 1.3: C = 0.3193/0.6 × (1.6/1.3 - 1) = 0.12281 -> 0.1228; relief = 287.6394 -> 287.64
#   full = 2342.34 × 34.076% = 798.1758; cost = 2342.34 + 798.18 - 287.64 = 2852.88
# 2025-06 3.0 (5405.40 > 4054.05: maladie 13 %; < 5945.94: famille 3.45 %; > PASS 3925):
#   full = 5405.40 × (13 + 3.45 + 4.716 + 4.25 + 0.21)% + 3925 × 14.66% + 1480.40 × 14.57%
#        = 1385.1878 + 575.4050 + 215.6943 = 2176.2871 -> 2176.29; cost 7581.69
# 2026-06 1.0: no bandeaux; full = 1867.02 × (13 + 5.25 + 4.806 + 14.66 + 4.25)% = 783.5136 -> 783.51
#   SMIC_ref = min(1867.02 × 12.02/12.31, 1823.03) = 1823.03; x = (3 × 1823.03/1867.02 - 1)/2 = 0.964657
#   C = 0.02 + round4(0.3781 × 0.964657^1.75) = 0.02 + round4(0.355025) = 0.3750
#   relief = 0.375 × 1867.02 = 700.1325 -> 700.13; cost = 1867.02 + 783.51 - 700.13 = 1950.40
#   employee = 1867.02 × 11.31% + 1867.02 × 0.9825 × 9.7% = 211.1600 + 177.9317 -> 389.09
# 2026-06 1.3: x = (3 × 1823.03/2427.13 - 1)/2 = 0.626782; C = 0.02 + round4(0.3781 × 0.44195) = 0.1869
#   relief = 0.1869 × 2427.13 = 453.6306 -> 453.63; full = 2427.13 × 41.966% = 1018.5694 -> 1018.57
#   cost = 2427.13 + 1018.57 - 453.63 = 2992.07
# 2026-06 1.6: x = 0.415508; C = 0.02 + round4(0.3781 × 0.21498) = 0.1013; relief = 302.6074 -> 302.61
#   full = 2987.24 × 41.966% = 1253.6251; cost = 2987.24 + 1253.63 - 302.61 = 3938.26
# 2026-06 2.0 (3734.04 <= PASS 4005): x = 0.232344; C = 0.02 + round4(0.3781 × 0.07784) = 0.0494
#   relief = 184.4616 -> 184.46; full = 3734.04 × 41.966% = 1567.0272; cost = 5116.61
# 2026-06 3.0: 5601.06 >= 3 × 1823.03 = 5469.09, relief 0; > PASS 4005:
#   full = 5601.06 × (13 + 5.25 + 4.806 + 4.25 + 0.21)% + 4005 × 14.66% + 1596.06 × 14.57%
#        = 1541.1877 + 587.1330 + 232.5459 = 2360.8666 -> 2360.87; cost = 5601.06 + 2360.87 = 7961.93
# (Figures computed with Decimal on the exact bases; partial sums shown to 4 decimals.)


def _cents(eur: float) -> float:
    return round(eur * 100)


@pytest.mark.parametrize(("month", "multiple", "gross", "relief", "cost", "net"), KNOWN)
def test_known_answers(month: str, multiple: str, gross: float, relief: float, cost: float, net: float) -> None:
    rates = payroll_rates_at(month, "below_50")
    g = np.array([_cents(gross)], dtype=np.float64)
    assert reduction_generale_cents(g, rates)[0] == _cents(relief)
    assert employer_cost_cents(g, rates)[0] == _cents(cost)
    assert net_pay_cents(g, rates)[0] == _cents(net)
    # contributions are the two differences, by construction
    assert employer_contributions_cents(g, rates)[0] == _cents(cost) - _cents(gross)
    assert employee_contributions_cents(g, rates)[0] == _cents(gross) - _cents(net)


def test_rates_in_force() -> None:
    r24 = payroll_rates_at("2024-06")
    assert (r24.smic_hourly_eur, r24.smic_monthly_eur, r24.pass_monthly_eur) == (11.65, 1766.92, 3864)
    assert payroll_rates_at("2024-11").smic_monthly_eur == 1801.80
    assert payroll_rates_at("2023-05").smic_hourly_eur == 11.52
    r26 = payroll_rates_at("2026-01")
    assert (r26.smic_hourly_eur, r26.smic_monthly_eur, r26.pass_monthly_eur) == (12.02, 1823.03, 4005)
    assert r26.relief_formula == "rgdu" and r26.rgdu_power == 1.75 and r26.rgdu_t_min == 0.02
    assert payroll_rates_at("2026-01", "50_or_more").rgdu_t_delta == 0.3821
    assert payroll_rates_at("2024-06", "50_or_more").relief_max_coefficient == 0.3234
    assert payroll_rates_at("2025-03").relief_max_coefficient == 0.3194
    assert payroll_rates_at("2025-06").relief_max_coefficient == 0.3193
    assert payroll_rates_at("2024-06").maladie_reduced_threshold_eur == pytest.approx(4368.00)
    assert payroll_rates_at("2025-06").maladie_reduced_threshold_eur == pytest.approx(4054.05)
    assert payroll_rates_at("2025-06").famille_reduced_threshold_eur == pytest.approx(5945.94)
    small, large = payroll_rates_at("2025-06", "below_11"), payroll_rates_at("2025-06", "50_or_more")
    assert (small.employer_formation_rate, small.employer_fnal_t1_rate) == (0.0055, 0.001)
    assert (large.employer_formation_rate, large.employer_fnal_gross_rate, large.employer_peec_rate) == (
        0.01,
        0.005,
        0.0045,
    )


def test_relief_zero_from_1_6_smic_until_2025_and_3_smic_in_2026() -> None:
    for month in ("2024-06", "2025-06"):
        r = payroll_rates_at(month)
        s = _cents(r.smic_monthly_eur)
        g = np.array([np.ceil(1.6 * s), 2 * s, 3 * s], dtype=np.float64)
        assert reduction_generale_cents(g, r).tolist() == [0.0, 0.0, 0.0]
        assert reduction_generale_cents(np.array([np.ceil(1.6 * s) - 100.0]), r)[0] > 0
    r = payroll_rates_at("2026-06")
    ref = _cents(r.relief_smic_monthly_eur)  # exit at 3 × SMIC_ref = 3 × 1823.03 €
    assert reduction_generale_cents(np.array([2 * _cents(r.smic_monthly_eur)]), r)[0] > 0
    assert reduction_generale_cents(np.array([3 * ref - 1.0]), r)[0] > 0  # Tmin still applies
    assert reduction_generale_cents(np.array([3 * ref, 3 * _cents(r.smic_monthly_eur)]), r).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("month", ["2023-01", "2024-06", "2025-06", "2026-03"])
def test_coefficient_at_maximum_below_one_monthly_smic(month: str) -> None:
    """CAE hour equivalents: SMIC_ref = gross below one monthly SMIC, so C is at its max."""
    r = payroll_rates_at(month)
    gross = np.array([40_000.0, 75_000.0, 123_456.0, _cents(r.smic_monthly_eur)])
    hours = hour_equivalents(gross, r)
    assert np.allclose(hours[:3], gross[:3] / (100 * r.smic_hourly_eur))
    assert hours[3] == pytest.approx(151.67, abs=0.01)
    expected = np.rint(r.relief_max_coefficient * gross)
    assert np.array_equal(reduction_generale_cents(gross, r), expected)


def test_hours_capped_and_june_2026_reference_smic() -> None:
    r = payroll_rates_at("2026-06")
    assert hour_equivalents(np.array([500_000.0]), r)[0] == 151.67
    # In June 2026 the SMIC is 12.31 €/h but SMIC_ref uses 12.02 €/h: below one monthly
    # SMIC, C = 0.02 + round4(0.3781 × ((3 × 12.02/12.31 - 1)/2)^1.75) = 0.3750, not 0.3981.
    g = np.array([100_000.0])
    assert reduction_generale_cents(g, r)[0] == 37_500.0


def test_error_before_first_date_and_bad_input() -> None:
    with pytest.raises(ValueError, match="no French payroll rates before 2023-01-01"):
        payroll_rates_at("2022-12")
    with pytest.raises(ValueError, match="unknown employer size"):
        payroll_rates_at("2024-01", "huge")
    with pytest.raises(ValueError, match="YYYY-MM"):
        payroll_rates_at("2024-13")


def test_payroll_dates() -> None:
    dates = payroll_dates()
    assert dates == sorted(dates) and dates[0] == "2023-01-01"
    for d in ("2023-05-01", "2024-01-01", "2024-07-01", "2024-11-01", "2025-05-01", "2026-01-01", "2026-06-01"):
        assert d in dates


def test_zero_and_negative() -> None:
    r = payroll_rates_at("2025-06")
    assert employer_cost_cents(np.array([0.0]), r)[0] == 0.0
    assert net_pay_cents(np.array([0.0]), r)[0] == 0.0
    # a cent or two of budget buys as much gross: cost(1) = 1 + rint(0.34) - rint(0.32) = 1
    assert gross_for_employer_budget_cents(np.array([-5.0, 0.0, 1.0, 2.0]), r).tolist() == [0.0, 0.0, 1.0, 2.0]


MONTHS = ["2023-01", "2024-06", "2024-12", "2025-06", "2026-03", "2026-06"]
SIZES = ["below_11", "below_50", "50_or_more"]


@settings(max_examples=60, deadline=None)
@given(
    month=st.sampled_from(MONTHS),
    size=st.sampled_from(SIZES),
    budgets=st.lists(st.floats(0.0, 5.0), min_size=1, max_size=40),
)
def test_inverse_is_the_largest_gross_that_fits(month: str, size: str, budgets: list[float]) -> None:
    r = payroll_rates_at(month, size)
    budget = np.floor(np.array(budgets) * 100 * r.pass_monthly_eur)  # 0 to 5 PASS, whole cents
    gross = gross_for_employer_budget_cents(budget, r)
    assert np.all(gross == np.floor(gross))
    assert np.all(employer_cost_cents(gross, r) <= budget)
    assert np.all(employer_cost_cents(gross + 1.0, r) > budget)


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("size", SIZES)
def test_inverse_on_every_cent_near_the_thresholds(month: str, size: str) -> None:
    """Dense check around every jump and kink (bandeaux, PASS, relief exits)."""
    r = payroll_rates_at(month, size)
    centres = [r.smic_monthly_eur, 1.6 * r.relief_smic_monthly_eur, 3 * r.relief_smic_monthly_eur]
    centres += [r.pass_monthly_eur, 4 * r.pass_monthly_eur, 8 * r.pass_monthly_eur]
    centres += [t for t in (r.maladie_reduced_threshold_eur, r.famille_reduced_threshold_eur) if np.isfinite(t)]
    gross = np.concatenate([np.arange(round(100 * c) - 300, round(100 * c) + 300, dtype=np.float64) for c in centres])
    cost = employer_cost_cents(gross, r)
    budget = np.concatenate([cost - 1.0, cost, cost + 1.0])
    found = gross_for_employer_budget_cents(budget, r)
    assert np.all(employer_cost_cents(found, r) <= budget)
    assert np.all(employer_cost_cents(found + 1.0, r) > budget)


@settings(max_examples=40, deadline=None)
@given(month=st.sampled_from(MONTHS), size=st.sampled_from(SIZES), start=st.integers(0, 5 * 400_500))
def test_employer_cost_is_non_decreasing(month: str, size: str, start: int) -> None:
    r = payroll_rates_at(month, size)
    gross = np.arange(start, start + 2000, dtype=np.float64)
    assert np.all(np.diff(employer_cost_cents(gross, r)) >= 0)
    # Net pay never falls, except one legal cliff: just above the PASS the CET (contribution
    # d'équilibre technique, 0.14% employee) applies to the whole pay, so the first cent
    # above the ceiling costs about 0.14% of the pay.
    steps = np.diff(net_pay_cents(gross, r))
    pass_cents = round(100 * r.pass_monthly_eur)
    cliff = gross[:-1] == pass_cents
    assert np.all(steps[~cliff] >= 0)
    if cliff.any():
        assert -0.002 * pass_cents <= steps[cliff][0] < 0


def test_employer_cost_non_decreasing_on_a_full_grid() -> None:
    for month in MONTHS:
        for size in SIZES:
            r = payroll_rates_at(month, size)
            gross = np.arange(0, 5 * round(100 * r.pass_monthly_eur), dtype=np.float64)
            assert np.all(np.diff(employer_cost_cents(gross, r)) >= 0), (month, size)


def test_effective_rates_at_one_smic() -> None:
    """Law-based effective rates at 1.0 SMIC, full time, below_50 (see the module report).

    (employer + employee contributions) / employer cost: 22.45 % (2024-06), 22.50 %
    (2025-06), 24.22 % (2026-06, after the June SMIC rise with the January SMIC_ref);
    DOMAIN.md's "≈ 20 % in all" is CAE practice, not this legal figure.
    """
    expected = {"2024-06": (36.69, 368.23), "2025-06": (38.67, 375.50), "2026-06": (83.38, 389.09)}
    for month, (employer_eur, employee_eur) in expected.items():
        r = payroll_rates_at(month)
        g = np.array([_cents(r.smic_monthly_eur)])
        assert employer_contributions_cents(g, r)[0] == _cents(employer_eur)
        assert employee_contributions_cents(g, r)[0] == _cents(employee_eur)
    total_over_cost = (36.69 + 368.23) / 1803.61
    assert total_over_cost == pytest.approx(0.2245, abs=1e-4)


def test_openfisca_crosscheck() -> None:
    """Compare with OpenFisca-France at 1.0, 1.6 and 2.0 SMIC in 2024-06 and 2025-06.

    Tolerance: OpenFisca computes in float32 and rounds several items to the cent on their
    own (apprentissage, AGS, FNAL, dialogue social, ...), at most half a cent each over
    about ten items: 5 cents on the cost, 2 cents on the net (four rounded items). The AGS
    rate differs by design (0.25 % here from 2024-07-01, 0.20 % in OpenFisca-France
    176.1.8): that difference is added to OpenFisca's cost explicitly.
    """
    openfisca_france = pytest.importorskip("openfisca_france")
    from openfisca_core.simulation_builder import SimulationBuilder

    tbs = openfisca_france.CountryTaxBenefitSystem()
    for month in ("2024-06", "2025-06"):
        r = payroll_rates_at(month, "below_50")
        for multiple in (1.0, 1.6, 2.0):
            gross_cents = float(np.ceil(multiple * round(100 * r.smic_monthly_eur)))
            situation = {
                "individus": {
                    "a": {
                        "salaire_de_base": {month: gross_cents / 100},
                        "effectif_entreprise": {month: 30},
                        "taux_accident_travail": {month: r.employer_at_mp_rate},
                        "allegement_general_mode_recouvrement": {month: "anticipe"},
                    }
                },
                "familles": {"f": {"parents": ["a"]}},
                "foyers_fiscaux": {"ff": {"declarants": ["a"]}},
                "menages": {"m": {"personne_de_reference": ["a"]}},
            }
            sim = SimulationBuilder().build_from_entities(tbs, situation)
            of_cost = float(sim.calculate("salaire_super_brut", month)[0])
            of_net = float(sim.calculate("salaire_net", month)[0])
            of_ags = -float(sim.calculate("ags", month)[0])
            our_ags = r.employer_ags_rate * min(gross_cents, 4 * 100 * r.pass_monthly_eur) / 100
            g = np.array([gross_cents])
            assert employer_cost_cents(g, r)[0] / 100 == pytest.approx(of_cost + our_ags - of_ags, abs=0.05)
            assert net_pay_cents(g, r)[0] / 100 == pytest.approx(of_net, abs=0.02)


def test_cost_table_gives_exactly_what_the_rules_give() -> None:
    """The fast paths (a table of costs per cent of gross) agree with the rules, and the inverse with bisection."""
    from simcoop.economics.payroll import _employer_cost, _inverse_by_bisection

    rng = np.random.default_rng(0)
    for month in ("2024-06", "2025-06", "2026-03", "2026-07"):
        for size in ("below_11", "below_50", "50_or_more"):
            rates = payroll_rates_at(month, size)
            gross = np.floor(rng.uniform(0, 5 * rates.smic_monthly_eur * 100, 20_000))
            assert np.array_equal(employer_cost_cents(gross, rates), _employer_cost(gross, rates))
            budget = np.floor(rng.uniform(0, 6 * rates.smic_monthly_eur * 100, 20_000))
            assert np.array_equal(gross_for_employer_budget_cents(budget, rates), _inverse_by_bisection(budget, rates))


def test_the_tables_cost_and_relief_are_the_rules_on_every_cent() -> None:
    """``PayrollTables`` builds its cost and relief tables from one evaluation of the rules: at every whole
    cent of gross they are what ``employer_cost_cents``' rules and ``reduction_generale_cents`` give, bit for bit."""
    from simcoop.economics.payroll import _employer_cost, payroll_tables, reduction_generale_cents

    for month in ("2024-06", "2025-06", "2026-03", "2027-01"):
        for size in ("below_11", "below_50", "50_or_more"):
            rates = payroll_rates_at(month, size)
            tables = payroll_tables(rates)
            gross = np.arange(tables.size, dtype=np.float64)
            assert tables.cost.tobytes() == _employer_cost(gross, rates).tobytes(), (month, size)
            assert tables.relief.tobytes() == reduction_generale_cents(gross, rates).tobytes(), (month, size)


def test_window_search_gives_the_bisection_answer() -> None:
    """Beyond the table, one evaluation of the cost over the window gives what the bisection and its check give."""
    from simcoop.economics.payroll import _bisect_checked, _continuous_inverse, _inverse_by_bisection, _relief_exit_cents

    rng = np.random.default_rng(1)
    for month in ("2024-06", "2025-06", "2026-03", "2027-01"):
        for size in ("below_11", "below_50", "50_or_more"):
            r = payroll_rates_at(month, size)
            budget = np.concatenate([rng.uniform(0, 3e7, 2000), np.floor(rng.uniform(0, 6 * r.smic_monthly_eur * 100, 2000))])
            g_star = _continuous_inverse(budget, r)
            margin = np.where(g_star > _relief_exit_cents(r) + 10.0, 3.0, np.ceil(3.0 + 6e-5 * g_star))
            lo = np.clip(np.floor(g_star - margin), 0.0, budget)
            hi = np.minimum(np.ceil(g_star + margin), budget + 1.0)
            assert np.array_equal(_inverse_by_bisection(budget, r), _bisect_checked(lo, hi, budget, r))


def test_annual_relief_keeps_a_june_settlement_at_the_full_coefficient() -> None:
    """CSS L241-13 / D241-7: the relief is annual; monthly amounts are provisional."""
    from simcoop.economics.payroll import annual_reduction_generale_cents

    r = payroll_rates_at("2025-06", "below_50")
    months = [80_000.0] * 5 + [380_000.0]  # five months at 800 €, then June with a 3 000 € settlement
    monthly = sum(float(reduction_generale_cents(np.array([g]), r)[0]) for g in months)
    annual = float(annual_reduction_generale_cents(np.array([sum(months)]), np.array([6]), r)[0])
    # 7 800 € over six months stays below six monthly SMIC: the full coefficient on all of it.
    full = float(reduction_generale_cents(np.array([130_000.0]), r)[0]) * 6  # 1 300 € a month, same total
    assert abs(annual - full) <= 6
    assert annual > monthly + 0.9 * r.relief_max_coefficient * 300_000.0 * 0.5
    # Regular pay: the annual relief equals the sum of the monthly ones (to rounding).
    steady = float(annual_reduction_generale_cents(np.array([12 * 150_000.0]), np.array([12]), r)[0])
    assert abs(steady - 12 * float(reduction_generale_cents(np.array([150_000.0]), r)[0])) <= 12


def test_annual_relief_counts_the_legal_time_of_the_contract_months_of_the_year() -> None:
    from simcoop.economics.payroll import annual_reduction_generale_cents

    r = payroll_rates_at("2025-06", "below_50")
    # January to June: 5 x 800 € + 9 000 € in June = 13 000 €, above six monthly SMIC but below
    # twelve: with the contract running to December, the year's SMIC_ref is not yet reached.
    paid_so_far = np.array([13_000_00.0])
    to_date = float(annual_reduction_generale_cents(paid_so_far, np.array([6]), r)[0])
    whole_year = float(annual_reduction_generale_cents(paid_so_far, np.array([6]), r, np.array([12]))[0])
    assert whole_year > to_date
    assert whole_year == float(annual_reduction_generale_cents(paid_so_far, np.array([6]), r, np.array([6 + 6]))[0])


def test_at_mp_rates_of_2025_apply_from_the_first_of_may() -> None:
    assert payroll_rates_at("2025-04", "below_50").employer_at_mp_rate == payroll_rates_at("2024-12", "below_50").employer_at_mp_rate
    assert payroll_rates_at("2025-05", "below_50").employer_at_mp_rate == 0.007

"""RSA recipients, the CAPE's remuneration and fee, and prestations (issue 12).

Known answers for the RSA rules (CASF L262-2: the RSA is the montant forfaitaire minus the
household's resources; CSS L842-3: the prime d'activité adds 61 % of earned income), and
what each new key does to a run, checked on the model's monthly records.
"""

from __future__ import annotations

import numpy as np
import pytest

import simcoop
from simcoop.economics.cesa import rsa_income_gain_cents, rsa_not_paid_cents
from simcoop.model import run_model
from simcoop.streams import replication_streams
from tests.conftest import small_scenario


def test_rsa_is_differential_and_the_prime_d_activite_gives_back_its_share() -> None:
    """RSA 646.52 € a month (1 April 2025), prime d'activité 61 % of earnings.

    - net pay 400 €: the RSA falls by 400 € (to 246.52 €); the gain is 400 - 0.39 × 400 = 244 €;
    - net pay 1 000 €: the RSA falls to 0 (646.52 € not paid); the gain is
      1 000 - 0.39 × 646.52 = 747.8572 €;
    - no pay: nothing changes.
    """
    net = np.array([40_000.0, 100_000.0, 0.0])
    assert rsa_not_paid_cents(net, 64_652.0).tolist() == [40_000.0, 64_652.0, 0.0]
    assert rsa_income_gain_cents(net, 64_652.0, 0.61) == pytest.approx([24_400.0, 74_785.72, 0.0], abs=1e-6)


def _run(scenario: simcoop.Scenario) -> dict[str, np.ndarray]:
    return run_model(scenario, replication_streams(7, 0)).monthly


def test_a_departement_convention_per_rsa_entrant_earns_its_amount_for_each_rsa_recipient_who_enters() -> None:
    scenario = small_scenario(**{"pathway.prior_status.rsa_share": 0.4, "cooperative.recover_over_compensation": False})
    convention = {"funder": "Département", "kind": "per_rsa_entrant", "amount_eur": 1200.0,
                  "first_month": scenario.meta.start_month, "last_month": "2040-12"}
    base = _run(scenario)
    funded = _run(scenario.replace({"cooperative.public_funding": [*[c.model_dump(mode="json") for c in scenario.cooperative.public_funding], convention]}))
    assert funded["rsa_entries"].sum() > 0
    assert np.array_equal(funded["rsa_entries"], base["rsa_entries"])  # funding does not change who enters
    assert np.array_equal(funded["public_funding_earned_cents"] - base["public_funding_earned_cents"], 120_000.0 * funded["rsa_entries"])
    assert (funded["rsa_saved_cents"] >= 0).all() and funded["rsa_saved_cents"].sum() > 0


def test_prestations_are_a_revenue_per_unit_within_their_months() -> None:
    scenario = small_scenario()
    start = scenario.meta.start_month
    sold = scenario.replace({"cooperative.prestations": [
        {"buyer": "France Travail", "per": "accueil", "amount_eur": 150.0, "first_month": start, "last_month": "2040-12"},
        {"buyer": "Département", "per": "rsa_entrant", "amount_eur": 400.0, "first_month": start, "last_month": "2040-12"},
    ]})
    m = _run(sold)
    assert np.array_equal(m["prestations_cents"], 15_000.0 * m["accueils"] + 40_000.0 * m["rsa_entries"])
    assert m["prestations_cents"].sum() > 0
    assert _run(scenario)["prestations_cents"].sum() == 0


def test_a_cape_fee_is_charged_to_each_cape_activity_in_the_contributions() -> None:
    # No percentage contribution and no CESA: the contributions are the CAPE fee alone.
    scenario = small_scenario(**{"cooperative.contribution.rate": 0.0, "cooperative.contribution.cape_rate": 0.0,
                                 "cooperative.contribution.sector_rates": {}, "cooperative.contribution.brackets": [],
                                 "pathway.direct_cesa_share": 0.0, "pathway.cesa.min_gross_salary_eur_per_month": 100000.0,
                                 "pathway.cape.fee_eur_per_month": 35.0})
    m = _run(scenario)
    in_cape = np.concatenate([[0.0], m["n_cape"][:-1]]) + m["cape_entries"]  # the most CAPE activities a month can have
    assert m["contributions_cents"].sum() > 0
    assert np.array_equal(np.mod(m["contributions_cents"], 3_500.0), np.zeros(len(in_cape)))
    assert (m["contributions_cents"] <= 3_500.0 * in_cape).all()


def test_a_cape_remuneration_is_paid_with_its_contributions_and_reduces_the_are() -> None:
    scenario = small_scenario(**{"pathway.direct_cesa_share": 0.0, "pathway.cesa.min_gross_salary_eur_per_month": 100000.0})
    paid = scenario.replace({"pathway.cape.remuneration_eur_per_month": 300.0})
    m, base = _run(paid), _run(scenario)
    assert base["cape_pay_cents"].sum() == 0 and base["gross_salaries_cents"].sum() == 0
    assert m["cape_pay_cents"].sum() > 0
    assert np.array_equal(m["gross_salaries_cents"], m["cape_pay_cents"])  # nobody under a CESA here
    assert (m["cape_pay_cents"] <= 30_000.0 * (np.concatenate([[0.0], m["n_cape"][:-1]]) + m["cape_entries"])).all()
    assert m["employer_contributions_cents"].sum() > 0 and m["employee_contributions_cents"].sum() > 0
    assert m["are_months_saved"].sum() > 0 and base["are_months_saved"].sum() == 0
    assert m["jobs_fte"].sum() == 0  # a CAPE is not a job


def test_the_settlement_is_paid_in_its_instalments_from_the_settlement_month() -> None:
    scenario = small_scenario(**{"meta.horizon_months": 48, "pathway.cesa.settlement_instalments": 3})
    m = _run(scenario)
    start = int(scenario.meta.start_month[5:7])
    calendar = (start - 1 + np.arange(len(m["settlement_pay_cents"]))) % 12 + 1
    paid = calendar[m["settlement_pay_cents"] > 0]
    assert len(paid) > 0 and set(paid.tolist()) <= {6, 7, 8}
    at_once = _run(scenario.replace({"pathway.cesa.settlement_instalments": 1}))
    assert set(calendar[at_once["settlement_pay_cents"] > 0].tolist()) == {6}

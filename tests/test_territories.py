"""Candidate territories ranked on common random numbers, with bootstrap rank probabilities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import simcoop
from simcoop.cli import main
from simcoop.scenario import ScenarioError
from simcoop.studies.ranking import (
    load_candidates,
    outcome_keys,
    rank_candidates,
    rank_territories,
    ranks,
    replication_sample,
)
from simcoop.verdict import OUTCOMES
from tests.conftest import SCENARIOS, small_scenario

#: An obviously better candidate: more demand, a large start-up treasury and more funding.
_STRONG = {
    "territory.accueils_per_year_at_maturity": 260,
    "cooperative.initial_treasury_eur": 400000,
    "cooperative.public_funding.0.amount_eur": 120000,
}
#: An obviously worse one: almost no demand, no start-up treasury.
_WEAK = {"territory.accueils_per_year_at_maturity": 15, "cooperative.initial_treasury_eur": 0}


def _write_candidates(tmp_path: Path, candidates: dict[str, Any] | None = None, **extra: Any) -> Path:
    (tmp_path / "base.yaml").write_text(
        yaml.safe_dump(small_scenario().to_dict(), allow_unicode=True), encoding="utf-8"
    )
    data: dict[str, Any] = {
        "name": "trois territoires",
        "base": "base.yaml",
        "simulation": {"replications": 16, "seed": 11},
        "bootstrap": 200,
        "candidates": candidates or {"faible": _WEAK, "moyen": {}, "fort": _STRONG},
        **extra,
    }
    path = tmp_path / "candidates.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ranking(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return rank_territories(load_candidates(_write_candidates(tmp_path_factory.mktemp("territories"))))


def test_the_obviously_better_candidate_comes_first_with_high_probability(ranking: Any) -> None:
    table = ranking.table
    assert table["candidate"].tolist()[0] == "fort"
    assert table["candidate"].tolist()[-1] == "faible"
    first = table.iloc[0]
    assert first["rank"] == 1 and first["p_first"] >= 0.9
    assert table["rank"].tolist() == [1, 2, 3]


def test_rank_probabilities_sum_to_one_per_candidate_and_per_rank(ranking: Any) -> None:
    probs = ranking.table[["p_rank_1", "p_rank_2", "p_rank_3"]].to_numpy()
    assert probs.sum(axis=1) == pytest.approx(1.0)
    assert probs.sum(axis=0) == pytest.approx(1.0)
    assert ranking.table["p_first"].tolist() == ranking.table["p_rank_1"].tolist()
    assert ((probs * 200) == np.round(probs * 200)).all()  # shares of 200 resamples


def test_table_follows_the_ranking_rule(ranking: Any) -> None:
    t = ranking.table
    keys = list(zip(t["outcome"].map(OUTCOMES.index), t["insolvency_probability"], -t["min_coop_treasury_eur_p50"]))
    assert keys == sorted(keys)


def test_bootstrap_outcomes_agree_with_the_verdict() -> None:
    """The bootstrap recomputes the outcome from counts: on the full sample it is the verdict's."""
    checks = "viability.break_even_by_year", "viability.public_share_year", "viability.max_public_share"
    # Criteria inside the 36 months, and an EPCI convention that carries the costs a CAE pays.
    inside = {**dict(zip(checks, (3, 3, 0.9))), "cooperative.public_funding.2.amount_eur": 100000}
    plan = [{"name": "France Active", "kind": "quasi_equity", "amount_eur": 400000, "deferral_months": 60, "source": "assumption"}]
    favourable = {**inside, "viability.compensation_margin_share": 0.5, "cooperative.financing.instruments": plan}
    seen = set()
    for changes, n in (
        ({}, 12),
        (_STRONG, 12),  # relies on over-compensation
        (_WEAK, 12),
        ({"cooperative.initial_treasury_eur": 120000, **inside}, 12),  # conditions: financing, over-compensation
        (favourable, 40),
    ):
        results = simcoop.simulate(small_scenario(**changes), replications=n, seed=5)
        seen.add(results.verdict().outcome)
        identity = np.arange(results.replications)[None, :]
        keys = outcome_keys(replication_sample(results), identity)[0]
        assert OUTCOMES[int(keys[0])] == results.verdict().outcome
        assert keys[1] == pytest.approx(results.verdict().criteria[0].value)
        assert -keys[2] == pytest.approx(results.kpis["min_coop_treasury_eur"].median())
    assert seen == set(OUTCOMES)  # every branch of the verdict was compared


def test_ranks_are_lexicographic_with_ties_in_file_order() -> None:
    keys = np.array([[1, 0.2, -5.0], [0, 0.9, 0.0], [1, 0.2, -5.0], [1, 0.1, 100.0]])
    assert ranks(keys).tolist() == [2, 0, 3, 1]


def test_same_seed_same_ranking(ranking: Any) -> None:
    results = {name: simcoop.simulate(s, replications=16, seed=11) for name, s in ranking.candidates.scenarios.items()}
    again = rank_candidates(results, bootstrap=200, seed=11)
    pd.testing.assert_frame_equal(again, ranking.table)


def test_candidates_need_common_replications() -> None:
    a = simcoop.simulate(small_scenario(), replications=3, seed=1)
    b = simcoop.simulate(small_scenario(), replications=4, seed=1)
    with pytest.raises(ValueError, match="same replications"):
        rank_candidates({"a": a, "b": b})


def test_opening_month_moves_the_plan_and_overrides_say_where(tmp_path: Path) -> None:
    path = _write_candidates(tmp_path, {"tôt": {}, "tard": {"opening_month": "2028-04"}})
    late = load_candidates(path).scenarios["tard"]
    assert late.meta.start_month == "2028-04"
    assert late.cooperative.public_funding[0].first_month == "2028-04"
    path = _write_candidates(tmp_path, {"a": {}, "b": {"territory.seasonalty": [1] * 12}})
    with pytest.raises(
        ScenarioError, match=r"candidates.b: territory.seasonalty: no such key; did you mean 'seasonality'\?"
    ):
        load_candidates(path)
    path = _write_candidates(tmp_path, {"a": {}, "b": {"territory.seasonality": [1, 2]}}, bootstrap=0)
    with pytest.raises(ScenarioError) as info:
        load_candidates(path)
    assert "bootstrap: expected a whole number from 1 to 100000; got 0" in str(info.value)
    assert "candidates.b: territory.seasonality: needs exactly 12 monthly factors" in str(info.value)


def test_example_candidates_load() -> None:
    candidates = load_candidates(SCENARIOS / "territories_example.yaml")
    assert len(candidates.scenarios) >= 3
    assert candidates.bootstrap == 500


def test_cli_ranks_and_writes_territories_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_candidates(tmp_path)
    out = tmp_path / "out"
    assert main(["territories", str(path), "-n", "6", "-B", "50", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "trois territoires: 3 candidates, 6 replications each" in printed and "P(first)" in printed
    table = pd.read_csv(out / "territories.csv")
    assert table["rank"].tolist() == [1, 2, 3] and set(table["candidate"]) == {"faible", "moyen", "fort"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "territories" and manifest["bootstrap"] == 50 and manifest["replications"] == 6
    assert main(["territories", str(path), "-n", "7", "-o", str(out), "-q"]) == 2  # a different run: refused
    broken = _write_candidates(tmp_path, {"seul": {}})
    assert main(["territories", str(broken), "-q"]) == 2
    assert "at least two candidate names" in capsys.readouterr().err


def test_a_candidate_can_name_its_own_zones_file(tmp_path: Path) -> None:
    zones = (SCENARIOS / "territory_example.csv").read_text(encoding="utf-8")
    (tmp_path / "zones_nord.csv").write_text(zones, encoding="utf-8")  # read relative to the candidates file
    with_zones = {
        "territory.zones_file": "zones_nord.csv",
        "territory.accueils_per_year_at_maturity": None,
        "cooperative.sites": [{"name": "siège", "lat": 45.76, "lon": 4.84}],
    }
    candidates = load_candidates(_write_candidates(tmp_path, {"flux donné": {}, "zones": with_zones}))
    scenario = candidates.scenarios["zones"]
    assert len(scenario.territory.zones) > 1 and scenario.accueils_per_year > 0
    assert candidates.scenarios["flux donné"].territory.zones == ()


def test_candidates_file_is_validated_as_a_model(tmp_path: Path) -> None:
    path = tmp_path / "candidates.yaml"
    path.write_text("name: x\ncandidats: {a: {}, b: {}}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_candidates(path)
    text = str(info.value)
    assert "candidats: unknown key 'candidats'; did you mean 'candidates'?" in text
    assert "base: required key is missing" in text

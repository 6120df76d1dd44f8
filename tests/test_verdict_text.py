"""The verdict for people (issue 16): verdict.json rounded to what the model can claim, and the end of `simcoop run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simcoop.cli import main
from simcoop.results.verdict_text import claimable

from .conftest import SCENARIOS


def test_claimable_rounds_money_to_the_euro_and_probabilities_to_a_tenth_of_a_point() -> None:
    data = {
        "criteria": [{"value": 0.98115467, "ci_low": 0.9811546736227335, "threshold": 0.1,
                      "detail": {"overdraft_eur": 30000.0, "min_coop_treasury_eur": {"p50": -416824.88, "n": 39},
                                 "median_insolvency_month": 8.25}}],
        "figures": {"people_supported": {"p50": 392.46}, "positive_exit_rate": {"p50": 0.5182481751824818},
                    "public_funding_per_job_eur": {"p5": 3011.98}},
        "layers": {"cash": {"rupture_ci": [0.9103331462924287, 1.0], "startup_need_eur": {"p90": 515237.954}}},
        "met": True,
    }  # fmt: skip
    out = claimable(data)
    c = out["criteria"][0]
    assert (c["value"], c["ci_low"], c["threshold"]) == (0.981, 0.981, 0.1)
    assert c["detail"]["overdraft_eur"] == 30000 and isinstance(c["detail"]["overdraft_eur"], int)
    assert c["detail"]["min_coop_treasury_eur"] == {"p50": -416825, "n": 39}
    assert c["detail"]["median_insolvency_month"] in (8.2, 8.3)  # to 0.1 (float rounding of a half)
    assert out["figures"]["people_supported"]["p50"] == 392.5
    assert out["figures"]["positive_exit_rate"]["p50"] == 0.518
    assert out["figures"]["public_funding_per_job_eur"]["p5"] == 3012
    assert out["layers"]["cash"]["rupture_ci"] == [0.91, 1.0]
    assert out["layers"]["cash"]["startup_need_eur"]["p90"] == 515238
    assert out["met"] is True


def _floats(data: object, path: str = ""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _floats(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _floats(v, f"{path}[{i}]")
    elif isinstance(data, float):
        yield path, data


def test_simcoop_run_ends_with_the_verdict_and_writes_it_rounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["run", str(SCENARIOS / "reference.yaml"), "-n", "3", "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    tail = stdout[stdout.rindex("verdict: ") :].splitlines()
    data = json.loads((out / "verdict.json").read_text(encoding="utf-8"))
    label = {"favourable": "FAVOURABLE", "favourable_under_conditions": "FAVOURABLE UNDER CONDITIONS", "unfavourable": "UNFAVOURABLE"}
    assert tail[0].startswith(f"verdict: {label[data['outcome']]} (over {data['replications']} simulations)")
    for criterion in data["criteria"]:  # each criterion with its figure
        line = next(x for x in tail if x.strip().startswith(criterion["key"] + " "))
        assert ("met" if criterion["met"] else "MISSED") in line and f"{100 * criterion['value']:.0f}%" in line
    if data["conditions"]:
        assert "because:" in tail or "conditions:" in tail
    for path, value in _floats(data):
        assert "eur" not in path, (path, value)  # money is written as whole euros
        assert round(value, 3) == value, (path, value)

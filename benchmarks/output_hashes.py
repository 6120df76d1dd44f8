"""Hash every output array of several scenarios, so a speed change can be shown to change nothing.

::

    python benchmarks/output_hashes.py --save before.json     # on the commit before the change
    python benchmarks/output_hashes.py --check before.json    # after it: exit 1 on any difference

Hashed, byte for byte (SHA-256 of each array's dtype, shape and bytes):

- every table of ``simcoop.simulate`` (monthly, yearly, events, kpis, funding, zones, sites,
  parameters; each column apart) for the bundled scenarios, the reference with its
  population-prior draws included;
- every array of the raw ``ReplicationOutput`` of each replication (monthly, people, events,
  funding, by site and zone);
- the stage-1 calibration simulations of every CAE of the shipped public figures at a few
  draws (wide parameter vectors: large settlements beyond the payroll tables, long horizons);
- variants of the reference that take the branches the reference does not (CAPE pay,
  settlement paid at once, a CESA contribution minimum, a CAPE fee).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import simcoop
from simcoop.runner import run_chunk

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["reference.yaml", "cap_services_lyon.yaml", "territory_example.yaml", "warm_start_example.yaml"]
#: Dotted changes to the reference, each taking a branch the reference does not.
VARIANTS: dict[str, dict[str, Any]] = {
    "settlement_at_once": {"pathway.cesa.settlement_instalments": 1},
    "cape_pay_fee_minimum": {
        "pathway.cape.remuneration_eur_per_month": 300.0,
        "pathway.cape.fee_eur_per_month": 20.0,
        "cooperative.contribution.minimum_eur_per_month": 60.0,
    },
}


def array_digest(values: Any) -> str:
    """SHA-256 of an array's dtype, shape and bytes (object arrays through their repr)."""
    a = np.asarray(values)
    h = hashlib.sha256(f"{a.dtype}|{a.shape}|".encode())
    h.update(repr(a.tolist()).encode() if a.dtype == object else np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def frame_digests(prefix: str, frame: pd.DataFrame | None, out: dict[str, str]) -> None:
    if frame is None:
        out[prefix] = "None"
        return
    out[f"{prefix}.index"] = array_digest(frame.index.to_numpy())
    for column in frame.columns:
        out[f"{prefix}.{column}"] = array_digest(frame[column].to_numpy())


def output_digests(prefix: str, output: Any, out: dict[str, str]) -> None:
    for field in ("monthly", "people", "by_site", "by_zone"):
        block = getattr(output, field)
        for key, values in (block or {}).items():
            out[f"{prefix}.{field}.{key}"] = array_digest(values)
    for field in ("events", "funding_earned", "funding_received"):
        out[f"{prefix}.{field}"] = array_digest(getattr(output, field))
    out[f"{prefix}.scalars"] = repr((output.initial_cash_cents, output.initial_capital_cents, output.initial_activities_treasury_cents,
                                    output.entries_pending_at_end, output.opened, output.opening_delay_months))


def scenario_digests(name: str, scenario: simcoop.Scenario, replications: int, out: dict[str, str]) -> None:
    seed = scenario.simulation.seed
    res = simcoop.simulate(scenario, replications=replications, seed=seed, jobs=1)
    for table in ("monthly", "yearly", "events", "kpis", "funding", "zones", "sites", "parameters"):
        frame_digests(f"{name}.{table}", getattr(res, table), out)
    outputs, _ = run_chunk(scenario, seed, tuple(range(replications)))
    for output in outputs:
        output_digests(f"{name}.raw{output.replication}", output, out)


def calibration_digests(draws: int, out: dict[str, str]) -> None:
    from simcoop.calibration.figures import cae_scenario, read_figures
    from simcoop.calibration.population import cae_seed, draw_stage1, simulate_chunk

    base = simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml")
    caes, _ = read_figures(Path(str(files("simcoop.data") / "cae_public_figures.csv")))
    for cae in caes:
        scenario = cae_scenario(base, cae)
        wanted = [(f.year, f.measure) for f in cae.figures]
        z = draw_stage1(2026, cae.name, draws)
        _, figures, _ = simulate_chunk(scenario, cae_seed(2026, cae.name), scenario.meta.start_month, scenario.meta.horizon_months,
                                       wanted, tuple(range(draws)), z)
        out[f"calibration.{cae.name}"] = array_digest(figures)


def all_digests(replications: int, draws: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for file in SCENARIOS:
        scenario_digests(file.removesuffix(".yaml"), simcoop.load_scenario(ROOT / "scenarios" / file), replications, out)
    reference = simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml")
    for name, changes in VARIANTS.items():
        scenario_digests(name, reference.replace(changes), replications, out)
    calibration_digests(draws, out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--replications", type=int, default=4)
    parser.add_argument("--draws", type=int, default=3, help="calibration draws per CAE")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args(argv)
    digests = all_digests(args.replications, args.draws)
    combined = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:16]
    if args.save:
        args.save.write_text(json.dumps({"combined": combined, "arrays": digests}, indent=0, sort_keys=True))
        print(f"{len(digests)} arrays hashed, combined {combined}, saved to {args.save}")
        return 0
    saved = json.loads(args.check.read_text())
    differ = sorted(k for k in set(saved["arrays"]) | set(digests) if saved["arrays"].get(k) != digests.get(k))
    for key in differ[:40]:
        print(f"DIFFERS {key}: {saved['arrays'].get(key)} -> {digests.get(key)}")
    print(f"{len(digests)} arrays hashed, combined {combined} (saved {saved['combined']}): "
          + ("identical" if not differ else f"{len(differ)} differ"))
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())

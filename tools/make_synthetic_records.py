"""Write a SYNTHETIC records set, shaped like enDI's exports, from one simcoop replication.

    python tools/make_synthetic_records.py                       # the committed set
    python tools/make_synthetic_records.py --scenario S.yaml --out DIR --seed 7

Runs one replication of ``tests/data/synthetic_truth.yaml`` (ten years) and writes
``parcours.csv`` and ``chiffre_affaires.csv`` (docs/calibration.md) into
``tests/data/synthetic_records/``. The career-path steps come from the model itself: its
per-person records and events. What the model does not return is filled in here:

- accueils that did not start a parcours: the model counts them per month; each becomes
  a ``candidat`` row with its own id (so the scenario must let nobody wait for a place:
  ``cooperative.staff.max_caseload_per_fte`` large; the tool checks it);
- days within a month: the model counts in months; each step gets a day drawn at random;
- **monthly turnover per entrepreneur**: the model keeps only totals, so this tool
  re-draws it from the model's own parameters: each activity's mature turnover
  (``mature_turnover_cents``, drawn by the model), times the sector's linear ramp-up,
  times a lognormal noise of mean 1 and sigma ``monthly_volatility`` drawn here. The
  months are the ones the model invoices: from the month after entry to the exit month.

All of the tool's own draws come from one generator seeded by ``--seed``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from simcoop.model import DESTINATIONS, REASONS
from simcoop.model.params import CAPE
from simcoop.runner import run_replication
from simcoop.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "tests" / "data" / "synthetic_truth.yaml"
DEFAULT_OUT = ROOT / "tests" / "data" / "synthetic_records"
R_RENEWAL = REASONS.index("cape_renewal")


def _month_label(start: str, offset: int) -> str:
    y, m = (int(x) for x in start.split("-"))
    k = y * 12 + (m - 1) + offset
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def make_records(scenario: Scenario, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    """Rows of parcours.csv and chiffre_affaires.csv (without headers) for one replication."""
    if scenario.cooperative.staff.max_caseload_per_fte < 500:
        raise SystemExit("the scenario must let nobody wait for a place: set cooperative.staff.max_caseload_per_fte >= 500")
    out = run_replication(scenario, scenario.simulation.seed, 0)
    people, monthly = out.people, out.monthly
    if monthly["accueils_lost_waiting"].sum() > 0:
        raise SystemExit("some entrants waited for a place; raise cooperative.staff.max_caseload_per_fte")
    rng = np.random.default_rng(seed)
    start = scenario.meta.start_month
    horizon = scenario.meta.horizon_months
    last = horizon - 1
    diag = scenario.pathway.diagnostic_months
    n = len(people["entry_month"])

    days: dict[tuple[str, int], int] = {}

    def date(anon: str, month: int, order: int) -> str:
        # Steps of one person within one month keep their order: one base day, plus the order.
        base = days.setdefault((anon, month), int(rng.integers(1, 22)))
        return f"{_month_label(start, month)}-{base + order:02d}"

    # Accueils: entrants had theirs diag months before entry; the others fill each month's count.
    accueils = monthly["accueils"].astype(int)
    entrants_by_accueil = np.bincount(people["entry_month"] - diag, minlength=horizon)
    others = accueils - entrants_by_accueil[:horizon]
    if (others < 0).any():
        raise SystemExit("more entrants than accueils in some month: the scenario must not make entrants wait")
    candidates: list[tuple[int, int]] = [(int(m), i) for i, m in enumerate(people["entry_month"] - diag)]
    candidates += [(m, -1) for m in range(horizon) for _ in range(int(others[m]))]
    candidates.sort(key=lambda c: (c[0], rng.random()))
    ids: dict[int, str] = {}
    steps: list[tuple[str, int, int, str, str, str, str]] = []  # id, month, order, step, type, motive, sector
    sector_names = [s.name for s in scenario.activities.sectors]
    renewals: dict[int, list[int]] = {}
    for pid, month, _, _, reason, _ in out.events.tolist():
        if reason == R_RENEWAL:
            renewals.setdefault(pid, []).append(month)
    for k, (month, person) in enumerate(candidates):
        anon = f"E{k + 1:05d}"
        steps.append((anon, month, 0, "candidat", "", "", ""))
        if person < 0:
            continue
        ids[person] = anon
        sector = sector_names[people["sector"][person]]
        entry = int(people["entry_month"][person])
        steps.append((anon, month, 1, "diagnostic", "", "", sector))
        if people["first_stage"][person] == CAPE:
            steps.append((anon, entry, 2, "cape", "", "", sector))
        for m in renewals.get(person, []):
            steps.append((anon, m, 3, "avenant_cape", "", "", sector))
        if people["cesa_month"][person] >= 0:
            steps.append((anon, int(people["cesa_month"][person]), 4, "cesa", "", "", sector))
        if people["associe_month"][person] >= 0:
            steps.append((anon, int(people["associe_month"][person]), 5, "associe", "", "", sector))
        if people["exit_month"][person] >= 0:
            kind = DESTINATIONS[people["exit_destination"][person]]
            motive = REASONS[people["exit_reason"][person]]
            steps.append((anon, int(people["exit_month"][person]), 6, "sortie", kind, motive, sector))
    steps.sort(key=lambda s: (s[1], s[0], s[2]))
    parcours_rows = [[s[0], date(s[0], s[1], s[2]), s[3], s[4], s[5], s[6]] for s in steps]

    # Monthly turnover, re-drawn from the model's parameters (see the module docstring).
    sectors = scenario.activities.sectors
    turnover_rows: list[list[str]] = []
    for person in range(n):
        sec = sectors[people["sector"][person]]
        entry = int(people["entry_month"][person])
        exit_month = int(people["exit_month"][person])
        end = exit_month if exit_month >= 0 else last
        months = np.arange(entry + 1, end + 1)
        if len(months) == 0:
            continue
        share = sec.rampup_start_share if sec.rampup_months > 0 else 1.0
        slope = (1.0 - share) / max(sec.rampup_months, 1)
        ramp = np.minimum(share + slope * (months - 1 - entry), 1.0)
        vol = sec.monthly_volatility
        noise = np.exp(vol * rng.standard_normal(len(months)) - vol * vol / 2.0)
        euros = people["mature_turnover_cents"][person] * ramp * noise / 100.0
        cesa, associe = int(people["cesa_month"][person]), int(people["associe_month"][person])
        for m, value in zip(months.tolist(), euros.tolist()):
            # Status during month m: the stage held at the end of month m - 1.
            status = "associe" if 0 <= associe < m else ("cesa" if 0 <= cesa < m else "cape")
            turnover_rows.append([ids[person], _month_label(start, m), f"{value:.2f}", status])
    turnover_rows.sort(key=lambda r: (r[1], r[0]))
    return parcours_rows, turnover_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=1995, help="seed of the tool's own draws (days, turnover noise)")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    parcours_rows, turnover_rows = make_records(scenario, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "parcours.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["entrepreneur_id", "date", "step", "exit_type", "motive", "sector"])
        writer.writerows(parcours_rows)
    with open(args.out / "chiffre_affaires.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["entrepreneur_id", "month", "turnover_eur", "status"])
        writer.writerows(turnover_rows)
    months = scenario.meta.horizon_months
    print(f"wrote {len(parcours_rows)} career-path steps and {len(turnover_rows)} turnover months ({months} months) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write simcoop/data/population_prior.csv from hand-set distributions (a stand-in until the calibrated prior).

The calibrated population prior of issue 14 (``simcoop calibrate --observed``, hierarchical
ABC on shared/data/cae_public_figures.csv) replaces this file. Until then these
distributions, each grounded in DOMAIN.md and docs/sources.md, let a scenario draw the
keys nobody knows for a new territory. Same keys as the calibration's
(/work/coord/prior_keys.md): sector keys name the reference's four sectors, and one joint
factor scales their turnover medians, another their ramp-ups. Independent draws (no
correlation is known without the calibration). Run: ``python tools/hand_set_population_prior.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROWS = 1000
SEED = 20251201
SECTORS = {  # the reference's medians (euros a year) and ramp-ups (months)
    "conseil_formation": (20000, 24),
    "artisanat_batiment": (28000, 18),
    "services_a_la_personne": (14000, 18),
    "culture_communication": (16000, 24),
}

HEADER = """\
# Population prior, HAND-SET stand-in (tools/hand_set_population_prior.py; seed {seed}, {rows} independent joint samples).
# To be replaced by the calibrated prior of `simcoop calibrate --observed` (issue 14). Sources, key by key (docs/sources.md):
# territory.rampup_months: lognormal median 36, sigma 0.25 (about 22-59 months); DOMAIN.md 4: 2-3 years to an autonomous structure.
# pathway.entry_share: beta mean 0.27 sd 0.07; DOMAIN.md 2: Cap Services 2000 101 accompagnements for 216 accueils (0.47 before diagnostics), its calibration 0.18; reference 0.3.
# pathway.exits.*_rate_per_year: lognormal, medians 0.35 / 0.30 / 0.20, sigma 0.3; DOMAIN.md 2: Coopilote 70 exits a year for a stock of 320 (0.22 overall), paths of 24 months.
# pathway.cape.renewal_probability: beta mean 0.75 sd 0.08; DOMAIN.md 2: test phases of 6-18 months, about half the entrepreneurs in CAPE nationally (assumption).
# pathway.associe.uptake_rate_per_year: lognormal median 0.25 sigma 0.35; DOMAIN.md 2: associé within 3 years of the CESA (assumption).
# activities.sectors.*.turnover_median_eur_per_year: the reference's medians times ONE factor, lognormal median 1 sigma 0.25; DOMAIN.md 3: Artenréel 7.5k-15k, national mean 22-27k a year.
# activities.sectors.*.rampup_months: the reference's ramp-ups times ONE factor, lognormal median 1 sigma 0.25, whole months (assumption).
"""


def samples(rows: int = ROWS, seed: int = SEED) -> dict[str, np.ndarray]:
    """The hand-set joint samples, one array per dotted key."""
    rng = np.random.default_rng(seed)

    def beta(mean: float, sd: float) -> np.ndarray:
        k = mean * (1 - mean) / sd**2 - 1
        return rng.beta(mean * k, (1 - mean) * k, rows)

    def lognormal(median: float, sigma: float) -> np.ndarray:
        return median * np.exp(sigma * rng.standard_normal(rows))

    out = {
        "territory.rampup_months": np.clip(np.round(lognormal(36, 0.25)), 1, None),
        "pathway.entry_share": beta(0.27, 0.07),
        "pathway.exits.cape_rate_per_year": lognormal(0.35, 0.3),
        "pathway.exits.cesa_rate_per_year": lognormal(0.30, 0.3),
        "pathway.exits.associe_rate_per_year": lognormal(0.20, 0.3),
        "pathway.cape.renewal_probability": beta(0.75, 0.08),
        "pathway.associe.uptake_rate_per_year": lognormal(0.25, 0.35),
    }
    turnover, rampup = lognormal(1.0, 0.25), lognormal(1.0, 0.25)
    for name, (median, months) in SECTORS.items():
        out[f"activities.sectors.{name}.turnover_median_eur_per_year"] = np.round(median * turnover, -1)
        out[f"activities.sectors.{name}.rampup_months"] = np.clip(np.round(months * rampup), 1, None)
    return out


def main() -> None:
    target = Path(__file__).resolve().parents[1] / "simcoop" / "data" / "population_prior.csv"
    data = samples()
    keys = list(data)
    with open(target, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER.format(seed=SEED, rows=ROWS))
        fh.write(",".join(keys) + "\n")
        for i in range(ROWS):
            fh.write(",".join(f"{data[k][i]:.6g}" for k in keys) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()

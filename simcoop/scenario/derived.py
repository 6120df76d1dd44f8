"""Figures a scenario implies before any simulation: what ``simcoop validate`` prints under a valid scenario.

An analyst checks these against what they know of the territory: the accueils a year a
zones file gives (at opening and once every site is open), the team in FTE at opening and
its capacity, the cash the cooperative opens with, and the public funding planned for its
first year.
"""

from __future__ import annotations

from simcoop.scenario import Scenario

__all__ = ["derived_figures", "opening_funds_eur"]


def _eur(value: float) -> str:
    return f"{value:,.0f} EUR"


def _month_index(start: str, month: str | None) -> int:
    if month is None:
        return 0
    y0, m0 = (int(x) for x in start.split("-"))
    y, m = (int(x) for x in month.split("-"))
    return (y - y0) * 12 + (m - m0)


def opening_funds_eur(scenario: Scenario) -> tuple[float, float, float, float]:
    """(initial treasury, opening capital, pre-opening costs, cash at opening), as the model counts them.

    Pre-opening costs are the set-up step's legal and recruitment costs (``creation.setup``).
    """
    treasury = scenario.cooperative.initial_treasury_eur
    capital = scenario.opening_capital_eur
    setup = scenario.creation.setup
    preopening = (setup.legal_costs_eur + setup.recruitment_costs_eur) if setup is not None else 0.0
    return treasury, capital, preopening, treasury + capital - preopening


def derived_figures(scenario: Scenario) -> list[str]:
    """Plain-English lines: accueils a year, team FTE and capacity, opening funds, first-year public funding."""
    lines: list[str] = []
    territory = scenario.territory
    sites = scenario.cooperative.sites
    start = scenario.meta.start_month
    opening = [_month_index(start, s.opening_month) <= 0 for s in sites]
    if territory.zones:
        from simcoop.demand import demand_matrix

        every = demand_matrix(scenario).sum(axis=0)
        at_opening = demand_matrix(scenario, opening).sum()
        per_site = ", ".join(f"{s.name} {v:,.0f}" for s, v in zip(sites, every, strict=True))
        seekers = sum(z.job_seekers_abc for z in territory.zones)
        population = sum(z.population for z in territory.zones)
        lines.append(
            f"accueils a year at maturity from the {len(territory.zones)} zones ({population:,.0f} inhabitants, "
            f"{seekers:,.0f} job seekers A-B-C): {every.sum():,.0f}"
            + (
                f" ({per_site}) once every site is open; {at_opening:,.0f} with the sites open at opening"
                if len(sites) > 1
                else ""
            )
        )
    elif territory.accueils_per_year_at_maturity is None:
        lines.append(f"accueils a year at maturity: {scenario.accueils_per_year:,.0f} (the default, an assumption)")
    else:
        lines.append(
            f"accueils a year at maturity: {scenario.accueils_per_year:,.0f} (given)"
            + ("; without zones, the sites share this flow (an antenna does not add to it)" if len(sites) > 1 else "")
        )
    staff = scenario.cooperative.staff
    site_fte = [
        s.fte_at_opening if s.fte_at_opening is not None else (staff.fte_at_opening if k == 0 else 0.5)
        for k, s in enumerate(sites)
    ]
    now = sum(f for f, o in zip(site_fte, opening, strict=True) if o)
    detail = ", ".join(
        f"{s.name} {f:g}" + (f" from {s.opening_month}" if not o else "")
        for s, f, o in zip(sites, site_fte, opening, strict=True)
    )
    lines.append(
        f"team at opening: {now:g} accompaniment FTE ({detail}) + {staff.support_fte_at_opening:g} management and "
        f"accounting FTE = {now + staff.support_fte_at_opening:g} FTE; room for about {now * staff.max_caseload_per_fte:,.0f} "
        f"entrepreneurs before entrants wait (hiring starts above {staff.hire_above_caseload_per_fte:g} per FTE)"
    )
    treasury, capital, preopening, cash = opening_funds_eur(scenario)
    lines.append(
        f"cash at opening: {_eur(treasury)} start-up funds + {_eur(capital)} capital"
        + (f" - {_eur(preopening)} pre-opening costs" if preopening else "")
        + f" = {_eur(cash)}; authorised overdraft {_eur(scenario.viability.overdraft_eur)}"
    )
    instruments = scenario.cooperative.financing.instruments
    if instruments:
        lines.append(
            f"financing plan: {_eur(sum(i.amount_eur for i in instruments))} ("
            + ", ".join(f"{i.name} {_eur(i.amount_eur)}" for i in instruments)
            + ")"
        )
    fixed = []
    variable = []
    for c in scenario.cooperative.public_funding:
        first = _month_index(start, c.first_month)
        last = _month_index(start, c.last_month)
        months = max(0, min(last, 11) - max(first, 0) + 1)
        if months <= 0:
            continue
        if c.kind == "fixed":
            amount = c.amount_eur * months / 12
            if c.ceiling_eur_per_year is not None:
                amount = min(amount, c.ceiling_eur_per_year)
            fixed.append((c.funder, amount))
        else:
            variable.append(c.funder)
    if fixed or variable:
        parts = (
            [f"{_eur(sum(a for _, a in fixed))} fixed ({', '.join(f'{f} {_eur(a)}' for f, a in fixed)})"]
            if fixed
            else []
        )
        if variable:
            parts.append(f"amounts per person or per CESA from {', '.join(variable)} (they follow the activity)")
        lines.append("public funding earned in the first 12 months: " + " + ".join(parts))
    else:
        lines.append("public funding in the first 12 months: none planned")
    unknown = scenario.uncertainty
    if not unknown.empty:
        joint = unknown.joint
        parts = [f"{len(unknown.distributions)} given as distributions"] if unknown.distributions else []
        if joint is not None:
            parts.append(f"{len(joint.columns)} from {joint.source} ({len(joint.rows)} joint samples)")
        lines.append(
            f"uncertain parameters, drawn by each replication: {len(unknown.keys)} keys ({'; '.join(parts)}); "
            "the values above are the central ones (--fixed-parameters runs them)"
        )
    return lines

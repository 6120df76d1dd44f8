"""The SimPy model of one replication: state, processes, and ``run_model``.

This package imports no I/O, plotting or DataFrame library: it returns plain numpy
arrays that ``simcoop.results`` turns into tables.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from simcoop.economics import to_cents
from simcoop.model.compiled import load_compiled

# The engine's book, month and changes of state compiled at install (setup.py) when built from these sources:
# the book first, whose compiled ``Book`` the compiled month reads by its C fields (so only beside it).
load_compiled("book")
from simcoop.model.book import DESTINATIONS, FLOW_COLUMNS, PRIOR_STATUSES, REASONS, STOCK_COLUMNS, Book
from simcoop.model import kernels
from simcoop.model.params import STAGES, ModelParams, model_params
from simcoop.model.portage import PORTAGE_MEASURES, PortageRules, cae_measures, portage_replication
load_compiled("processes", beside="book")
from simcoop.model import processes  # noqa: E402 - after the compiled form is put in its place
from simcoop.model.processes import (  # noqa: E402
    MonthlyRecorder,
    Parcours,
    close_month,
    draw_renewals,
    monthly_books,
    run_until,
    start_roster,
)
from simcoop.scenario import Scenario
from simcoop.streams import Streams

__all__ = ["ReplicationOutput", "run_model", "PORTAGE_MEASURES", "STAGES", "REASONS", "PRIOR_STATUSES", "DESTINATIONS", "STOCK_COLUMNS", "FLOW_COLUMNS"]

@dataclass
class ReplicationOutput:
    """Everything one replication produced, as numpy arrays (money in integer cents)."""

    replication: int
    monthly: dict[str, npt.NDArray[np.float64]]  # money in whole cents
    people: dict[str, npt.NDArray[np.int64]]
    events: npt.NDArray[np.int64]  # columns: entrepreneur_id, month, from, to, reason, destination
    funding_earned: npt.NDArray[np.float64]  # [convention, month], cents
    funding_received: npt.NDArray[np.float64]  # [convention, month], cents
    initial_cash_cents: int  # the cooperative's own cash at opening
    initial_capital_cents: int  # capital at opening (the roster's associés included)
    initial_activities_treasury_cents: float  # the roster's activity treasuries at opening (0 without a warm start)
    entries_pending_at_end: int
    by_site: dict[str, npt.NDArray[np.float64]] | None = None  # SITE_SERIES -> [site, month]
    by_zone: dict[str, npt.NDArray[np.float64]] | None = None  # ZONE_SERIES -> [zone, month]
    portage: dict[str, dict[str, float]] | None = None  # {"cae": measures, "portage": measures}
    opened: bool = True  # the go/no-go gate was passed (creation.go_decision)
    opening_delay_months: int = 0  # months the opening was postponed


def _column(values: list[Any], code: str) -> npt.NDArray[Any]:
    """``np.array(values)`` as int64 (``code`` "q") or float64 ("d"), writable, by ``struct.pack``: each Python number
    written as it is, in C (``np.array`` makes a pass per element for its type and shape: 8.5 us a column of 460
    people against 5.3 us, 13 columns a replication; benchmarks/README.md, "Session 30")."""
    packed = bytearray(struct.pack(f"{len(values)}{code}", *values))
    return np.frombuffer(packed, dtype=np.int64 if code == "q" else np.float64)


def run_model(
    scenario: Scenario, streams: Streams, params: ModelParams | None = None, compare_portage: bool = False
) -> ReplicationOutput:
    """Simulate one replication of ``scenario`` with the given random streams.

    With ``compare_portage``, the same entrants are also replayed under portage salarial
    rules (``simcoop.model.portage``) and both sets of measures are returned.
    """
    p = params if params is not None else model_params(scenario)
    expected = float(p.accueils_rate_per_month.sum()) * p.entry_share
    book = Book(p, capacity=int(expected * 1.3) + 32, compiled=kernels.ENABLED)
    recorder = MonthlyRecorder(p.horizon_months, FLOW_COLUMNS, STOCK_COLUMNS)
    env = simpy.Environment()
    book.parcours = Parcours(env, book, p)
    draw_renewals(book, p, streams)
    start_roster(env, book, p)
    roster_treasury = float(p.roster.treasury_cents.sum())
    monthly_books(env, book, p, streams, recorder)
    run_until(env, p.horizon_months)
    events = book.parcours.event_rows()
    # The book and its parcours refer to each other: let go of the parcours now, so that the book
    # (its lists and arrays) goes by reference counting rather than to the cyclic collector.
    book.parcours = None
    close_month(book, p, recorder, p.horizon_months - 1)
    n = book.n
    int64 = np.int64
    people = {
        "entrepreneur_id": np.arange(n, dtype=int64),
        "sector": _column(book.sector, "q"),
        "first_stage": _column(book.first_stage, "q"),
        "entry_month": _column(book.entry_month, "q"),
        "cesa_month": _column(book.cesa_month[:n], "q"),
        "associe_month": _column(book.associe_month[:n], "q"),
        "exit_month": _column(book.exit_month[:n], "q"),
        "exit_destination": _column(book.exit_destination[:n], "q"),
        "exit_reason": _column(book.exit_reason[:n], "q"),
        "prior_status": book.prior_status[:n].copy(),
        "capital_paid_cents": _column(book.capital_paid[:n], "q"),
        "mature_turnover_cents": _column(book.mature, "d"),
        "final_stage": _column(book.stage[:n], "q"),
        "from_roster": (np.arange(n) < len(p.roster.stage)).astype(int64),
        "zone": _column(book.zone, "q"),
        "site": _column(book.site, "q"),
    }
    flows = recorder.data
    pending = int(flows["accueils"].sum() - flows["accueils_not_entered"].sum() - flows["accueils_lost_waiting"].sum()) - (n - len(p.roster.stage))
    portage = None
    if compare_portage:
        pr = scenario.portage
        names = [s.name for s in scenario.activities.sectors]
        rules = PortageRules(
            pr.pay_floor_share_of_pass, pr.fee_rate, pr.reserve_share, pr.mission_months,
            float(to_cents(pr.cost_per_consultant_eur_per_month)),
            financial_reserve_share=pr.financial_reserve_share,
            excluded_sectors=np.array([name in pr.excluded_sectors for name in names], dtype=bool),
            legal_reserve_cap_cents=0.10 * float(to_cents(pr.company_capital_eur)),
        )
        portage = {"cae": cae_measures(flows, n), "portage": portage_replication(people, p, rules, p.horizon_months)}
    return ReplicationOutput(
        replication=streams.replication,
        monthly=flows,
        people=people,
        events=events,
        funding_earned=book.funding_earned - book.funding_recovered,  # net of the over-compensation taken back
        funding_received=book.funding_received,
        initial_cash_cents=p.initial_cash_cents,
        initial_capital_cents=p.initial_capital_cents,
        initial_activities_treasury_cents=roster_treasury,
        entries_pending_at_end=pending,
        by_site=book.by_site,
        by_zone=book.by_zone,
        portage=portage,
        opened=book.opened,
        opening_delay_months=book.opening_delay_months,
    )

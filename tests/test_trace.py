"""Exact event traces of tiny deterministic scenarios (no turnover noise, no hazards)."""

from __future__ import annotations

import numpy as np
import pytest

from simcoop.model import REASONS, STAGES, run_model
from simcoop.streams import replication_streams
from tests.conftest import ROOT, small_scenario

NO_NOISE = {f"activities.sectors.{k}.{key}": 0.0 for k in range(4) for key in ("turnover_sigma", "monthly_volatility")}
NO_EXITS = {f"pathway.exits.{s}_rate_per_year": 0.0 for s in ("cape", "cesa", "associe")}
NO_EXITS["pathway.cesa.trial_exit_rate_per_year"] = 0.0


def _deterministic(**changes: object):  # noqa: ANN202
    """A small scenario with no turnover noise, no exit hazards, and every accueil entering."""
    return small_scenario(**NO_NOISE, **NO_EXITS, **{"pathway.entry_share": 1.0, **changes})


def _trace(scenario, seed: int = 1) -> tuple[list[tuple[int, int, str, str, str]], object]:  # noqa: ANN001
    out = run_model(scenario, replication_streams(seed, 0))
    rows = [(int(i), int(m), STAGES[f], STAGES[t], REASONS[r]) for i, m, f, t, r, _ in out.events]
    return rows, out


def test_cape_that_never_pays_ends_after_three_terms() -> None:
    scenario = _deterministic(
        **{
            "meta.horizon_months": 60,
            "territory.accueils_per_year_at_maturity": 6,
            "pathway.direct_cesa_share": 0.0,
            "pathway.cape.renewal_probability": 1.0,
            "pathway.cesa.min_gross_salary_eur_per_month": 100000.0,  # never viable
        },
    )
    rows, out = _trace(scenario)
    assert rows, "the scenario should have entrants"
    for pid in range(len(out.people["entrepreneur_id"])):
        mine = [r for r in rows if r[0] == pid]
        entry = mine[0][1]
        expected = [
            (pid, entry, "accueil", "cape", "diagnostic"),
            (pid, entry + 12, "cape", "cape", "cape_renewal"),
            (pid, entry + 24, "cape", "cape", "cape_renewal"),
            (pid, entry + 36, "cape", "sortie", "end_of_cape"),
        ]
        assert mine == [e for e in expected if e[1] < 60]


def test_viable_cape_converts_then_becomes_associe_at_the_deadline() -> None:
    scenario = _deterministic(
        **{
            "meta.horizon_months": 60,
            "territory.accueils_per_year_at_maturity": 6,
            "pathway.direct_cesa_share": 0.0,
            "pathway.diagnostic_months": 2,
            "pathway.cape.min_months_before_cesa": 3,
            "pathway.cesa.min_gross_salary_eur_per_month": 10.0,  # any activity carries it
            "pathway.cesa.treasury_months_required": 0.0,
            "pathway.associe.uptake_rate_per_year": 0.0,
            "pathway.associe.at_deadline_probability": 1.0,
            "pathway.associe.deadline_months": 36,
            "pathway.cape.min_income_gain_share_on_are": 0.0,  # ARE does not hold anyone back here
            "activities.sectors.1.insurance_eur_per_month": 0.0,  # no décennale pushing the treasury below 0
        },
    )
    rows, out = _trace(scenario)
    accueil_months = np.flatnonzero(out.monthly["accueils"] > 0)
    assert rows
    for pid in range(len(out.people["entrepreneur_id"])):
        mine = [r for r in rows if r[0] == pid]
        entry = mine[0][1]
        # Entry comes two months (the diagnostic) after an accueil month.
        assert entry - 2 in accueil_months
        expected = [
            (pid, entry, "accueil", "cape", "diagnostic"),
            (pid, entry + 3, "cape", "cesa", "activity_viable"),
            # Associé deadline: 36 months minus the 3 months spent in CAPE, from the CESA start.
            (pid, entry + 3 + 33, "cesa", "associe", "capital_subscription"),
        ]
        assert mine == [e for e in expected if e[1] < 60]


def test_direct_cesa_without_subscription_ends_at_the_deadline() -> None:
    scenario = _deterministic(
        **{
            "meta.horizon_months": 50,
            "territory.accueils_per_year_at_maturity": 4,
            "pathway.direct_cesa_share": 1.0,
            "pathway.associe.uptake_rate_per_year": 0.0,
            "pathway.associe.at_deadline_probability": 0.0,
            "pathway.associe.deadline_months": 36,
        },
    )
    rows, out = _trace(scenario)
    assert rows
    for pid in range(len(out.people["entrepreneur_id"])):
        mine = [r for r in rows if r[0] == pid]
        entry = mine[0][1]
        expected = [
            (pid, entry, "accueil", "cesa", "direct_cesa"),
            (pid, entry + 36, "cesa", "sortie", "not_associe_in_time"),
        ]
        assert mine == [e for e in expected if e[1] < 50]


def test_first_month_of_activity_invoices_the_ramp_start() -> None:
    """One sector, no noise: turnover = median / 12 x ramp start share in the first month."""
    scenario = _deterministic(
        **{
            "meta.horizon_months": 3,
            "territory.accueils_per_year_at_maturity": 400,
            "territory.rampup_months": 0,
            "pathway.diagnostic_months": 0,
            "activities.sectors.0.share": 1.0,
            "activities.sectors.1.share": 0.0,
            "activities.sectors.2.share": 0.0,
            "activities.sectors.3.share": 0.0,
        },
    )
    out = run_model(scenario, replication_streams(5, 0))
    entrants_month0 = int(out.people["entry_month"].tolist().count(0))
    sector = scenario.activities.sectors[0]
    per_head = round(sector.turnover_median_eur_per_year * 100 / 12 * sector.rampup_start_share)
    assert out.monthly["turnover_cents"][0] == 0  # entrants start invoicing the month after they enter
    assert abs(out.monthly["turnover_cents"][1] - entrants_month0 * per_head) <= entrants_month0


def test_people_on_are_stay_in_cape_until_their_are_runs_out() -> None:
    """A viable activity converts at once without ARE; with ARE left, only once it has run out."""
    changes = {
        "meta.horizon_months": 48,
        "territory.accueils_per_year_at_maturity": 12,
        "pathway.direct_cesa_share": 0.0,
        "pathway.cape.min_months_before_cesa": 1,
        "pathway.cape.renewal_probability": 1.0,
        "pathway.cesa.min_gross_salary_eur_per_month": 10.0,
        "pathway.cesa.treasury_months_required": 0.0,
        "pathway.prior_status.are_share": 1.0,
        "pathway.prior_status.rsa_share": 0.0,
        "pathway.prior_status.are_remaining_months_max": 18,
        "pathway.cape.min_income_gain_share_on_are": 0.9,
        "activities.sectors.1.insurance_eur_per_month": 0.0,
    }
    rows, out = _trace(_deterministic(**changes))
    converted = {r[0]: r[1] for r in rows if r[3] == "cesa"}
    entered = {r[0]: r[1] for r in rows if r[2] == "accueil"}
    assert converted, "some activities should convert"
    # Without the rule, every conversion comes one month after entry; with it, later.
    rows_free, _ = _trace(_deterministic(**{**changes, "pathway.cape.min_income_gain_share_on_are": 0.0}))
    free = {r[0]: r[1] - [x for x in rows_free if x[0] == r[0]][0][1] for r in rows_free if r[3] == "cesa"}
    assert max(free.values()) <= 3
    waits = [converted[i] - entered[i] for i in converted]
    assert np.mean(waits) > np.mean(list(free.values())) + 3
    # Nobody converts while more than 18 months of ARE could be left, and all wait at most that long.
    assert max(waits) <= 19


def test_simpy_carries_out_each_change_of_state_of_each_person_as_an_event_of_its_own(monkeypatch) -> None:  # noqa: ANN001
    """The model stays a discrete-event model of each person (issue 13): every change of state written
    to the events (an entry, a warm start's resumption, a renewal, a conversion, a subscription, an
    exit) is one event SimPy steps through; besides them SimPy steps only through the monthly books' events
    (one a month, ``MonthlyBooks``) and the stop at the horizon."""
    import simpy

    import simcoop

    steps = [0]
    step = simpy.Environment.step

    def counted(env: simpy.Environment) -> None:
        steps[0] += 1
        step(env)

    monkeypatch.setattr(simpy.Environment, "step", counted)
    for name in ("reference.yaml", "warm_start_example.yaml"):
        scenario = simcoop.load_scenario(ROOT / "scenarios" / name)
        steps[0] = 0
        out = run_model(scenario, replication_streams(scenario.simulation.seed, 0))
        kinds = {(int(f), int(t)) for _, _, f, t, _, _ in out.events}
        assert len(out.events) > 300 and len(kinds) >= 5, name  # entries, renewals, conversions, subscriptions, exits
        assert steps[0] == len(out.events) + scenario.meta.horizon_months + 1, name


def test_the_changes_of_state_are_kept_in_order_as_their_table_grows() -> None:
    """``Parcours`` writes each change of state into its table (through a typed view when compiled) and doubles
    the table when it is full: every change is kept, in the order made, across the growths."""
    from simcoop.model.book import Book
    from simcoop.model.params import model_params
    from simcoop.model.processes import Parcours

    p = model_params(_deterministic())
    book = Book(p, capacity=8, compiled=True)
    parcours = Parcours(None, book, p)
    book.add_entrants(0, [2, 3], np.array([0, 1]), [1e5, 2e5], [0, 1], [-1.0, 30.0], (0, 0), (0, 0))
    rows = parcours.events.shape[0]
    made = []
    for k in range(3 * rows + 5):
        person, stage = k % 2, 2 + k % 3
        before = book.stage[person]
        parcours.set_stage(person, k, stage, 3)
        made.append([person, k, before, stage, 3, -1])
    assert parcours.events.shape[0] > 3 * rows  # grown, twice at least
    assert parcours.event_rows().tolist() == made


def test_a_change_of_state_enters_simpys_queue_as_simpys_own_schedule_puts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Parcours`` writes each change into SimPy's queue itself (time, priority, event id, event), as
    ``Environment.schedule`` does; an environment that schedules its own way gets every change through its
    ``schedule``, and the run is the same."""
    import simpy

    from simcoop.model import processes

    scenario = small_scenario(**{"meta.horizon_months": 60, "territory.accueils_per_year_at_maturity": 150})
    direct = run_model(scenario, replication_streams(3, 0))
    scheduled: list[object] = []

    class Scheduling(simpy.Environment):
        def schedule(self, event: simpy.Event, priority: simpy.events.EventPriority = simpy.events.NORMAL, delay: float = 0) -> None:
            scheduled.append(event)
            super().schedule(event, priority, delay)

    monkeypatch.setattr(simpy, "Environment", Scheduling)
    through = run_model(scenario, replication_streams(3, 0))
    changes = [e for e in scheduled if isinstance(e, processes._Change)]  # the changes of state (not the monthly timeouts)
    assert len(direct.events) > 100
    assert len(changes) == len(through.events)  # each change went through ``schedule``, once
    np.testing.assert_array_equal(through.events, direct.events)
    for key, values in direct.monthly.items():
        np.testing.assert_array_equal(through.monthly[key], values, err_msg=key)


def _toy_run(run: object, until: int) -> tuple[list[tuple[object, ...]], float, int]:
    """A small SimPy model (processes, timeouts, a process waiting for another, a failure defused, an event with two
    callbacks) run by ``run(env, until)``: what happened, in order; the time; the events left in the queue."""
    import simpy

    env = simpy.Environment()
    trace: list[tuple[object, ...]] = []

    def worker(name: str, period: int) -> object:
        for k in range(100):
            yield env.timeout(period)
            trace.append((env.now, name, k))

    def failing() -> object:
        yield env.timeout(3)
        raise KeyError("defused below")

    def waiting(other: simpy.Process) -> object:
        try:
            yield other
        except KeyError as error:
            trace.append((env.now, "caught", str(error)))
        shared = env.event()
        shared.callbacks += [lambda e: trace.append((env.now, "first", e.value)), lambda e: trace.append((env.now, "second", e.value))]
        shared.succeed("both")
        yield env.timeout(1, value="later")
        trace.append((env.now, "waited"))

    env.process(worker("a", 2))
    env.process(worker("b", 3))
    env.process(waiting(env.process(failing())))
    run(env, until)  # type: ignore[operator]
    return trace, env.now, len(env._queue)


def test_the_compiled_loop_runs_simpys_events_as_simpys_run_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """``processes.run_until`` is SimPy's ``Environment.run(until=...)`` with SimPy's ``step``, compiled (issue 13):
    the same events in the same order, the same time and queue at the stop, a failure not defused raised as SimPy
    raises it; and the model's run through it is the run through SimPy's own loop, to the bit."""
    import simpy

    from simcoop.model import processes

    for until in (1, 7, 40):
        assert _toy_run(processes.run_until, until) == _toy_run(lambda env, t: env.run(until=t), until)

    def crashing(env: simpy.Environment) -> object:
        yield env.timeout(2)
        raise ValueError("not defused")

    for run in (processes.run_until, lambda env, t: env.run(until=t)):
        env = simpy.Environment()
        env.process(crashing(env))
        with pytest.raises(ValueError, match="not defused") as raised:
            run(env, 10)
        assert isinstance(raised.value.__cause__, ValueError) and env.now == 2

    scenario = small_scenario(**{"meta.horizon_months": 60, "territory.accueils_per_year_at_maturity": 150})
    compiled = run_model(scenario, replication_streams(5, 0))
    monkeypatch.setattr(processes, "_SIMPY_STEP", None)  # every environment then runs SimPy's own ``run``
    by_simpy = run_model(scenario, replication_streams(5, 0))
    assert len(compiled.events) > 100
    np.testing.assert_array_equal(compiled.events, by_simpy.events)
    for key, values in by_simpy.monthly.items():
        np.testing.assert_array_equal(compiled.monthly[key], values, err_msg=key)

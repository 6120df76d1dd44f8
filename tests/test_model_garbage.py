"""A replication leaves no SimPy process behind as cyclic garbage.

A parcours still waiting at the end of the run and the event it waits on refer to each
other, so ``run_model`` lets them go after the run; otherwise every replication would leave
one or two hundred processes with their generators and events to the cyclic collector
(whose full passes over the whole process are slow). The garbage left must be the
environment's own few objects, whatever the number of people still in a parcours.
"""

from __future__ import annotations

import gc
from collections import Counter

import simcoop
from simcoop.runner import run_replication


def test_a_replication_leaves_no_process_or_generator_to_the_cyclic_collector() -> None:
    scenario = simcoop.load_scenario(simcoop.default_scenario_path())
    seed = scenario.simulation.seed
    out = run_replication(scenario, seed, 0)
    assert (out.people["exit_month"] < 0).sum() > 50  # many parcours still waiting at the end
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        out = run_replication(scenario, seed, 1)
        del out
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        kinds = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert kinds["Process"] == 0
    assert kinds["generator"] == 0
    assert sum(kinds.values()) < 50, kinds

"""A replication leaves no SimPy process and no book behind as cyclic garbage.

The book and the ``Parcours`` that carries out its people's changes of state refer to each
other, so ``run_model`` lets go of the parcours after the run; otherwise every replication
would leave its whole book (lists, arrays, the events of its people) to the cyclic collector
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
    assert (out.people["exit_month"] < 0).sum() > 50  # many people still in a parcours at the end
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


#: Run in a fresh interpreter: the policy acts once per process, and this one may have acted already.
_FREEZE_SCRIPT = """
import gc, json, os, sys, weakref
import simcoop
from simcoop.runner import run_chunk

class Node:
    pass

def cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)

if sys.argv[1] == "disabled":
    gc.disable()
scenario = simcoop.load_scenario(simcoop.default_scenario_path()).replace({"meta.horizon_months": 12})
before = cycle()  # garbage from before the first replication
report = {"counts": [], "later_collected": []}
for chunk in ([0, 1], [2, 3], [4], [5, 6]):
    run_chunk(scenario, 7, chunk)
    if chunk == [0, 1]:
        report["before_collected"] = before() is None
    report["counts"].append(gc.get_freeze_count())
    later = cycle()  # garbage made after the freeze
    gc.collect()
    report["later_collected"].append(later() is None)
read, write = os.pipe()
pid = os.fork()
if pid == 0:  # a forked worker freezes its own objects once too
    inherited = gc.get_freeze_count()
    run_chunk(scenario, 7, [8])
    first = gc.get_freeze_count()
    run_chunk(scenario, 7, [9])
    os.write(write, json.dumps([inherited, first, gc.get_freeze_count()]).encode())
    os._exit(0)
os.waitpid(pid, 0)
report["child"] = json.loads(os.read(read, 1000))
print(json.dumps(report))
"""


def _freeze_report(mode: str) -> dict:
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _FREEZE_SCRIPT, mode], capture_output=True, text=True, check=True, timeout=300)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_run_chunk_freezes_the_long_lived_objects_once_per_process_and_never_garbage() -> None:
    """``run_chunk`` freezes what lives after a process's first replication, once: the frozen set does not
    grow chunk after chunk, garbage made before is collected first (never frozen), garbage made after is still found."""
    report = _freeze_report("enabled")
    counts = report["counts"]
    assert counts[0] > 10_000  # the modules, models and tables of a simulating process
    # once per process: nothing added chunk after chunk (frozen objects still die by reference counting)
    assert all(count <= counts[0] for count in counts)
    assert report["before_collected"]
    assert all(report["later_collected"])
    inherited, first, second = report["child"]
    assert inherited <= counts[-1] and first > inherited and second <= first  # a forked child: once, its own


def test_run_chunk_leaves_a_disabled_collector_alone() -> None:
    report = _freeze_report("disabled")
    assert report["counts"] == [0, 0, 0, 0]
    assert report["child"] == [0, 0, 0]

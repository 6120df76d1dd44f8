"""The compiled kernels (simcoop.model.kernels) give every output array bit for bit as the numpy code.

Each case runs the same replications twice in this process, with the kernels and with the
numpy path (``kernels.ENABLED`` switched off), and compares every array of the raw outputs
byte for byte (so a -0.0 for a 0.0 fails too). The cases take the branches the kernels
handle apart: the reference with its population-prior draws (settlement instalments, pay
beyond the payroll tables, the RGDU relief), the settlement paid at once, CAPE pay, a CAPE
fee and a contribution minimum, degressive contribution brackets on the gross margin, and
calibration draws of historical CAE (the Fillon relief before 2026, wide parameters).
Kernels whose inputs the reference exercises only in part (the stocks' sums, the conventions'
month) and the Python-number shortcuts of the month's accounts are also checked on their own,
on random inputs, against the code they replace.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simcoop
from simcoop.economics.cesa import fixed_gross_cents
from simcoop.economics.payroll import payroll_dates, payroll_rates_at, payroll_tables
from simcoop.model import kernels, processes
from simcoop.runner import run_chunk

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not kernels.ENABLED, reason="numba not installed or SIMCOOP_NO_NUMBA set")


def _arrays(outputs: list[Any]) -> Iterator[tuple[str, Any]]:
    for output in outputs:
        prefix = f"rep{output.replication}"
        for field in ("monthly", "people", "by_site", "by_zone"):
            for key, values in (getattr(output, field) or {}).items():
                yield f"{prefix}.{field}.{key}", values
        for field in ("events", "funding_earned", "funding_received"):
            yield f"{prefix}.{field}", getattr(output, field)
        scalars = (output.initial_cash_cents, output.initial_capital_cents, output.initial_activities_treasury_cents,
                   output.entries_pending_at_end, output.opened, output.opening_delay_months)  # fmt: skip
        yield f"{prefix}.scalars", np.array([float(x) for x in scalars])


def _differences(with_kernels: list[Any], without: list[Any]) -> list[str]:
    a, b = dict(_arrays(with_kernels)), dict(_arrays(without))
    assert a.keys() == b.keys()
    differ = []
    for key, x in a.items():
        x, y = np.asarray(x), np.asarray(b[key])
        if x.dtype != y.dtype or x.shape != y.shape or np.ascontiguousarray(x).tobytes() != np.ascontiguousarray(y).tobytes():
            differ.append(key)
    return differ


def _both(monkeypatch: pytest.MonkeyPatch, run: Any) -> tuple[Any, Any, int, int]:
    """``run()`` with the kernels, then without; how many months the kernels paid, and how many months had a payroll.

    The kernels hand a month back to the numpy code when some fixed part is off the payroll
    tables (a high earner) and in a one-instalment settlement month, so they pay in most
    months with a payroll, not all: how many depends on the draws.
    """
    calls = months = 0
    compiled = processes._cesa_pay_compiled  # noqa: SLF001 - counted, so the test cannot pass on the numpy path alone
    pay = processes._cesa_pay  # noqa: SLF001

    def counted(*args: Any) -> Any:
        nonlocal calls
        paid = compiled(*args)
        calls += paid is not None
        return paid

    def payroll(*args: Any, **kwargs: Any) -> Any:
        nonlocal months
        months += 1
        return pay(*args, **kwargs)

    monkeypatch.setattr(processes, "_cesa_pay_compiled", counted)
    monkeypatch.setattr(processes, "_cesa_pay", payroll)
    with_kernels = run()
    paid_months = months
    monkeypatch.setattr(kernels, "ENABLED", False)
    without = run()
    return with_kernels, without, calls, paid_months


REFERENCE_CASES = {
    "reference": {},
    "settlement_at_once": {"pathway.cesa.settlement_instalments": 1},
    "cape_pay_fee_minimum": {
        "pathway.cape.remuneration_eur_per_month": 300.0,
        "pathway.cape.fee_eur_per_month": 20.0,
        "cooperative.contribution.minimum_eur_per_month": 60.0,
    },
    "brackets_on_margin": {
        "cooperative.contribution.base": "gross_margin",
        "cooperative.contribution.brackets": [{"above_eur_per_year": 20000.0, "rate": 0.08}, {"above_eur_per_year": 60000.0, "rate": 0.05}],
    },
}


@pytest.mark.parametrize("case", sorted(REFERENCE_CASES))
def test_the_kernels_give_the_numpy_outputs_bit_for_bit(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml").replace(REFERENCE_CASES[case])
    replications = (0, 1, 2) if case == "reference" else (0, 1)

    def run() -> list[Any]:
        return run_chunk(scenario, scenario.simulation.seed, replications)[0]

    with_kernels, without, calls, months = _both(monkeypatch, run)
    assert months > 50 * len(replications)  # years of payroll in every replication
    assert calls > months / 2  # the kernels paid most of them
    if case == "reference":
        # Its rules have no relief beyond the payroll tables: the kernels pay every month, high
        # earners' fixed parts beyond the tables included (replication 2 has such months).
        assert calls == months
    assert _differences(with_kernels, without) == []


def test_the_kernels_give_the_numpy_calibration_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stage-1 calibration draws: historical payroll rules (the Fillon relief), wide parameter vectors."""
    from simcoop.calibration.figures import cae_scenario, read_figures
    from simcoop.calibration.population import cae_seed, draw_stage1, simulate_chunk

    base = simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml")
    caes, _ = read_figures(Path(str(files("simcoop.data") / "cae_public_figures.csv")))
    cae = caes[0]
    scenario = cae_scenario(base, cae)
    wanted = [(f.year, f.measure) for f in cae.figures]
    z = draw_stage1(2026, cae.name, 2)

    def run() -> Any:
        return simulate_chunk(scenario, cae_seed(2026, cae.name), scenario.meta.start_month, scenario.meta.horizon_months, wanted, (0, 1), z)[1]

    with_kernels, without, calls, _ = _both(monkeypatch, run)
    assert calls > 0
    assert np.asarray(with_kernels).tobytes() == np.asarray(without).tobytes()


RULES = [(date[:7], "below_50") for date in payroll_dates()] + [("2026-06", "below_11"), ("2026-06", "50_or_more")]


@pytest.mark.parametrize(("month", "size"), RULES)
def test_the_kernels_find_the_rules_gross_beyond_the_payroll_tables(month: str, size: str) -> None:
    """The gross a budget buys, inside the cost table, at its end and far beyond it (settlements): the kernels'
    search and bisection on the rules' arithmetic (where the relief is 0) against ``fixed_gross_cents``."""
    rates = payroll_rates_at(month, size)
    tables = payroll_tables(rates)
    top = float(tables.cost[-1])
    assert tables.kernel_constants[kernels.K_BEYOND] == 1.0  # every dated set of rules has its relief's exit inside the table
    rng = np.random.default_rng(13)
    budgets = np.concatenate((
        np.rint(rng.uniform(0.0, top, 300)),
        top + np.arange(-3.0, 4.0),
        np.rint(rng.uniform(top, 12_000_000.0, 700)),
        [-5.0, 0.0, 1.0],
    ))  # fmt: skip
    compiled = kernels.fixed_gross(tables.cost, tables.kernel_constants, budgets, 1.0, 0.0)
    expected = fixed_gross_cents(budgets, 1.0, 0.0, rates)
    assert compiled.tobytes() == expected.tobytes()
    # One margin at a time (``Parcours.start_cesa``), with a share and a minimum gross: numpy's function on each.
    margins = np.concatenate((budgets, [-0.0, 0.4, 1.5, 2.5]))
    one = [kernels.fixed_gross_one(tables.cost, tables.kernel_constants, float(x), 0.55, 180_000.0) for x in margins]
    assert np.array(one).tobytes() == fixed_gross_cents(margins, 0.55, 180_000.0, rates).tobytes()


@pytest.mark.parametrize(("month", "size"), RULES[:3] + RULES[-2:])
def test_the_bucketed_search_finds_what_numpy_searchsorted_finds(month: str, size: str) -> None:
    """``cesa_pay_gross``'s search in the cost table from its bucket index: the index ``np.searchsorted``
    gives, on random budgets, at every bucket's edges, on the table's own entries (flat steps included)
    and next to its ends."""
    cost = payroll_tables(payroll_rates_at(month, size)).cost
    buckets = kernels.bucket_index(cost)
    assert kernels.bucket_index(cost) is buckets  # built once per table
    width = float(1 << kernels.BUCKET_SHIFT)
    rng = np.random.default_rng(7)
    edges = np.arange(0.0, float(cost[-1]), width)
    values = np.concatenate((
        rng.uniform(0.0, float(cost[-1]), 2000),
        np.rint(rng.uniform(0.0, float(cost[-1]), 2000)),
        edges, edges - 1.0, edges + 1.0, edges - 0.5,
        cost[rng.integers(0, len(cost) - 1, 2000)],
        cost[:50], cost[-50:-1], [cost[-2] + 0.5, -0.0, 0.0, 0.5, -3.0, np.nan],
    ))  # fmt: skip
    values = values[~(values >= cost[-1])]
    found = np.array([kernels._search_right_bucketed(cost, buckets, v) for v in values])  # noqa: SLF001
    assert np.array_equal(found, np.searchsorted(cost, values, side="right"))


@pytest.mark.parametrize(("month", "size"), RULES[:3] + RULES[-2:])
def test_the_kernels_employee_contributions_are_the_tables(month: str, size: str) -> None:
    """``cesa_pay_gross`` computes the employee contributions and the CSG/CRDS instead of reading the tables: the same numbers."""
    tables = payroll_tables(payroll_rates_at(month, size))
    gross = np.arange(0, tables.size, 5)
    found = np.array([kernels._employee_beyond(float(g), tables.kernel_constants) for g in gross])  # noqa: SLF001
    assert found[:, 0].tobytes() == tables.employee[gross].tobytes()
    assert found[:, 1].tobytes() == tables.csg_crds[gross].tobytes()


def _stock_book(rng: np.random.Generator, m: int) -> Any:
    """A reference book with ``m`` activities and random whole cents in every array the stocks add up."""
    from simcoop.model.book import Book
    from simcoop.model.columns import ROW_TREASURY_CENTS
    from simcoop.model.params import model_params

    book = Book(model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml")), capacity=4 * m + 64)
    book.m = m
    for array in (book.a[ROW_TREASURY_CENTS], book.pending, book.coop_pending, book.funding_due, book.advance_left, book.capital_due, book.allocations_due):
        array[...] = np.rint(rng.normal(0.0, 1e7, array.shape))
        array[rng.random(array.shape) < 0.2] = 0.0
        array[rng.random(array.shape) < 0.2] = -0.0
    return book


@pytest.mark.parametrize("m", [0, 1, 7, 150])
def test_the_stock_sums_are_numpys(m: int) -> None:
    """``stock_sums`` (a loop) adds whole cents to numpy's pairwise sums bit for bit, signs of zero included,
    and marks as not exact (hands back) any sum with a term that is not a whole cent within range."""
    rng = np.random.default_rng(m)
    from simcoop.model.columns import ROW_TREASURY_CENTS

    for month in (0, 5, 119):
        book = _stock_book(rng, m)
        if m:  # a treasury of zeros of both signs: -0.0 only where every term is -0.0
            book.a[ROW_TREASURY_CENTS, :m] = -0.0
            book.a[ROW_TREASURY_CENTS, rng.integers(0, m)] = rng.choice([0.0, -0.0])
        book.capital_due[month + 1 :] = -0.0  # a sum of -0.0 only
        args = (book.a, book.m, book.pending, book.coop_pending, book.funding_due, book.advance_left, book.capital_due, book.allocations_due, month)
        parts = kernels.stock_sums(*args)
        assert all(exact for _, exact in parts)
        assert np.array([total for total, _ in parts]).tobytes() == np.array(book.stock_sums(month)).tobytes()
        for bad in (0.5, np.nan, np.inf, 2.0**60):
            book.funding_due[0, -1] = bad
            assert not all(exact for _, exact in kernels.stock_sums(*args))
        book.funding_due[0, -1] = 0.0


@pytest.mark.parametrize("seed", range(3))
def test_the_sums_of_whole_cents_added_in_any_order_are_numpys(seed: int) -> None:
    """``_exact_sum`` and ``_exact_sum_rows`` add their terms in the order the processor adds fastest (vector lanes,
    ``simcoop.jit.njit_whole_sum``): on whole cents up to the bound, every length (the vectors' remainders), zeros of
    both signs and either sign of term, the sums are numpy's bit for bit; a fraction, a NaN, an infinity, a term over
    the bound anywhere in the row, or one term too many, and the sum is handed back."""
    rng = np.random.default_rng(seed)
    bound = kernels._WHOLE_BOUND
    for n in [*range(70), 1000]:
        values = np.rint(rng.normal(0.0, 1e9, n))
        values[rng.random(n) < 0.3] = rng.choice([0.0, -0.0, bound, -bound])
        if n and rng.random() < 0.3:
            values[:] = -0.0  # -0.0 only: numpy's sum is 0.0
        for negative_only in (False, True):
            total, exact = kernels._exact_sum(values, negative_only)
            expected = np.add.reduce(np.minimum(values, 0.0) if negative_only else values)
            assert exact and np.float64(total).tobytes() == np.float64(expected).tobytes(), (n, negative_only)
        rows = np.rint(rng.normal(0.0, 1e9, (3, n + 5)))[:, 2 : n + 2]  # a slice of each row, as the stocks pass them
        total, exact = kernels._exact_sum_rows(rows)
        assert exact and np.float64(total).tobytes() == np.float64(np.add.reduce(rows, axis=None)).tobytes(), n
        if n:
            for bad in (0.5, np.nan, np.inf, -np.inf, 2.0 * bound):
                spoiled = values.copy()
                spoiled[int(rng.integers(0, n))] = bad
                assert kernels._exact_sum(spoiled, False) == (0.0, False), (n, bad)
                table = rows.copy()
                table[int(rng.integers(0, 3)), int(rng.integers(0, n))] = bad
                assert kernels._exact_sum_rows(table) == (0.0, False), (n, bad)
    many = np.ones(kernels._EXACT_TERMS + 1)
    assert not kernels._exact_sum(many, False)[1] and kernels._exact_sum(many[1:], False) == (float(len(many) - 1), True)
    assert not kernels._exact_sum_rows(many.reshape(1, -1))[1]


def _convention(rng: np.random.Generator, kind: int) -> Any:
    from simcoop.model.params import ConventionParams

    return ConventionParams(
        funder=f"f{kind}", kind=kind, amount_cents=int(rng.integers(1, 4_000_000 if kind in (0, 2) else 200_000)),
        ceiling_cents=float(rng.integers(100_000, 3_000_000)) if rng.random() < 0.5 else float("inf"),
        first=int(rng.integers(-20, 30)), term_months=36, max_renewals=0, renewal_probability=0.0,
        period_months=int(rng.choice([1, 3, 12])), lag_months=int(rng.integers(0, 14)),
        advance_cents=int(rng.integers(0, 500_000)) if rng.random() < 0.5 else 0,
        dailly_share=float(rng.choice([0.0, 0.7, 0.85])),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_the_public_funding_kernel_is_the_python_code(seed: int) -> None:
    """``public_funding`` against ``_public_funding``'s Python code, month after month, on random conventions
    of every kind (ceilings, advances, Dailly, periods and lags): every array and total bit for bit."""
    import dataclasses

    from simcoop.model.book import CAPE, FLOW_COLUMNS, Book
    from simcoop.model.params import FUNDING_KINDS, model_params

    rng = np.random.default_rng(seed)
    p = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    conventions = tuple(_convention(rng, k % len(FUNDING_KINDS)) for k in range(7))
    p = dataclasses.replace(p, conventions=conventions)
    assert processes._convention_table(conventions) is not None  # noqa: SLF001 - the kernel runs
    last = [c.first + int(rng.integers(0, 60)) for c in conventions]
    last[0] = -1  # a partner that did not come through
    books = [Book(p, capacity=64), Book(p, capacity=64)]
    for book in books:
        book.convention_last[:] = last
    names = ("funding_earned", "funding_due", "funding_received", "advance_left", "advance_settle_due", "dailly_in", "dailly_out")
    scalars = ("year_result_cents", "coop_ledger_cents", "convention_advances_cents")
    for t in range(p.horizon_months):
        counts = {"accueils": float(rng.integers(0, 9)), "cesa_entries": float(rng.integers(0, 3)), "rsa_entries": float(rng.integers(0, 3))}
        active = int(rng.integers(0, 200))
        for book, enabled in zip(books, (True, False), strict=True):
            for name, value in counts.items():
                book.flows[FLOW_COLUMNS.index(name)] = value
            book.stage_count[CAPE] = active
            processes.kernels.ENABLED = enabled
            try:
                processes._public_funding(book, p, t)  # noqa: SLF001
            finally:
                processes.kernels.ENABLED = True
        for name in names:
            assert getattr(books[0], name).tobytes() == getattr(books[1], name).tobytes(), (t, name)
        for name in scalars:
            assert np.float64(getattr(books[0], name)).tobytes() == np.float64(getattr(books[1], name)).tobytes(), (t, name)
        for name in ("public_funding_earned_cents", "public_funding_cents"):
            assert np.float64(books[0].flows[FLOW_COLUMNS.index(name)]).tobytes() == np.float64(books[1].flows[FLOW_COLUMNS.index(name)]).tobytes(), (t, name)
    assert float(np.abs(books[0].funding_received).sum()) > 0 and float(books[0].dailly_in.sum()) > 0


def test_the_cost_of_one_fte_in_python_numbers_is_numpys() -> None:
    """``_structure_costs``' cost of one staff and one support FTE (payroll taxes in Python numbers) against
    ``employer_cost_cents`` plus ``payroll_taxes_cents`` on numpy arrays, as it was computed: the same doubles."""
    import dataclasses

    from simcoop.economics import employer_cost_cents
    from simcoop.economics.employment import payroll_taxes_cents
    from simcoop.model.params import model_params

    base = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    rng = np.random.default_rng(3)
    for _ in range(60):
        pay = (float(np.rint(rng.uniform(150_000.0, 1_500_000.0))), float(rng.choice([0.0, 180_000.0, float(np.rint(rng.uniform(1e5, 9e5)))])))
        p = dataclasses.replace(base, staff_gross_cents=pay[0], support_gross_cents=pay[1])
        t = int(rng.integers(0, p.horizon_months))
        rates = p.payroll_by_band[int(rng.integers(0, 3))][t]
        thresholds = p.taxe_salaires_thresholds_by_month[t]
        for vm in (0.0, 0.0175, 0.0295):
            for ratio in (0.0, -0.1, float(rng.uniform(0.0, 1.0)), 1.0, float("nan")):
                one = employer_cost_cents(np.array(pay), rates)
                taxes = payroll_taxes_cents(np.array(pay), vm, ratio, thresholds, p.taxe_salaires_rates)
                expected = np.array([one[0] + taxes[0], one[1] + taxes[1]])
                assert np.array(processes._fte_costs(p, rates, vm, ratio, thresholds)).tobytes() == expected.tobytes()  # noqa: SLF001


@pytest.mark.parametrize("seed", range(4))
def test_the_settlement_kernel_is_the_numpy_settlement(seed: int) -> None:
    """``cesa_settlement`` against ``_settlement`` on random activities (margins beyond the cost table, negative
    treasuries, some not salaried, one to three instalments): every row of the activity table bit for bit."""
    import dataclasses

    from simcoop.model import columns as rows
    from simcoop.model.params import model_params

    rng = np.random.default_rng(seed)
    base = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    rates = base.payroll_by_band[0][int(rng.integers(0, base.horizon_months))]
    tables = payroll_tables(rates)
    top = float(tables.cost[-1])
    m = 80
    for instalments in (1, 2, 3):
        p = dataclasses.replace(base, settlement_instalments=instalments)
        a = np.zeros((rows.N_ACTIVITY_ROWS, m + 5))
        a[rows.ROW_RECENT_NET_MARGIN_CENTS, :m] = np.rint(rng.uniform(-2e5, 3 * top, m))
        a[rows.ROW_TREASURY_CENTS, :m] = np.rint(rng.uniform(-5e5, 5e6, m))
        a[rows.ROW_SETTLEMENT_OWED_CENTS, :m] = np.rint(rng.uniform(0.0, 2e5, m)) * (rng.random(m) < 0.5)
        a[rows.ROW_FIXED_GROSS_CENTS, :m] = np.rint(rng.uniform(0.0, 4e5, m))
        a[rows.ROW_SETTLEMENT_INSTALMENT_CENTS, :m] = 7.0
        salaried = rng.random(m) < 0.7
        out = np.zeros((kernels.OUT_ROWS, m))
        out[kernels.O_BUDGET] = np.rint(rng.uniform(0.0, 9e5, m)) * salaried
        out[kernels.O_COST] = np.rint(rng.uniform(0.0, 5e5, m))
        expected = a.copy()
        processes._settlement(p, expected[:, :m], salaried, out[kernels.O_BUDGET].copy(), out[kernels.O_COST].copy(), rates)  # noqa: SLF001
        buckets = kernels.bucket_index(tables.cost)
        assert kernels.cesa_settlement(
            a, m, salaried, tables.cost, buckets, tables.kernel_constants, float(p.treasury_floor_cents), float(p.settlement_reserve_months),
            float(p.settlement_payout_share), float(p.settlement_instalments), float(p.fixed_pay_share), float(p.min_gross_cents), out,
        )  # fmt: skip
        assert a.tobytes() == expected.tobytes()


@pytest.mark.parametrize("conventions", [0, 1, 5])
def test_the_year_earned_sums_are_numpys(conventions: int) -> None:
    """``year_earned`` (``_recover_over_compensation``'s sums of the year's funding earned) against numpy's
    sums along the months and of their total, signs of zero included; not a whole cent: handed back."""
    rng = np.random.default_rng(conventions)
    earned = np.rint(rng.normal(0.0, 1e7, (conventions, 150)))
    earned[rng.random(earned.shape) < 0.3] = 0.0
    earned[rng.random(earned.shape) < 0.3] = -0.0
    if conventions:
        earned[0, 20:40] = -0.0
    for first, t in ((0, 0), (0, 11), (12, 23), (20, 39), (24, 24), (140, 149), (145, 160)):
        sums = np.empty(conventions + 1)
        assert kernels.year_earned(earned, first, t, sums)
        by_convention = np.add.reduce(earned[:, first : t + 1], axis=1)
        assert sums[:-1].tobytes() == by_convention.tobytes()
        assert sums[-1:].tobytes() == np.array([float(np.add.reduce(by_convention))]).tobytes()
    if conventions:
        for bad in (0.5, np.nan, np.inf, 2.0**60):
            earned[-1, 30] = bad
            assert not kernels.year_earned(earned, 25, 35, np.empty(conventions + 1))


def _random_close(p: Any, rng: np.random.Generator, with_financing: bool, share: float | None) -> Any:
    """``p`` with a random financing plan (instruments repaid from the CAF, Dailly, overdraft) and clause de reversement."""
    import dataclasses

    from simcoop.model.params import FinancingParams

    h = p.horizon_months
    if not with_financing:
        return dataclasses.replace(p, financing=None, recovery_margin_share=share)

    def schedule() -> Any:
        return np.rint(rng.normal(0.0, 3e5, h)) * (rng.random(h) < 0.3)

    from_caf = tuple(
        (int(rng.integers(0, h)), float(np.rint(rng.uniform(1e5, 5e6))), float(rng.choice([0.0, 0.02, 0.035])), 12, 0.5, bool(rng.random() < 0.5))
        for _ in range(int(rng.integers(0, 4)))
    )  # fmt: skip
    financing = FinancingParams(
        received_cents=schedule(), quasi_principal_cents=schedule(), debt_principal_cents=schedule(), interest_cents=schedule(),
        quasi_received_cents=schedule(), dailly_rate=float(rng.choice([0.0, 0.05])), overdraft_rate=float(rng.choice([0.0, 0.08])),
        overdraft_limit_cents=float(rng.choice([np.inf, 3e6])), from_caf=from_caf,
    )  # fmt: skip
    return dataclasses.replace(p, financing=financing, recovery_margin_share=share)


@pytest.mark.parametrize("seed", range(8))
def test_the_month_close_kernel_is_the_python_code(seed: int) -> None:
    """``month_close`` (through ``_close_compiled``) against ``_public_funding``, ``_prestations``, ``_financing``, the
    capital and allocations lines of ``close_month`` and ``_recover_over_compensation``, month after month on random
    books (the reference's conventions or random ones, financing plans or none, clause de reversement or none,
    settlements): every figure, flow and array bit for bit."""
    import dataclasses

    from simcoop.model.book import CAPE, F_ALLOCATIONS_PAID_CENTS, F_CAPITAL_REPAID_CENTS, FLOW_COLUMNS, Book
    from simcoop.model.params import model_params

    rng = np.random.default_rng(seed)
    base = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    p = _random_close(base, rng, seed % 4 != 3, None if seed % 3 == 2 else float(rng.choice([0.0, 0.05, 0.2])))
    if seed % 2:
        p = dataclasses.replace(p, conventions=tuple(_convention(rng, k % 5) for k in range(6)))
    books = [Book(p, capacity=64), Book(p, capacity=64)]
    arrays = ("caf_outstanding", "caf_due", "funding_earned", "funding_due", "funding_recovered", "funding_received", "advance_settle_due",
              "advance_left", "dailly_in", "dailly_out")  # fmt: skip
    scalars = ("convention_advances_cents", "quasi_equity_cents", "dailly_outstanding_cents", "debt_outstanding_cents", "coop_ledger_cents",
               "financing_net_cents", "year_result_cents", "year_recovered_cents", "year_contributions_cents")  # fmt: skip
    shape = books[0].funding_earned.shape
    compiled = 0
    for t in range(p.horizon_months):
        earned = np.rint(rng.uniform(0.0, 4e5, shape[0])) * (rng.random(shape[0]) < 0.6)
        draws = (rng.normal(0.0, 2e6), rng.normal(0.0, 1e6), np.rint(rng.uniform(0, 2e5, 6)), float(rng.integers(0, 3)))
        counts = {"accueils": float(rng.integers(0, 9)), "cesa_entries": float(rng.integers(0, 3)), "rsa_entries": float(rng.integers(0, 3))}
        active = int(rng.integers(0, 200))
        settle = t % 12 == 11 or t == p.horizon_months - 1
        for book, use_kernel in zip(books, (True, False), strict=True):
            book.funding_earned[:, t] = earned
            book.own_treasury_cents = float(np.rint(draws[0]))
            book.year_result_cents += float(np.rint(draws[1]))
            book.year_contributions_cents += float(draws[2][0])
            book.capital_due[t], book.allocations_due[t], book.advance_settle_due[t], book.dailly_in[t], book.dailly_out[t] = draws[2][1:]
            book.dailly_outstanding_cents = float(draws[2][1]) * draws[3]
            if p.financing is not None and len(book.caf_due):
                book.caf_due[:, t] = draws[2][2]
            for name, value in counts.items():
                book.flows[FLOW_COLUMNS.index(name)] = value
            book.stage_count[CAPE] = active
            if use_kernel:
                done = processes._close_compiled(book, p, t, settle)  # noqa: SLF001
                assert done == 2
                compiled += 1
            else:  # the Python code throughout
                processes.kernels.ENABLED = False
                try:
                    processes._public_funding(book, p, t)  # noqa: SLF001
                    processes._prestations(book, p, t)  # noqa: SLF001
                    processes._financing(book, p, t)  # noqa: SLF001
                    repaid, paid = book.capital_due.item(t), book.allocations_due.item(t)
                    book.coop_ledger_cents -= repaid + paid
                    book.flows[F_CAPITAL_REPAID_CENTS] += repaid
                    book.flows[F_ALLOCATIONS_PAID_CENTS] += paid
                    if p.recovery_margin_share is not None:
                        processes._recover_over_compensation(book, p, t, settle=settle)  # noqa: SLF001
                finally:
                    processes.kernels.ENABLED = True
            if settle:
                book.year_result_cents = book.year_contributions_cents = 0.0
                book.year_first_month = t + 1
        for name in arrays:
            assert getattr(books[0], name).tobytes() == getattr(books[1], name).tobytes(), (t, name)
        for name in scalars:
            assert np.float64(getattr(books[0], name)).tobytes() == np.float64(getattr(books[1], name)).tobytes(), (t, name)
        assert np.array(books[0].flows).tobytes() == np.array(books[1].flows).tobytes(), t
    assert compiled == p.horizon_months
    if p.recovery_margin_share is not None and p.recovery_margin_share > 0:
        assert float(np.abs(books[0].funding_recovered).sum()) > 0  # the sharing at the closing ran


def test_the_vat_exempt_turnover_dot_is_matmuls() -> None:
    """``_accounting`` adds the VAT-exempt turnover by ``invoiced.dot(shares)``, once ``invoiced @ shares``: the same
    BLAS product, bit for bit, on whole cents and sector shares of every length a month can have."""
    rng = np.random.default_rng(11)
    for n in [*range(0, 300), 1000, 5000]:
        invoiced = np.rint(rng.uniform(0.0, 2e6, n)) * (rng.random(n) < 0.9)
        shares = rng.choice([0.0, 0.15, 0.3, 1.0, float(rng.random())], n)
        assert np.float64(invoiced.dot(shares)).tobytes() == np.float64(invoiced @ shares).tobytes()


@pytest.mark.parametrize("seed", range(4))
def test_the_books_compiled_entries_and_exits_are_numpys(seed: int) -> None:
    """``Book.add_entrants`` and an exit (``Parcours.settle_exit``, ``Book.close_slot``) by their compiled loops
    (``compiled=True``) leave every array, list and number of the book as their numpy code does, bit for bit, on
    random entrants and exits (receivables and treasuries of random whole cents, the last slot and others freed,
    the arrays grown)."""
    from simcoop.model.book import Book
    from simcoop.model.columns import ROW_CAPITAL_PAID_CENTS, ROW_RECENT_NET_MARGIN_CENTS, ROW_TREASURY_CENTS
    from simcoop.model.params import model_params
    from simcoop.model.processes import Parcours

    p = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    rng = np.random.default_rng(seed)
    books = [Book(p, capacity=8, compiled=True), Book(p, capacity=8, compiled=False)]
    assert [b.compiled for b in books] == [True, False]
    parcours = {id(book): Parcours(None, book, p) for book in books}
    exits = {key: each.settle_exit for key, each in parcours.items()}
    for month in range(40):
        k = int(rng.integers(0, 7))
        first = rng.integers(2, 4, k).tolist()
        sector = rng.integers(0, len(p.sector_shares), k)
        mature = rng.lognormal(12.0, 1.0, k)
        status = rng.integers(0, 3, k).tolist()
        are_end = [float(month + 1 + rng.integers(0, 24)) if s == 1 else -1.0 for s in status]
        zones = tuple(rng.integers(0, 3, k).tolist())
        sites = tuple(rng.integers(0, 2, k).tolist())
        for book in books:
            book.add_entrants(month, first, sector, mature, status, are_end, zones, sites)
        m = books[0].m
        fields = rng.normal(0.0, 1e6, (3, m))
        receivables = np.rint(np.abs(rng.normal(0.0, 1e5, (books[0].pending.shape[0], m))))
        for book in books:  # the same accounts in both books
            book.a[ROW_TREASURY_CENTS, :m] = np.rint(fields[0])
            book.a[ROW_RECENT_NET_MARGIN_CENTS, :m] = fields[1]
            book.a[ROW_CAPITAL_PAID_CENTS, :m] = np.where(fields[2] > 1e6, 5000.0, 0.0)
            book.pending[:, :m] = receivables
        present = [i for i in range(books[0].n) if books[0].slot_of[i] >= 0]
        leaving = rng.choice(present, size=min(len(present), int(rng.integers(0, 4))), replace=False).tolist()
        if present and rng.random() < 0.3:
            last = int(books[0].a[0, books[0].m - 1])  # the person in the last slot
            leaving = [last] + [i for i in leaving if i != last]
        for i in leaving:
            destination, reason = int(rng.integers(0, 3)), int(rng.integers(5, 12))
            for book in books:
                exits[id(book)](i, month, destination, reason)
        x, y = books
        m = x.m
        assert (x.n, x.m) == (y.n, y.m)
        for name in ("a", "pending"):
            assert getattr(x, name)[:, :m].tobytes() == getattr(y, name)[:, :m].tobytes(), (month, name)
        assert x.lag[:m].tobytes() == y.lag[:m].tobytes()
        assert x.prior_status[: x.n].tobytes() == y.prior_status[: y.n].tobytes()
        assert x.coop_pending.tobytes() == y.coop_pending.tobytes()
        assert x.capital_due.tobytes() == y.capital_due.tobytes()
        assert (x.slot_of, x.stage, x.capital_paid) == (y.slot_of, y.stage, y.capital_paid)
        assert parcours[id(x)].event_rows().tobytes() == parcours[id(y)].event_rows().tobytes()
        for name in ("coop_ledger_cents", "capital_cents", "year_result_cents"):
            assert np.float64(getattr(x, name)).tobytes() == np.float64(getattr(y, name)).tobytes(), (month, name)
        assert x.flows == y.flows
    assert books[0].n > 60 and books[0].activity_capacity > 8  # entrants enough to grow the arrays


@pytest.mark.parametrize("seed", range(4))
def test_the_hold_back_kernel_is_the_numpy_rule(seed: int) -> None:
    """``kernels.hold_back`` against ``_stay_while_are_lasts`` on random candidates (margins from negative to
    beyond the cost table, on ARE or on RSA, a minimum gross of whole or fractional cents): the same
    conversions held back, bit for bit, or handed back untouched when some fixed part is off the table."""
    import dataclasses

    from simcoop.model import columns as rows
    from simcoop.model.book import Book
    from simcoop.model.params import model_params

    rng = np.random.default_rng(seed)
    base = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    t = int(rng.integers(0, base.horizon_months))
    m = 60
    decided = handed_back = held = 0
    for trial in range(40):
        p = dataclasses.replace(
            base,
            min_gross_cents=[base.min_gross_cents, 0.0, 150_000.5][trial % 3],
            min_income_gain_share_on_are=float(rng.uniform(0.05, 0.6)),
            fixed_pay_share=float(rng.uniform(0.3, 0.9)),
        )
        book = Book(p, capacity=2 * m)
        book.m = m
        tables = payroll_tables(book.rates(t))
        top = float(tables.cost[-1])
        high = 3 * top if trial % 4 == 0 else top / 3
        a = book.a
        a[rows.ROW_RECENT_NET_MARGIN_CENTS, :m] = np.rint(rng.uniform(-1e5, high, m))
        a[rows.ROW_ARE_END_MONTH, :m] = np.where(rng.random(m) < 0.5, t + 1.0 + rng.integers(0, 20, m), -1.0)
        a[rows.ROW_PERSON_ID, :m] = np.arange(m)
        book.prior_status[:m] = np.where(a[rows.ROW_ARE_END_MONTH, :m] > t, 1, 2)
        candidates = np.sort(rng.choice(m, size=int(rng.integers(1, 12)), replace=False)).astype(np.int64)
        viable = rng.random(m) < 0.2
        viable[candidates] = True
        expected = viable.copy()
        processes._stay_while_are_lasts(book, p, a[:, :m], expected, np.zeros(m, dtype=bool), t, candidates.copy())  # noqa: SLF001
        before = viable.copy()
        out = np.zeros(m + 4, dtype=np.int64)
        out[: len(candidates)] = candidates
        gain_net = np.full((2, len(candidates)), np.nan)
        done = kernels.hold_back(
            a, out, len(candidates), t, tables.cost, tables.kernel_constants, float(p.fixed_pay_share),
            float(p.min_gross_cents), float(p.are_cumul_reduction_rate), float(p.are_average_cents), float(p.rsa_cents),
            float(p.prime_activite_earnings_share), float(p.min_income_gain_share_on_are), viable, gain_net,
        )  # fmt: skip
        if done:
            decided += 1
            held += int((before & ~viable).sum())
            assert viable.tobytes() == expected.tobytes(), trial
            gain, net = processes._income_gains(book, p, a[:, :m], candidates, t)  # noqa: SLF001
            assert gain_net.tobytes() == np.array([gain, net]).tobytes(), trial
        else:
            handed_back += 1
            assert viable.tobytes() == before.tobytes(), trial
    assert decided > 10 and handed_back > 5 and held > 10  # both ways taken, and conversions held back


def test_each_flow_constant_is_the_place_of_its_column() -> None:
    """The month's flows are a list in ``FLOW_COLUMNS`` order (``Book.flows``): ``F_<NAME>`` is the place of ``<name>``."""
    from simcoop.model import book

    for place, name in enumerate(book.FLOW_COLUMNS):
        assert getattr(book, f"F_{name.upper()}") == place, name
    assert [book.FLOW_COLUMNS[place] for place in book.DESTINATION_FLOW_PLACES] == list(book.DESTINATION_FLOWS)
    assert {reason: book.FLOW_COLUMNS[place] for reason, place in book.MOTIVE_FLOW_PLACES.items()} == book.MOTIVE_FLOWS
    assert [book.FLOW_COLUMNS[place] for _, place in book.CS_CLOSE_FLOWS] == [
        "financing_received_cents", "financing_repaid_cents", "interest_cents", "capital_repaid_cents", "allocations_paid_cents",
        "public_funding_earned_cents", "public_funding_recovered_cents", "public_funding_cents",
    ]  # fmt: skip

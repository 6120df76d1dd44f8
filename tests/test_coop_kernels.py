"""The cooperative's month by its kernels (``kernels.coop_month``, ``kernels.month_stocks``) is the Python code, bit for bit.

The cooperative's numbers live in one array, ``Book.cs``, which the kernels work on in place.
Each test runs the kernel on one book and the Python code it replaces on a twin book, month
after month on random states (hires due, sites opening, a team too small for its caseload with
cash or without, delays or none, membership dues with their December floor, receivables of
closed activities), and compares every number: the book's array, the sites' teams and hires,
the dues of the year, the receivables and the month's flows. The whole-run equality of both
paths is checked by ``tests/test_kernels.py`` (and by ``benchmarks/output_hashes.py``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simcoop
from simcoop.model import kernels, processes
from simcoop.model.book import ASSOCIE, CAPE, CESA, F_RSA_ENTRIES, F_TURNOVER_CENTS, SORTIE, STOCK_COLUMNS, Book
from simcoop.model.columns import ROW_TREASURY_CENTS
from simcoop.model.params import model_params

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not kernels.ENABLED, reason="numba not installed or SIMCOOP_NO_NUMBA set")


def _params(rng: np.random.Generator, seed: int) -> Any:
    """The reference's parameters with random staffing rules, dues and rent (one site)."""
    p = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    assert p.n_sites == 1
    n_dues = int(rng.integers(0, 4))
    return dataclasses.replace(
        p,
        hire_above_caseload=float(rng.choice([5.0, 20.0, 45.5])),
        hiring_step_fte=float(rng.choice([0.5, 1.0, 0.2])),
        recruitment_delay_months=int(rng.choice([0, 0, 3])),
        hiring_freeze_months=float(rng.choice([0.0, 2.0, 6.5])),
        support_ratio=float(rng.choice([0.0, 0.25, 0.1])),
        support_fte_per_100_entrepreneurs=float(rng.choice([0.0, 1.5, 0.7])),
        site_opening=np.array([int(rng.choice([0, 0, 5]))], dtype=np.int64),
        site_fte_at_opening=np.array([float(rng.choice([1.0, 1.5, 0.8]))]),
        rent_cents_by_month=np.rint(rng.uniform(0.0, 3e5, len(p.rent_cents_by_month))),
        dues_rate=rng.choice([0.001, 0.01, 0.0033], n_dues),
        dues_on_turnover=rng.random(n_dues) < 0.5,
        dues_floor_cents=np.rint(rng.uniform(0.0, 2e6, n_dues)),
        setup_cents=int(rng.integers(0, 5_000_000)) if seed % 2 else 0,
    )


def _twins(p: Any) -> list[Book]:
    return [Book(p, capacity=64), Book(p, capacity=64)]


def _flows(book: Book) -> bytes:
    return np.array(book.flows).tobytes()


@pytest.mark.parametrize("seed", range(8))
def test_the_cooperative_month_kernel_is_the_python_code(seed: int) -> None:
    """``_coop_month`` (``kernels.coop_month``) against ``_coop_month_python`` (``_staffing``, ``_structure_costs``,
    ``_headcount_band`` and the ledger), 120 months on random states: every number bit for bit."""
    rng = np.random.default_rng(seed)
    p = _params(rng, seed)
    c = processes._constants(p)  # noqa: SLF001
    books = _twins(p)
    kernel_months = hires = 0
    for t in range(p.horizon_months):
        calendar = int(p.calendar_month[t])
        rates = p.payroll_by_band[books[0].size_band][t]
        m = int(rng.integers(0, 120))
        counts = [int(x) for x in rng.integers(0, 40, 3)]
        contributions = float(np.rint(rng.uniform(0.0, 5e6)))
        capital_in = float(rng.choice([0.0, 10_000.0]))
        turnover = float(np.rint(rng.uniform(0.0, 5e7)))
        pending = np.rint(rng.uniform(0.0, 1e6, books[0].slots))
        due = np.rint(rng.normal(0.0, 1e6, books[0].funding_due.shape))
        if rng.random() < 0.15:  # a term that is not a whole cent: the kernel hands the month back when it needs the sum
            due[0, -1] += 0.5
        left = np.rint(rng.uniform(0.0, 1e5, books[0].advance_left.shape))
        state = (float(np.rint(rng.normal(0.0, 3e7))), float(np.rint(rng.uniform(0.0, 2e7))), float(np.rint(rng.uniform(0.0, 1e6))))
        if rng.random() < 0.25:  # the cash for hiring exactly at the freeze: a hire (>=)
            receivable = float(due[:, t + 1 :].sum() - left.sum()) - state[2]
            state = (p.hiring_freeze_months * state[1] - max(receivable, 0.0), state[1], state[2])
        if rng.random() < 0.1:  # a hire due this month
            books[0].site_hire_month[0] = books[1].site_hire_month[0] = t
        results = []
        for book, use_kernel in zip(books, (True, False), strict=True):
            book.m = m
            book.stage_count[CAPE], book.stage_count[CESA], book.stage_count[ASSOCIE] = counts
            book.flows[F_TURNOVER_CENTS] += turnover
            book.coop_pending[:] = pending
            book.funding_due[...] = due
            book.advance_left[...] = left
            book.own_treasury_cents, book.last_costs_cents, book.dailly_outstanding_cents = state
            if use_kernel:
                before = book.cs.copy(), book.site_staff.copy(), book.site_hire_month.copy()
                done = processes._coop_month(book, p, rates, calendar, t, contributions, capital_in, c)  # noqa: SLF001
                if done:
                    kernel_months += 1
                else:  # handed back: nothing changed, and the Python code runs
                    assert book.cs.tobytes() == before[0].tobytes() and book.site_staff.tobytes() == before[1].tobytes()
                    assert book.site_hire_month.tobytes() == before[2].tobytes()
                    processes._coop_month_python(book, p, rates, calendar, t, contributions, capital_in, c)  # noqa: SLF001
            else:
                processes._coop_month_python(book, p, rates, calendar, t, contributions, capital_in, c)  # noqa: SLF001
            results.append((book.cs.tobytes(), book.site_staff.tobytes(), book.site_hire_month.tobytes(), book.dues_year_cents.tobytes(),
                            book.coop_pending.tobytes(), _flows(book), book.size_band, list(book.years_at_or_above)))  # fmt: skip
        assert results[0] == results[1], t
        hires += books[0].site_staff[0] != books[1].site_staff[0] or books[0].site_hire_month[0] >= 0
    assert kernel_months > p.horizon_months // 2
    assert books[0].staff_fte > p.site_fte_at_opening[0] or books[0].site_hire_month[0] >= 0 or hires  # the team grew or a hire is due


@pytest.mark.parametrize("m", [0, 1, 7, 150])
def test_the_month_stocks_kernel_is_book_stocks(m: int) -> None:
    """``kernels.month_stocks`` writes ``Book.stocks`` into the recorder's row bit for bit, signs of zero included,
    sets the own treasury and the month's costs, and hands back (False, nothing written) any sum with a term
    that is not a whole cent within range."""
    rng = np.random.default_rng(m)
    p = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    for month in (0, 5, 119):
        book = Book(p, capacity=4 * m + 64)
        book.m = m
        for array in (book.a[ROW_TREASURY_CENTS], book.pending, book.coop_pending, book.funding_due, book.advance_left, book.capital_due,
                      book.allocations_due):  # fmt: skip
            array[...] = np.rint(rng.normal(0.0, 1e7, array.shape))
            array[rng.random(array.shape) < 0.2] = -0.0
        book.cs[:] = np.rint(rng.normal(0.0, 1e8, book.cs.shape))
        book.cs[rng.random(book.cs.shape) < 0.2] = -0.0
        book.staff_fte, book.support_fte = 2.5, 0.7
        book.stage_count[:] = [int(x) for x in rng.integers(0, 50, 5)]
        for _ in range(int(rng.integers(0, 4))):
            book.waiting[0].append((0, 0, False))
        costs = float(np.rint(rng.uniform(0.0, 1e7)))
        row = np.full(len(STOCK_COLUMNS), np.nan)
        count = book.stage_count
        args = (book.a, m, book.pending, book.coop_pending, book.funding_due, book.advance_left, book.capital_due, book.allocations_due, month,
                book.cs, count[CAPE], count[CESA], count[ASSOCIE], count[SORTIE], len(book.waiting[0]), costs, row)  # fmt: skip
        expected = book.stocks(month)
        assert kernels.month_stocks(*args)
        assert row.tobytes() == np.array(list(expected.values()), dtype=np.float64).tobytes()
        assert book.own_treasury_cents == expected["coop_treasury_cents"] and book.last_costs_cents == costs
        before = book.cs.tobytes()
        book.capital_due[-1] = 0.5
        row[:] = np.nan
        assert not kernels.month_stocks(*args)
        assert np.isnan(row).all() and book.cs.tobytes() == before


def test_the_kernels_sum_as_numpy_does() -> None:
    """``kernels.add_reduce`` (which adds the month's hours and ARE months saved) is ``np.add.reduce`` bit for
    bit on this numpy, signs of zero included, up to its 128 terms; beyond, NaN (numpy adds them)."""
    assert kernels.pairwise_is_numpys()
    rng = np.random.default_rng(7)
    for n in [*range(40), 63, 64, 65, 127, 128]:
        values = np.rint(rng.normal(0.0, 1e6, n)) / 7.0
        for x in (values, -values, np.full(n, -0.0), np.abs(values) * 1e-12):
            assert np.float64(kernels.add_reduce(x)).tobytes() == np.float64(np.add.reduce(x)).tobytes(), n
    assert np.isnan(kernels.add_reduce(np.ones(129)))


class _Entering:
    """A stand-in for the parcours: the people whose parcours ``_start_taken`` starts, in order."""

    def __init__(self) -> None:
        self.started: list[int] = []

    def enter_all(self, first: int, stop: int) -> None:
        self.started.extend(range(first, stop))


@pytest.mark.parametrize("seed", range(6))
def test_the_entrants_kernel_is_the_python_code(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``_start_taken`` with ``kernels.entrants`` opens the same activities as its numpy path (``_open_entrants``):
    sectors, mature turnovers, prior statuses, ARE end months (every age band), zones and sites, bit for bit, from
    the same draws, and leaves the streams at the same place."""
    rng = np.random.default_rng(seed)
    base = model_params(simcoop.load_scenario(ROOT / "scenarios" / "reference.yaml"))
    share = float(rng.uniform(0.2, 0.8))
    p = dataclasses.replace(
        base, are_share=share, rsa_share=float(rng.uniform(0.0, 1.0 - share)), are_aged_older_share=float(rng.uniform(0.0, 0.4)),
        are_aged_between_share=float(rng.uniform(0.0, 0.4)), are_max_months=int(rng.integers(6, 25)),
        are_max_months_between=float(rng.integers(20, 31)), are_max_months_older=float(rng.integers(27, 37)),
    )  # fmt: skip
    months = [[(int(rng.integers(0, 3)), 0, bool(rng.random() < 0.2)) for _ in range(int(rng.integers(0, 9)))] for _ in range(60)]
    books, draws = [], []
    for enabled in (True, False):
        book = Book(p, capacity=8, compiled=True)
        book.parcours = _Entering()
        streams = processes._Draws(simcoop.streams.replication_streams(seed, 0), p)  # noqa: SLF001
        monkeypatch.setattr(kernels, "ENABLED", enabled)
        for t, taken in enumerate(months):
            if taken:
                processes._start_taken(None, book, p, streams, list(taken), t)  # noqa: SLF001
        books.append(book)
        draws.append((streams.activities.random(), streams.status.take(1).tolist()))
    x, y = books
    assert x.n == y.n > 100 and x.parcours.started == y.parcours.started
    assert x.a[:, : x.m].tobytes() == y.a[:, : y.m].tobytes() and x.prior_status[: x.n].tobytes() == y.prior_status[: y.n].tobytes()
    assert (x.sector, x.first_stage, x.zone, x.site, x.entry_month) == (y.sector, y.first_stage, y.zone, y.site, y.entry_month)
    assert np.array(x.mature).tobytes() == np.array(y.mature).tobytes()
    assert x.flows == y.flows and x.flows[F_RSA_ENTRIES] > 0 and draws[0] == draws[1]
    assert set(x.prior_status[: x.n].tolist()) == {0, 1, 2}

"""The reference scenario's KPIs, against the golden file (regenerate: python -m tests.golden.regenerate)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.golden.regenerate import GOLDEN_FILE, golden_summary


def test_reference_kpis_match_the_golden_file() -> None:
    expected = pd.read_csv(GOLDEN_FILE)
    got = golden_summary().reset_index(drop=True)
    assert got["kpi"].tolist() == expected["kpi"].tolist(), "KPI list changed: regenerate the golden file"
    assert got["n"].tolist() == expected["n"].tolist()
    for column in ("mean", "p50"):
        a, b = got[column].to_numpy(float), expected[column].to_numpy(float)
        both_nan = np.isnan(a) & np.isnan(b)
        close = np.isclose(a, b, rtol=1e-9, atol=1e-6) | both_nan
        changed = [f"{k}: {x} != {y}" for k, x, y, ok in zip(got["kpi"], a, b, close, strict=True) if not ok]
        assert not changed, "reference KPIs changed (regenerate only if intended):\n" + "\n".join(changed)

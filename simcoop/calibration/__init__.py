"""Calibration: a CAE's own records -> the scenario's parameters, and the backtest against observed years.

- ``records``: the enDI-shaped tables of a CAE, read and checked;
- ``fit``: estimates (rates, hazards, seasonality) with their intervals -> a calibrated scenario;
- ``backtest``: simulated years against observed ones.
"""

from simcoop.calibration.backtest import NON_FIGURES, ObservedError, backtest, coverage, format_table, read_observed
from simcoop.calibration.fit import Calibration, Estimate, calibrate
from simcoop.calibration.outputs import calibrated_yaml, fit_report
from simcoop.calibration.records import Records, RecordsError, load_mapping, read_records

__all__ = [
    "Calibration",
    "Estimate",
    "NON_FIGURES",
    "ObservedError",
    "Records",
    "RecordsError",
    "backtest",
    "calibrate",
    "calibrated_yaml",
    "coverage",
    "fit_report",
    "format_table",
    "load_mapping",
    "read_observed",
    "read_records",
]

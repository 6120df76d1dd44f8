"""The French report a collectivité reads: ``report.html`` and ``report.pdf`` from a run folder.

Reads the run folder only (never the model). ``write_report(run_dir)`` writes both
files (and, with ``note=True``, the 2-4 page note de synthèse); ``render_html(run_dir)``
returns the HTML.
"""

from simcoop.report.data import NotARunFolder, RunData, is_run_folder, load_run
from simcoop.report.note import NOTE_HTML, NOTE_PDF
from simcoop.report.render import REPORT_HTML, REPORT_PDF, render_html, write_report
from simcoop.report.tables import ReaderError

__all__ = [
    "NOTE_HTML",
    "NOTE_PDF",
    "ReaderError",
    "REPORT_HTML",
    "REPORT_PDF",
    "NotARunFolder",
    "RunData",
    "is_run_folder",
    "load_run",
    "render_html",
    "write_report",
]

"""The ``simcoop`` command line: one module per command group, its options beside its handler.

``main`` (``simcoop.cli.main``) builds the parser from each module's ``add_parser`` and
calls the handler the command set. Exit codes: 0 success; 1 the run failed; 2 bad input.
"""

from simcoop.cli.main import main

__all__ = ["main"]

"""``python -m simcoop.cli``: the ``simcoop`` command."""

import sys

from simcoop.cli.main import main

sys.exit(main())

"""Studies: many runs of one or several scenarios on common random numbers.

- ``batch``: several scenarios on the same seed over one pool (``simulate_many``);
- ``compare``: scenarios side by side, each against the first, with paired intervals;
- ``sensitivity``: one assumption at a time, low and high (the tornado chart);
- ``gsa``: global sensitivity (Morris screening, Sobol indices);
- ``precision``: replications until a stated precision;
- ``solve``: the smallest change that makes the verdict favourable (``solve_guess``: the
  start-up search's guesses of its next candidate, and the ends it cannot reach);
- ``ranking``: candidate territories ranked on the same seed.
"""

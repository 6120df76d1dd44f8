"""Networks of CAE: several cooperatives opened over time, and their UES governance.

- ``simulate``: a network file read and simulated member by member (``simulate_network``);
- ``governance``: the UES vote rule and the colleges.
"""

from simcoop.network.simulate import NETWORK_MEASURES, governance_table, load_network, simulate_network

__all__ = ["NETWORK_MEASURES", "governance_table", "load_network", "simulate_network"]

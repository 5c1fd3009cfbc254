"""The demo: ``make demo`` runs ``python -m offchain.demo``.

- :mod:`offchain.demo.scenario`: the scenario (tenants, pools, leases, anchors) as client calls,
  shared with ``ape run demo``.
- :mod:`offchain.demo.runner`: starts Anvil, deploys, runs the scenario, starts the mirror and API
  and prints the summary.
"""

"""fairscreen: background screening that is lawful by construction.

The packages follow the six steps of the screening procedure (consent, scope, sources and
verify, feedback, vault, retention) plus the rating engine and the evidence ledger; `pipeline`
reads the steps top to bottom.
"""

__version__ = "0.1.0"

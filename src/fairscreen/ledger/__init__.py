"""The evidence ledger (上鏈固化): a tamper-evident Merkle log of every state change.

Entries hold no personal data: event type, time, organisation, a pseudonymous subject reference,
the request reference, item codes, policy and rule-set versions, and a salted commitment to the
off-log record. ``entry.py`` defines the entry; the log, its checkpoints, proofs, serving and the
regulator's witness live beside it.
"""

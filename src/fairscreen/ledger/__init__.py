"""The evidence ledger (上鏈固化): a tamper-evident Merkle log of every state change.

Entries hold no personal data and no outcome: event type, time, organisation, pseudonyms of the
candidate and the check derived from the candidate's data key, the items consented to, scoped and
queried, policy and rule-set versions, and a salted commitment to the off-log row, which names
its entry (docs/ledger.md, "What an entry says"). ``entry`` defines the entry and ``record`` is
the one way domains put one on the log; the log, checkpoints, proofs, serving, verification and
the regulator's witness live beside them. The ledger imports no domain: its verifier is handed
the committed tables (``verify.Records``).
"""

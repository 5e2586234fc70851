"""Step 6, 到期銷毀 expiry destruction: every row of a person deleted when their retention ends
or on their request, their data key last (crypto-shredding for every copy of the database),
made durable before it is reported (``erasure``), with a destruction certificate on the ledger;
legal holds and deletion requests (``deletion``); ``compact`` for what only the operator's
database maintenance reaches (docs/retention.md)."""

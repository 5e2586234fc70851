"""Off-site checks (非現場檢查): rules as data over the evidence ledger, run incrementally from
the last checked index, each signal with its evidence as ledger indexes and inclusion proofs
(docs/supervision.md)."""

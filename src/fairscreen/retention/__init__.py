"""Step 6, 到期銷毀 expiry destruction: personal data destroyed when its retention ends or on
request, by destroying the candidate's data key (crypto-shredding), with a destruction
certificate on the ledger."""

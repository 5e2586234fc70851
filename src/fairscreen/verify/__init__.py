"""Step 3, 多源驗證 multi-source verification: identity on strong keys, corroboration for
adverse findings, lookback windows and provenance, item by item (``checks``); the reference
screener for free-text references (``references``)."""

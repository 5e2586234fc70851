"""Accounts and access: organisations' staff, candidates' own accounts, sessions, second
factors, API tokens, and the one permission policy (``permissions.toml``, ``policy``) that every
HTTP route and service applies; the access log of who read a candidate's data (docs/api.md)."""

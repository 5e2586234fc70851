"""A check request: one candidate screened for one position, from consent to report."""

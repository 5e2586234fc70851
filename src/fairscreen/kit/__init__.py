"""Shared pieces every step uses: settings, database, identifiers, canonical JSON, errors."""

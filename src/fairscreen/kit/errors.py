"""The errors fairscreen raises on purpose; each names the place that is wrong."""

from __future__ import annotations


class FairscreenError(Exception):
    """Base class for errors a user can act on (bad input, refused operation)."""


class InputError(FairscreenError):
    """Bad input: ``where`` names the file, line and JSON path (or the field) that is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class PolicyError(FairscreenError):
    """A policy pack or rule set that does not load or contradicts itself."""


class ConsentError(FairscreenError):
    """An operation the candidate's consent does not cover."""

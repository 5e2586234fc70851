"""The shape of the phrase tables, and the categories of remark they cover."""

from __future__ import annotations

MISCONDUCT = ("dishonesty", "violence", "safety", "confidentiality", "harassment")
FORBIDDEN = (
    "marriage_romance",
    "pregnancy",
    "health_condition",
    "religion",
    "ethnicity",
    "household_registration",
    "union_political",
    "sexual_orientation",
    "litigation_as_plaintiff",
)

# kind -> (template, phrased as hearsay) for every template of that kind
Templates = dict[str, tuple[tuple[str, bool], ...]]


def plain(*texts: str) -> tuple[tuple[str, bool], ...]:
    """Templates that are not hearsay."""
    return tuple((t, False) for t in texts)

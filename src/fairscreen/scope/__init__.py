"""Step 2, 確定範圍 scope: what a check may cover, fixed and stored before any source is queried."""

from fairscreen.scope.rules import Scope, fix_scope

__all__ = ["Scope", "fix_scope"]

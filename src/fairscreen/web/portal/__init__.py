"""The portals: server-rendered pages for candidates, employer and agency staff, and the labour
inspector, in three languages, over the same services and permissions as the JSON API."""

from __future__ import annotations

from fairscreen.web.portal.app import install

__all__ = ["install"]

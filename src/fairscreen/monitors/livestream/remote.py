"""An operator's own model server behind the detector interface.

The protocol (``fairscreen-livestream-detect/1``) is one HTTP request per room::

    POST <url>                      Content-Type: application/json
    {"protocol": "fairscreen-livestream-detect/1",
     "room": {"room": "R-0001", "categories": ["ordinary_food"], "products": ["燕麦片"]},
     "rules": ["absolute_terms", "medical_claims", ...],
     "segments": [{"index": 0, "start_ms": 0, "end_ms": 4200, "text": "..."}, ...]}

    200 {"findings": [{"segment": 0, "rule": "absolute_terms", "score": 93}, ...]}

``score`` is a whole number 0..100; a finding is kept at or above the threshold (50 unless
told). The room carries no host and no firm: the server reads speech, not who said it. Any other
status, a timeout, or an answer that does not follow the protocol is a ``ConfigError`` naming the
server and the field, and the run stops before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from fairscreen.kit.errors import ConfigError
from fairscreen.monitors.livestream.detect import Finding
from fairscreen.monitors.livestream.format import Room
from fairscreen.monitors.livestream.pack import SEGMENT_RULES

PROTOCOL = "fairscreen-livestream-detect/1"


def request_body(room: Room) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL,
        "room": {
            "room": room.room,
            "categories": sorted(room.categories),
            "products": list(room.products),
        },
        "rules": list(SEGMENT_RULES),
        "segments": [
            {"index": s.index, "start_ms": s.start_ms, "end_ms": s.end_ms, "text": s.text}
            for s in room.segments
        ],
    }


class RemoteDetector:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        threshold: int = 50,
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"model server {url!r}: an http:// or https:// URL")
        self.url = url
        self.name = "remote"
        self.threshold = threshold
        self._client = client or httpx.Client(timeout=timeout, headers=dict(headers or {}))

    def close(self) -> None:
        self._client.close()

    def detect(self, room: Room) -> list[Finding]:
        where = f"model server {self.url}"
        try:
            answer = self._client.post(self.url, json=request_body(room))
        except httpx.HTTPError as exc:
            raise ConfigError(f"{where}: no answer ({type(exc).__name__}: {exc})") from None
        if answer.status_code != 200:
            raise ConfigError(f"{where}: answered HTTP {answer.status_code}, not 200")
        try:
            doc = answer.json()
        except ValueError:
            raise ConfigError(f"{where}: the answer is not JSON") from None
        items = doc.get("findings") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise ConfigError(f"{where}: answer field findings: a list is required")
        by_index = {s.index: s for s in room.segments}
        found: list[Finding] = []
        for n, item in enumerate(items):
            at = f"{where}: answer field findings[{n}]"
            if not isinstance(item, dict):
                raise ConfigError(f"{at}: an object is required")
            segment, rule, score = item.get("segment"), item.get("rule"), item.get("score")
            if not isinstance(segment, int) or segment not in by_index:
                raise ConfigError(f"{at}.segment: not a segment of room {room.room}")
            if rule not in SEGMENT_RULES:
                raise ConfigError(f"{at}.rule: one of {', '.join(SEGMENT_RULES)}")
            if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
                raise ConfigError(f"{at}.score: a whole number 0..100")
            if score >= self.threshold:
                s = by_index[segment]
                found.append(
                    Finding(str(rule), s.index, s.start_ms, s.end_ms, s.text, self.name, score)
                )
        return found

"""A small builder of world files for tests: synthetic people only (ID division 99xxxx)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fairscreen.kit.cnid import make_cn_resident_id
from fairscreen.policy.pack import load_pack
from fairscreen.world.load import WorldStore, load_world

PACK = load_pack()
AS_OF = "2026-11-20"


class WorldBuilder:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = [
            {
                "type": "world",
                "format": "fairscreen-world",
                "version": "1.0",
                "jurisdiction": "CN",
                "as_of": AS_OF,
            },
            {"type": "organisation", "id": "E1", "kind": "employer", "name": "測試僱主有限公司"},
            {"type": "organisation", "id": "A1", "kind": "agency", "name": "測試背調機構"},
        ]
        for category in PACK.categories:
            self.lines.append(
                {
                    "type": "position",
                    "id": f"P-{category}",
                    "employer": "E1",
                    "title": category,
                    "category": category,
                }
            )
        self._seq = 0
        self._records = 0

    def candidate(
        self,
        category: str = "general_office",
        *,
        name: str = "測試人",
        birth: date = date(1990, 5, 17),
        items: list[str] | None = None,
        consent: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        self._seq += 1
        number = make_cn_resident_id("990999", birth, self._seq % 1000)
        allowed = sorted(PACK.category(category).items)
        chosen = items if items is not None else [str(i) for i in allowed]
        line: dict[str, Any] = {
            "type": "candidate",
            "id": f"C{self._seq}",
            "name": name,
            "id_document": {"kind": "cn_resident_id", "number": number},
            "birth_date": birth.isoformat(),
            "applies_to": f"P-{category}",
            "claims": {"education": [], "employment": []},
            "consent": {
                "id": f"K{self._seq}",
                "items": chosen,
                "separate_items": [i for i in chosen if PACK.items[i].separate_consent],  # type: ignore[index]
                "purpose": "pre_employment_screening",
                "recipient": "E1",
                "agency": "A1",
                "signed_at": "2026-11-01T09:00:00+08:00",
            }
            if consent
            else None,
            **extra,
        }
        self.lines.append(line)
        self.record("identity_record", line, status="valid")
        return line

    def record(
        self,
        type_: str,
        owner: dict[str, Any] | None = None,
        *,
        subject: dict[str, Any] | None = None,
        **body: Any,
    ) -> dict[str, Any]:
        """A record of ``type_``; its subject is ``owner`` (a candidate line) unless given."""
        self._records += 1
        rec: dict[str, Any] = {"type": type_, "id": f"R{self._records}"}
        if subject is not None:
            rec["subject"] = subject
        elif owner is not None:
            rec["subject"] = self.subject(owner)
        rec.update(body)
        self.lines.append(rec)
        return rec

    @staticmethod
    def subject(candidate: dict[str, Any], **changes: Any) -> dict[str, Any]:
        subject = {
            "name": candidate["name"],
            "id_number": candidate["id_document"]["number"],
            "birth_date": candidate["birth_date"],
        }
        subject.update(changes)
        return subject

    @staticmethod
    def party(candidate: dict[str, Any], role: str = "defendant", **changes: Any) -> dict[str, Any]:
        party = {
            "name": candidate["name"],
            "id_number": candidate["id_document"]["number"],
            "role": role,
        }
        party.update(changes)
        return party

    def court_case(
        self, kind: str, cause: str, parties: list[dict[str, Any]], **body: Any
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "court": "測試區人民法院",
            "case_number": f"(2025)測民初{self._records + 1}號",
            "kind": kind,
            "cause": cause,
            "filed": "2025-01-10",
            "decided": "2025-06-10",
            "outcome": "convicted" if kind == "criminal" else "judgment_for_plaintiff",
            "parties": parties,
        }
        fields.update(body)
        return self.record("court_case", **fields)

    def reference(
        self,
        candidate: dict[str, Any],
        text: str,
        *,
        referee: str = "推薦人甲",
        language: str = "zh-Hans",
        organisation: str = "前僱主有限公司",
    ) -> dict[str, Any]:
        return self.record(
            "reference",
            candidate=candidate["id"],
            referee={"name": referee, "relationship": "colleague", "organisation": organisation},
            language=language,
            given="2026-11-10",
            text=text,
        )

    def write(self, path: Path) -> Path:
        path.write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines),
            encoding="utf-8",
        )
        return path

    @contextmanager
    def load(self, tmp_path: Path, name: str = "world.jsonl") -> Iterator[WorldStore]:
        with load_world(self.write(tmp_path / name)) as store:
            yield store

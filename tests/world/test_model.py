"""The trusted read of a loaded world's lines (``model.TRUSTED``): it gives the objects the
checked read gives, it skips only the checks written in Python, and only the store's reads use
it (the loader checks every line in full: ``test_load.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import orjson
import pytest
from pydantic import ValidationError

from fairscreen.sources.world import read_record
from fairscreen.synth import generate_world
from fairscreen.world import model
from fairscreen.world.load import load_world


def test_a_trusted_read_gives_the_objects_the_checked_read_gives(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    generate_world(path, candidates=300, seed=7)
    lines = path.read_bytes().splitlines()[1:]
    checked = [model.LINE.validate_json(line, strict=True) for line in lines]
    assert [model.LINE.validate_json(line, context=model.TRUSTED) for line in lines] == checked
    kinds = {type(line).__name__ for line in checked}
    assert {
        "CandidateRecord",
        "CourtCase",
        "CriminalCertificate",
        "EmploymentVerification",
    } <= kinds
    candidates = [line for line in checked if isinstance(line, model.CandidateRecord)]
    with load_world(path) as store:
        # the store's own reads: every candidate, and every record as the sources read it
        assert list(store.candidates(batch=7)) == candidates
        stored = [
            read_record(kind, body)
            for kind, body in store.db.execute("SELECT type, body FROM records ORDER BY rowid")
        ]
    external = get_args(model.ExternalRecord)
    assert stored == [line for line in checked if isinstance(line, external)]
    assert len(candidates) == 300 and len(stored) > 300


def test_trusted_skips_the_python_checks_only(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    generate_world(path, candidates=3, seed=7)
    raw = next(
        json.loads(line) for line in path.read_text().splitlines() if '"candidate"' in line[:30]
    )
    number = raw["id_document"]["number"]
    raw["id_document"]["number"] = number[:17] + ("0" if number[17] != "0" else "1")
    bad = orjson.dumps(raw)
    with pytest.raises(ValidationError, match="check character"):
        model.CandidateRecord.model_validate_json(bad)
    # a trusted read does not recompute the check character ...
    assert model.CandidateRecord.model_validate_json(bad, context=model.TRUSTED).id_document
    # ... but parses every type and constraint as always
    raw["birth_date"] = "1984-02-30"
    with pytest.raises(ValidationError, match="birth_date"):
        model.CandidateRecord.model_validate_json(orjson.dumps(raw), context=model.TRUSTED)
    # only the identical object trusts: an equal-looking context does not
    with pytest.raises(ValidationError, match="check character"):
        model.CandidateRecord.model_validate_json(bad, context={"trusted": True})

"""Loading world files: valid ones index, bad ones name the line and JSON path and leave nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fairscreen.world import model
from fairscreen.world.load import WorldError, court_key, load_world

CASES = Path(__file__).parent.parent / "fixtures" / "cases"


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(tmp_path: Path, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / "world.jsonl"
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return path


def test_the_case_worlds_load(tmp_path: Path) -> None:
    with load_world(CASES / "luo.jsonl") as world:
        summary = world.summary()
        assert (summary.candidates, summary.positions) == (1, 2)
        (luo,) = world.candidates()
        assert luo.name == "羅思琪"
        # the court register is searched by name or number: the Luo suit comes back by either
        wanted = (court_key("civil", "defendant"),)
        assert world.by_name_or_number("罗思琪", "000", wanted)
        assert world.by_name_or_number("nobody", luo.id_document.number, wanted)
        assert not world.by_name_or_number("罗思琪", "000", (court_key("civil", "plaintiff"),))


def _broken(tmp_path: Path, mutate: object) -> WorldError:
    lines = _lines(CASES / "luo.jsonl")
    assert callable(mutate)
    mutate(lines)
    path = _write(tmp_path, lines)
    before = set(Path("/tmp").glob("fairscreen-world-*.sqlite"))
    with pytest.raises(WorldError) as info:
        load_world(path)
    assert set(Path("/tmp").glob("fairscreen-world-*.sqlite")) <= before, (
        "a half-built store was left behind"
    )
    return info.value


def _candidate(lines: list[dict[str, object]]) -> dict[str, object]:
    return next(line for line in lines if line["type"] == "candidate")


def test_wrong_type_names_line_and_path(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        claims = _candidate(lines)["claims"]
        assert isinstance(claims, dict)
        claims["education"][0]["graduated"] = "twenty-ten"

    error = _broken(tmp_path, mutate)
    assert "line 6: $.claims.education[0].graduated:" in str(error)


def test_unknown_position_is_a_dangling_reference(tmp_path: Path) -> None:
    error = _broken(tmp_path, lambda lines: _candidate(lines).update(applies_to="P-NOWHERE"))
    assert "line 6: $.applies_to: 'P-NOWHERE' is not the id of any position" in str(error)


def test_unknown_category_names_the_pack(tmp_path: Path) -> None:
    error = _broken(tmp_path, lambda lines: lines[3].update(category="astronaut"))
    assert "line 4: $.category: unknown position category 'astronaut'" in str(error)


def test_consent_recipient_must_be_an_employer(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        consent = _candidate(lines)["consent"]
        assert isinstance(consent, dict)
        consent["recipient"] = "A-SANDBOX"  # an agency, not an employer

    assert "$.consent.recipient: 'A-SANDBOX' is not the id of any employer" in str(
        _broken(tmp_path, mutate)
    )


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        lines.append(dict(lines[6]))  # the identity record again

    error = _broken(tmp_path, mutate)
    assert "line 13: $.id: duplicate id 'ID-LUO' (first defined on line 7)" in str(error)


def test_reference_to_unknown_candidate(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        lines[-1]["candidate"] = "C-GHOST"

    assert "line 12: $.candidate: 'C-GHOST' is not the id of any candidate" in str(
        _broken(tmp_path, mutate)
    )


def test_bad_id_number_checksum(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        doc = _candidate(lines)["id_document"]
        assert isinstance(doc, dict)
        doc["number"] = "990104198803140425"

    error = _broken(tmp_path, mutate)
    assert error.problems == [
        "line 6: $.id_document.number: check character does not match (ISO 7064 MOD 11-2)"
    ]


def test_unknown_record_type_and_unknown_field(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        lines.append({"type": "horoscope", "id": "H1"})
        lines[6]["religion"] = "none"

    error = str(_broken(tmp_path, mutate))
    assert "line 13: $.type: unknown record type 'horoscope'" in error
    assert "line 7: $.religion: Extra inputs are not permitted" in error


def test_not_json_and_bad_header(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    path.write_text(
        '{"type": "world", "format": "fairscreen-world", "version": "9.9"}\n', encoding="utf-8"
    )
    with pytest.raises(
        WorldError, match=r"line 1: \$\.version: .*the first line must be the world header"
    ):
        load_world(path)
    path.write_text(
        path.read_text().replace("9.9", "1.0")[:-2]
        + ', "jurisdiction": "CN", "as_of": "2026-01-01"}\n{oops\n'
    )
    with pytest.raises(WorldError, match=r"line 2: \$: not JSON"):
        load_world(path)
    with pytest.raises(WorldError, match="cannot read"):
        load_world(tmp_path / "missing.jsonl")


def test_many_errors_are_listed_not_just_the_first(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        for line in lines[6:]:
            line["id"] = 5

    error = _broken(tmp_path, mutate)
    assert len(error.problems) == 6


def test_schema_file_is_the_models_schema() -> None:
    from importlib import resources

    shipped = json.loads(
        (resources.files("fairscreen.world") / "world.schema.json").read_text(encoding="utf-8")
    )
    assert shipped == model.json_schema(), (
        "regenerate with: fairscreen world schema > src/fairscreen/world/world.schema.json"
    )


def test_schema_accepts_the_case_worlds_independently() -> None:
    import jsonschema

    schema = model.json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(CASES.glob("*.jsonl")):
        for number, line in enumerate(_lines(path), start=1):
            errors = list(validator.iter_errors(line))
            assert not errors, f"{path.name}:{number}: {errors[0].message}"
    bad = {"type": "position", "id": "P1", "employer": "E1", "title": "x"}
    assert list(validator.iter_errors(bad)), (
        "a position without a category must fail the schema too"
    )


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (CASES / "luo.jsonl").read_bytes())
    with load_world(path) as world:
        assert world.summary().candidates == 1


@pytest.mark.parametrize(
    ("field", "path"),
    [("birth_date", "$.birth_date"), ("signed_at", "$.consent.signed_at")],
)
def test_a_number_is_not_read_as_a_date(tmp_path: Path, field: str, path: str) -> None:
    stamp = 631152000  # 1990-01-01 as a Unix timestamp

    def mutate(lines: list[dict[str, object]]) -> None:
        candidate = _candidate(lines)
        if field == "birth_date":
            candidate["birth_date"] = stamp
        else:
            consent = candidate["consent"]
            assert isinstance(consent, dict)
            consent["signed_at"] = stamp

    error = str(_broken(tmp_path, mutate))
    assert f"{path}: expected a date" in error and f"got {stamp}" in error


def test_a_number_is_not_read_as_a_record_date(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        case = next(line for line in lines if line["type"] == "court_case")
        case["filed"] = 1500000000

    assert '$.filed: expected a date as a string "YYYY-MM-DD", got 1500000000' in str(
        _broken(tmp_path, mutate)
    )


def test_bytes_that_are_not_utf8_are_named_by_line_and_offset(tmp_path: Path) -> None:
    data = (CASES / "luo.jsonl").read_bytes()
    lines = data.splitlines(keepends=True)
    at = lines[3].index(b'"title": "') + len(b'"title": "')  # inside the position's title
    lines[3] = lines[3][:at] + b"\xff" + lines[3][at:]
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b"".join(lines))
    with pytest.raises(WorldError) as info:
        load_world(path)
    offset = sum(len(line) for line in lines[:3]) + at
    assert f"line 4: not UTF-8: byte {at + 1} of the line is 0xff (byte offset {offset}" in str(
        info.value
    )
    assert "surrogates" not in str(info.value)
    assert len(info.value.problems) == 1, "the line's id still counts: no cascade of errors"


def test_a_long_error_list_says_how_many_it_leaves_out(tmp_path: Path) -> None:
    def mutate(lines: list[dict[str, object]]) -> None:
        lines.extend({"type": "nope", "id": f"N{i}"} for i in range(45))
        lines.extend(
            {**_candidate(lines), "id": f"C-X{i}", "applies_to": "P-NOWHERE"} for i in range(7)
        )

    error = _broken(tmp_path, mutate)
    assert len(error.problems) == 20 and error.total >= 45 + 7
    assert f"... and {error.total - 20} more problems ({error.total} in all" in str(error)

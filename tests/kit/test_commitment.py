from datetime import UTC, datetime, timedelta, timezone

from fairscreen.kit.commitment import commit, new_salt


def test_same_fields_same_commitment_other_salt_other_commitment() -> None:
    salt = new_salt()
    fields = {"light": "green", "at": datetime(2026, 11, 29, tzinfo=UTC), "blob": b"\x00\x01"}
    assert commit(salt, fields) == commit(salt, dict(reversed(fields.items())))
    assert commit(salt, fields) != commit(new_salt(), fields)


def test_any_change_changes_it() -> None:
    salt = new_salt()
    assert commit(salt, {"light": "green"}) != commit(salt, {"light": "blue"})


def test_times_are_normalised_to_utc() -> None:
    salt = new_salt()
    utc = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    assert commit(salt, {"at": utc}) == commit(salt, {"at": beijing})

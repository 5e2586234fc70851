"""Inspection codes: a visit's signed code, checked by anyone.

The code is a C2SP signed note (``ledger.note``, Ed25519 from ``cryptography``) by the
inspectorate's key, whose text names the visit, the organisation, the scenarios (what for), the
team (who comes) and the window (when)::

    fairscreen/inspection-code/v1
    {"org":"…","scenarios":["background_screening"],"team":[{"id":"…","name":"…"}],"visit":"…","window":["…","…"]}

The QR code (``segno``, SVG) carries the note as a link to the public check
(``{FAIRSCREEN_PUBLIC_URL}/api/v1/supervision/codes/{token}``, the token being the note in
URL-safe base64); the short code to type (``ABCD-EFGH-JKMN``, 60 bits of the SHA-256 of the
signed note in Crockford's base32) finds the visit's stored note, which is verified the same
way. A note not signed by the key, or one whose text was altered, is refused; a short code no
visit has is unknown. The key is ``{data_dir}/inspection-codes.key`` (0600, the ``sumdb/note``
private key text form, like the ledger's key; made by the first code issued, and never again
once codes depend on it); its public half is served at ``/api/v1/supervision/codes/key``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.errors import (
    ConfigError,
    ConflictError,
    FairscreenError,
    InputError,
    NotFoundError,
)
from fairscreen.kit.ids import new_id
from fairscreen.kit.settings import Settings, get_settings
from fairscreen.ledger.note import NoteError, Signer, Verifier, open_note, sign_note
from fairscreen.supervision.codes.guidance import LANGUAGES, guidance, guidance_codes
from fairscreen.supervision.codes.models import (
    InspectionFeedback,
    InspectionFinding,
    InspectionVisit,
)

HEADER = "fairscreen/inspection-code/v1"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_NOTE_TEXT = 2000
MAX_RULE = 64


class ForgedCodeError(FairscreenError):
    """A code whose signature does not verify: forged, altered, or of another inspectorate."""

    http_status = 422
    title = "code not genuine"


@dataclass(frozen=True, slots=True)
class Visit:
    """What a code vouches for (the plan's visits carry at least this)."""

    id: str
    org: str
    scenarios: tuple[str, ...]
    team: tuple[tuple[str, str], ...]  # (inspector id, name as on their warrant card)
    window: tuple[datetime, datetime]

    def claim(self) -> dict[str, Any]:
        return {
            "visit": self.id,
            "org": self.org,
            "scenarios": list(self.scenarios),
            "team": [{"id": i, "name": n} for i, n in self.team],
            # in UTC, as the database gives the times back (a zone is not part of the claim)
            "window": [t.astimezone(UTC).isoformat() for t in self.window],
        }


# -- the key ---------------------------------------------------------------------------------


def key_name(settings: Settings) -> str:
    return f"{settings.log_origin.split('/', 1)[0]}/inspection-codes"


def key_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "inspection-codes.key"


def load_code_signer(session: Session, *, create: bool, settings: Settings | None = None) -> Signer:
    """The inspectorate's signing key; made only when ``create`` and no code was signed yet."""
    settings = settings or get_settings()
    path = key_path(settings)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        issued = int(session.scalar(select(func.count()).select_from(InspectionVisit)) or 0)
        if issued or not create:
            raise ConfigError(
                f"{path}: the inspection-code key is missing"
                + (
                    f", and {issued} issued codes depend on it: restore it from backup"
                    if issued
                    else ""
                )
            ) from None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        signer = Signer.generate(key_name(settings))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_code_signer(session, create=False, settings=settings)
        with os.fdopen(fd, "w") as handle:
            handle.write(signer.secret_text() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return signer
    if mode & 0o077:
        raise ConfigError(f"{path}: the inspection-code key is readable by others; chmod 600 it")
    try:
        return Signer.parse(path.read_text())
    except (NoteError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not an inspection-code key ({exc})") from None


def code_verifier(session: Session, settings: Settings | None = None) -> Verifier:
    """The inspectorate's public key; before any code was issued there is none (404)."""
    settings = settings or get_settings()
    if (
        not key_path(settings).exists()
        and session.scalar(select(InspectionVisit.id).limit(1)) is None
    ):
        raise NotFoundError("no inspection code has been issued here yet")
    return load_code_signer(session, create=False, settings=settings).verifier


# -- codes -----------------------------------------------------------------------------------


def short_code(note: str) -> str:
    bits = int.from_bytes(hashlib.sha256(note.encode()).digest()[:8], "big") >> 4
    chars = "".join(_CROCKFORD[(bits >> (5 * k)) & 31] for k in reversed(range(12)))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _normal_short(code: str) -> str | None:
    text = code.upper().replace("-", "").replace(" ", "")
    text = text.translate(str.maketrans("OIL", "011"))
    if len(text) != 12 or any(c not in _CROCKFORD for c in text):
        return None
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def token_of(note: str) -> str:
    return base64.urlsafe_b64encode(note.encode()).decode().rstrip("=")


def check_url(note: str) -> str:
    from fairscreen.notify.settings import notify_settings

    return f"{notify_settings().public_url}/api/v1/supervision/codes/{token_of(note)}"


def qr_svg(note: str) -> str:
    out = io.BytesIO()
    segno.make(check_url(note), error="m").save(out, kind="svg", scale=4, xmldecl=False)
    return out.getvalue().decode()


def issue(session: Session, visit: Visit, *, now: datetime) -> dict[str, Any]:
    """Sign ``visit``'s code and store it; return the code, the token and the QR code."""
    if not visit.scenarios or not visit.team:
        raise InputError("visit", "a visit needs at least one scenario and one inspector")
    if visit.window[1] <= visit.window[0]:
        raise InputError("window", "the window must end after it starts")
    if session.get(InspectionVisit, visit.id) is not None:
        raise InputError("id", f"visit {visit.id} has a code already")
    signer = load_code_signer(session, create=True)
    text = f"{HEADER}\n{canonical_json(visit.claim()).decode()}\n".encode()
    note = sign_note(text, [signer])
    row = InspectionVisit(
        id=visit.id,
        org=visit.org,
        scenarios=list(visit.scenarios),
        team=[{"id": i, "name": n} for i, n in visit.team],
        window_start=visit.window[0],
        window_end=visit.window[1],
        code=short_code(note),
        note=note,
        issued_at=now,
    )
    session.add(row)
    session.flush()
    return {
        **view(session, row, verified=visit.claim()),
        "token": token_of(note),
        "qr_svg": qr_svg(note),
    }


def _open(note: str, verifier: Verifier) -> dict[str, Any]:
    try:
        opened, _ = open_note(note, [verifier])
    except NoteError:
        raise ForgedCodeError(
            "this code was not signed by the labour inspectorate's key "
            f"({verifier.text()}): it is forged or was altered; do not admit anyone on it, "
            "and report it to the inspectorate"
        ) from None
    lines = opened.text.decode().split("\n")
    if len(lines) != 3 or lines[0] != HEADER or lines[2] != "":
        raise ForgedCodeError("this signed note is not an inspection code")
    claim: dict[str, Any] = orjson.loads(lines[1])
    return claim


def _find(session: Session, code: str) -> tuple[InspectionVisit, dict[str, Any]]:
    verifier = code_verifier(session)
    short = _normal_short(code)
    if short is not None:
        row = session.scalar(select(InspectionVisit).where(InspectionVisit.code == short))
        if row is None:
            raise NotFoundError(
                f"no inspection has the code {short}: check what you typed; a code not on "
                "record is not genuine"
            )
        claim = _open(row.note, verifier)
        return row, claim
    try:
        padded = code + "=" * (-len(code) % 4)
        note = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError(
            "code", "neither a short code (ABCD-EFGH-JKMN) nor the QR code's token"
        ) from None
    claim = _open(note, verifier)
    row = session.get(InspectionVisit, str(claim.get("visit")))
    if row is None:
        raise NotFoundError(
            "the code is genuine but its visit is not on record: ask the inspectorate"
        )
    return row, claim


def view(session: Session, row: InspectionVisit, *, verified: dict[str, Any]) -> dict[str, Any]:
    """What the firm sees: the signed claim (as verified) and, after the visit, the findings
    with their 普法碼 guidance."""
    findings = list(
        session.scalars(
            select(InspectionFinding)
            .where(InspectionFinding.visit_id == row.id)
            .order_by(InspectionFinding.recorded_at, InspectionFinding.id)
        )
    )
    out: dict[str, Any] = {
        "genuine": True,
        "code": row.code,
        "visit": verified["visit"],
        "org": verified["org"],
        "scenarios": verified["scenarios"],
        "team": verified["team"],
        "window": {"start": verified["window"][0], "end": verified["window"][1]},
        "concluded_at": row.concluded_at.isoformat() if row.concluded_at else None,
        "findings": [],
    }
    for f in findings:
        g = guidance(f.guidance)
        out["findings"].append(
            {
                "rule": f.rule,
                "note": f.note,
                "guidance": {
                    "code": g.code,
                    "statute": g.statute,
                    "text": g.text,
                    "links": {lang: g.link(lang) for lang in LANGUAGES},
                },
            }
        )
    return out


def check(session: Session, code: str) -> dict[str, Any]:
    """The public check of a short code or a QR token: a genuine code's visit, or an error
    that says why the code is not genuine."""
    row, claim = _find(session, code)
    stored = {
        "visit": row.id,
        "org": row.org,
        "scenarios": row.scenarios,
        "team": row.team,
        "window": [t.astimezone(UTC).isoformat() for t in (row.window_start, row.window_end)],
    }
    if canonical_json(stored) != canonical_json(claim):
        raise ForgedCodeError(
            "the visit on record differs from what its code was signed for: the record was "
            "altered; report it to the inspectorate"
        )
    return view(session, row, verified=claim)


def record_findings(
    session: Session, code: str, findings: list[dict[str, str]], *, now: datetime
) -> dict[str, Any]:
    """After the visit: the inspector's findings (``rule``, ``guidance``, ``note``); the visit
    is concluded (an empty list: nothing found)."""
    row, _ = _find(session, code)
    if row.concluded_at is not None:
        raise InputError("code", f"visit {row.id} was concluded already")
    known = guidance_codes()
    for n, f in enumerate(findings):
        rule = str(f.get("rule") or "").strip()
        if not rule or len(rule) > MAX_RULE:
            raise InputError(
                f"findings[{n}].rule", f"the matter or rule found, 1 to {MAX_RULE} characters"
            )
        code_of = str(f.get("guidance") or "").strip()
        if code_of not in known:
            raise InputError(
                f"findings[{n}].guidance",
                f"no 普法碼 guidance {code_of!r} (known: {', '.join(sorted(known))})",
            )
        note = str(f.get("note") or "").strip()
        if not note or len(note) > MAX_NOTE_TEXT:
            raise InputError(
                f"findings[{n}].note", f"the inspector's words, 1 to {MAX_NOTE_TEXT} characters"
            )
        session.add(
            InspectionFinding(
                id=new_id(),
                visit_id=row.id,
                rule=rule,
                guidance=code_of,
                note=note,
                recorded_at=now,
            )
        )
    row.concluded_at = now
    session.flush()
    return check(session, row.code)


def give_feedback(
    session: Session, code: str, *, org: str | None, rating: int, text: str, by: str, now: datetime
) -> dict[str, Any]:
    """The firm's feedback on its visit, once the visit is concluded (``org``: the caller's
    organisation, which must be the visited one; None for the platform)."""
    row, _ = _find(session, code)
    if org is not None and row.org != org:
        raise NotFoundError(f"no inspection of your organisation has the code {row.code}")
    if row.concluded_at is None:
        raise ConflictError(
            f"visit {row.id} is not concluded yet: feedback opens once the inspector has "
            "recorded what the visit found"
        )
    if not 1 <= rating <= 5:
        raise InputError("rating", "a whole number from 1 to 5")
    if len(text) > MAX_NOTE_TEXT:
        raise InputError("text", f"at most {MAX_NOTE_TEXT} characters")
    feedback = InspectionFeedback(
        id=new_id(), visit_id=row.id, rating=rating, text=text, given_by=by, given_at=now
    )
    session.add(feedback)
    session.flush()
    return {"id": feedback.id, "visit": row.id, "rating": rating, "given_at": now.isoformat()}


def feedback_of(session: Session, code: str) -> list[dict[str, Any]]:
    """The feedback given on a visit, oldest first (for the inspectorate)."""
    row, _ = _find(session, code)
    return [
        {"rating": f.rating, "text": f.text, "given_at": f.given_at.isoformat()}
        for f in session.scalars(
            select(InspectionFeedback)
            .where(InspectionFeedback.visit_id == row.id)
            .order_by(InspectionFeedback.given_at, InspectionFeedback.id)
        )
    ]


def list_visits(
    session: Session, *, limit: int = 50, offset: int = 0
) -> tuple[int, list[InspectionVisit]]:
    """Every visit with a code, the window starting latest first, and how many there are."""
    total = int(session.scalar(select(func.count()).select_from(InspectionVisit)) or 0)
    rows = session.scalars(
        select(InspectionVisit)
        .order_by(InspectionVisit.window_start.desc(), InspectionVisit.id)
        .limit(limit)
        .offset(offset)
    )
    return total, list(rows)

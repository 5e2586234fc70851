"""``fairscreen supervision offsite|signals|evidence|verify-signal|code``: the regulator's off-site
checks and evidence, and inspection codes, from the command line (the same functions as
``/api/v1/supervision``), on the ``supervision`` app of ``supervision.cli``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from fairscreen.kit import cli as kit_cli
from fairscreen.kit.cli import aware_time
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import open_database
from fairscreen.kit.errors import InputError
from fairscreen.ledger.note import NoteError, Verifier
from fairscreen.supervision.cli import supervision_app

offsite_app = typer.Typer(
    help="Off-site checks (非現場檢查) over the ledger.", no_args_is_help=True
)
code_app = typer.Typer(help="Inspection codes (檢查碼).", no_args_is_help=True)
supervision_app.add_typer(offsite_app, name="offsite")
supervision_app.add_typer(code_app, name="code")
out = Console(highlight=False, soft_wrap=True)


@offsite_app.command("run")
def run_command(
    witness_state: Annotated[
        Path | None,
        typer.Option(help="a witness's state directory: its alarms become signals"),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="an off-site rule set (TOML) instead of the shipped one")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the run as JSON")] = False,
) -> None:
    """Check every ledger entry appended since the last run, and the deadlines due now."""
    from fairscreen.supervision.offsite import service
    from fairscreen.supervision.offsite.ruleset import load_ruleset

    ruleset = load_ruleset(rules)
    _, sessions = open_database()
    result = service.run_all(sessions, now=utcnow(), ruleset=ruleset, witness_state=witness_state)
    if as_json:
        out.print(json.dumps(result.as_json()))
        return
    where = (
        f"ledger entries {result.start}..{result.end - 1} ({result.read} new)"
        if result.read
        else f"no new ledger entries (the log has {result.end})"
    )
    out.print(
        f"checked {where} under {result.ruleset}"
        f"{' (published on the ledger now)' if result.published else ''}: "
        f"{result.opened} new signal(s), {result.closed} closed"
    )


@supervision_app.command("signals")
def signals_command(
    org: kit_cli.OrgOption = None,
    rule: kit_cli.RuleOption = None,
    open_only: kit_cli.OpenOption = False,
    limit: kit_cli.LimitOption = 50,
    as_json: kit_cli.JsonLinesOption = False,
) -> None:
    """The signals queue, newest first."""
    from fairscreen.supervision.offsite import service

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        total, rows = service.list_signals(
            session, org=org, rule=rule, open_only=open_only, limit=limit
        )
        views = [service.signal_json(row) for row in rows]
    kit_cli.print_rows(
        out,
        views,
        total=total,
        noun="signal",
        as_json=as_json,
        line=lambda v: (
            f"{v['id']}  {v['severity']:<8} {v['rule']:<26} org {v['org']}  "
            f"{v['opened_at']}  {kit_cli.state(v)}  entries {v['evidence']}"
        ),
    )


@supervision_app.command("evidence")
def evidence_command(
    signal_id: Annotated[str, typer.Argument(help="the signal's id")],
    out_file: Annotated[Path, typer.Option("--out", help="where to write the evidence (JSON)")],
) -> None:
    """Write a signal's evidence: its entries with inclusion proofs in a signed checkpoint."""
    from fairscreen.kit.files import atomic_write
    from fairscreen.supervision.offsite import evidence, service

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        doc = evidence.bundle(session, service.get_signal(session, signal_id))
    atomic_write(out_file, orjson.dumps(doc, option=orjson.OPT_INDENT_2), mode=0o644)
    out.print(f"wrote {out_file}: signal {signal_id}, {len(doc['entries'])} entries")


@supervision_app.command("verify-signal")
def verify_signal_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="a signal's evidence (supervision evidence, or the API's GET /signals/{id})"
        ),
    ],
    key: Annotated[
        str | None,
        typer.Option(help="the log's public key (fairscreen ledger key); default: this log's"),
    ] = None,
) -> None:
    """Check a signal's evidence with nothing but the log's public key: the checkpoint's
    signature, and each entry's inclusion proof. Exit 1 if anything does not verify."""
    from fairscreen.supervision.offsite.evidence import verify_bundle

    if key is not None:
        try:
            verifier = Verifier.parse(key)
        except NoteError as exc:
            raise typer.BadParameter(str(exc), param_hint="--key") from None
    else:
        from fairscreen.ledger.checkpoints import verifier_key

        verifier = verifier_key()
    try:
        doc = orjson.loads(file.read_bytes())
    except FileNotFoundError:
        raise InputError(str(file), "no such file") from None
    except orjson.JSONDecodeError as exc:
        raise InputError(str(file), f"not JSON ({exc})") from None
    verified = verify_bundle(doc, verifier, where=str(file))
    signal = doc["signal"]
    out.print(
        f"OK {file}: signal {signal.get('id')} ({signal.get('rule')}, org {signal.get('org')}): "
        f"{len(verified.entries)} entr{'y' if len(verified.entries) == 1 else 'ies'} in "
        f"{verified.origin}'s signed tree of size {verified.size}"
    )
    for item in verified.entries:
        out.print(f"  {item['index']}: {json.dumps(item['entry'], ensure_ascii=False)}")


@code_app.command("issue")
def issue_command(
    visit: Annotated[str, typer.Option(help="the visit's id (from the plan)")],
    org: Annotated[str, typer.Option(help="the organisation visited")],
    inspector: Annotated[
        list[str], typer.Option(help="ID=NAME of an inspector who comes (repeat)")
    ],
    start: Annotated[str, typer.Option(help="window start, ISO 8601 with zone")],
    end: Annotated[str, typer.Option(help="window end, ISO 8601 with zone")],
    scenario: Annotated[list[str] | None, typer.Option(help="what for (repeat)")] = None,
    qr: Annotated[Path | None, typer.Option(help="write the QR code here (SVG)")] = None,
) -> None:
    """Sign a visit's inspection code: prints the short code and the token."""
    from fairscreen.supervision.codes import service as codes
    from fairscreen.supervision.signals import BACKGROUND_SCREENING

    team = []
    for item in inspector:
        ident, sep, name = item.partition("=")
        if not sep or not ident or not name:
            raise typer.BadParameter(f"{item!r}: ID=NAME", param_hint="--inspector")
        team.append((ident, name))
    made = codes.Visit(
        visit,
        org,
        tuple(scenario or [BACKGROUND_SCREENING]),
        tuple(team),
        (aware_time(start, "--start"), aware_time(end, "--end")),
    )
    _, sessions = open_database()
    with sessions.begin() as session:
        issued = codes.issue(session, made, now=utcnow())
    if qr is not None:
        qr.write_text(issued["qr_svg"], encoding="utf-8")
    out.print(f"code {issued['code']}  (visit {visit})\ntoken {issued['token']}")


@code_app.command("check")
def check_command(code: Annotated[str, typer.Argument(help="a short code or a token")]) -> None:
    """Check a code as a firm would: the visit if genuine; exit 1 if forged or unknown."""
    from fairscreen.supervision.codes import service as codes

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        view = codes.check(session, code)
    out.print(json.dumps(view, ensure_ascii=False, indent=2))

"""``fairscreen model ...`` (the registry's cards) and ``fairscreen audit ...`` (the
counterfactual test, the bias audit, the proxy guard). docs/audit.md says what each checks."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from fairscreen.kit.errors import ExitCode, InputError

if TYPE_CHECKING:  # the audit's numpy and scipy load only when an audit command runs
    from fairscreen.audit.output import Report

model_app = typer.Typer(
    help="The model registry: the artefacts that shape a light, their versions and cards.",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="Proof that the model does not discriminate: counterfactual test, bias audit, proxies.",
    no_args_is_help=True,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

FORMATS = ("md", "html")


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _packs(jurisdiction: str, pack: Path | None, rules: Path | None) -> tuple[Any, Any]:
    from fairscreen.policy.pack import default_pack_for, load_pack_file
    from fairscreen.rating.engine import default_ruleset_for, load_ruleset_file

    policy = load_pack_file(pack) if pack is not None else default_pack_for(jurisdiction)
    ruleset = load_ruleset_file(rules, policy) if rules is not None else default_ruleset_for(policy)
    return policy, ruleset


# -- fairscreen model ---------------------------------------------------------------------------


PackOption = Annotated[Path | None, typer.Option(dir_okay=False, help="a policy pack file instead")]
RulesOption = Annotated[Path | None, typer.Option(dir_okay=False, help="a rule set file instead")]


@model_app.command("card")
def card_command(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", file_okay=False, help="directory to write the cards to")
    ],
    jurisdiction: Annotated[
        str, typer.Option(help="whose shipped policy pack and rule set (default: CN)")
    ] = "CN",
    pack: PackOption = None,
    rules: RulesOption = None,
    previous_pack: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="the pack's previous version (default: the archive's)"),
    ] = None,
    previous_rules: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="the rule set's previous version (default: archive's)"),
    ] = None,
    previous_lexicon: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="the reference screener's previous lexicon file"),
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option(help="zh-Hant, zh-Hans or en (repeat; default: all three)"),
    ] = None,
) -> None:
    """Write a public card per artefact that shapes a light (policy pack, rule set, reference
    screener, identity matching), in zh-Hant, zh-Hans and en, as Markdown and HTML: what it
    reads and never reads, each rule in plain words with its legal basis, measured accuracy,
    known limits, and what changed from the previous version."""
    import tomllib

    from fairscreen.audit import cards
    from fairscreen.kit.files import atomic_write
    from fairscreen.kit.text import read_text
    from fairscreen.policy.pack import load_pack_file
    from fairscreen.rating.engine import load_ruleset_file

    languages = language or list(cards.LANGUAGES)
    for lang in languages:
        if lang not in cards.LANGUAGES:
            raise InputError("--language", f"{lang!r} is not one of {', '.join(cards.LANGUAGES)}")
    policy, ruleset = _packs(jurisdiction, pack, rules)
    previous = cards.archived_previous(policy, ruleset)
    older = load_pack_file(previous_pack) if previous_pack is not None else None
    if older is not None:
        previous.pack = cards.snapshot_pack(older)
    if previous_rules is not None:
        base = older or policy
        previous.ruleset = cards.snapshot_ruleset(load_ruleset_file(previous_rules, base), base)
    if previous_lexicon is not None:
        data = read_text(previous_lexicon)
        try:
            lexicon = tomllib.loads(data)
            previous.lexicon = cards.snapshot_lexicon(lexicon, "")
        except (tomllib.TOMLDecodeError, KeyError) as exc:
            raise InputError(str(previous_lexicon), f"not a reference lexicon: {exc}") from None
    made = cards.cards(policy, ruleset, languages=languages, previous=previous)
    written = []
    for card in made:
        for fmt in FORMATS:
            text = cards.to_markdown(card) if fmt == "md" else cards.to_html(card)
            path = out_dir / cards.file_name(card, fmt)
            atomic_write(path, text.encode("utf-8"), mode=0o644)
            written.append(path)
    for card in made:
        if card.language == languages[0]:
            out.print(f"{card.artefact.kind:<20} {card.artefact.ref:<28} {card.artefact.digest}")
    err.print(f"wrote {len(written)} files to {escape(str(out_dir))}")


@model_app.command("snapshot")
def snapshot_command(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", file_okay=False, help="directory for the snapshots")
    ],
    jurisdiction: Annotated[str, typer.Option(help="whose shipped pack and rule set")] = "CN",
) -> None:
    """Write the shipped policy pack, rule set and reference lexicon as archive snapshots (JSON:
    what their cards need to say what a later version changed). Run it before a shipped
    artefact is replaced, into src/fairscreen/audit/archive (docs/audit.md)."""
    import hashlib
    import tomllib

    from fairscreen.audit import cards, registry
    from fairscreen.kit.files import atomic_write

    policy, ruleset = _packs(jurisdiction, None, None)
    data = registry.lexicon_bytes()
    snapshots = [
        cards.snapshot_pack(policy),
        cards.snapshot_ruleset(ruleset, policy),
        cards.snapshot_lexicon(
            tomllib.loads(data.decode("utf-8")), hashlib.sha256(data).hexdigest()
        ),
    ]
    for snapshot in snapshots:
        path = out_dir / f"{snapshot['ref']}.json"
        text = orjson.dumps(snapshot, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        atomic_write(path, text + b"\n", mode=0o644)
        out.print(f"{snapshot['kind']:<20} {snapshot['ref']:<28} {path}")


@model_app.command("list")
def list_command(
    database: Annotated[
        str | None,
        typer.Option(help="database URL (default: FAIRSCREEN_DATABASE_URL or the SQLite file)"),
    ] = None,
    jurisdiction: Annotated[str, typer.Option(help="whose shipped pack and rule set")] = "CN",
) -> None:
    """The artefacts a screening uses now, and every version this database recorded in use
    (with the ledger entry that published it). Only reads."""
    from fairscreen.audit import registry
    from fairscreen.kit.db import open_database

    policy, ruleset = _packs(jurisdiction, None, None)
    out.print("in use:")
    for artefact in registry.in_use(policy, ruleset):
        out.print(f"  {artefact.kind:<20} {artefact.ref:<28} {artefact.digest}")
    _, sessions = open_database(database, readonly=True)
    with sessions() as session:
        recorded = registry.versions(session)
    out.print("recorded:" if recorded else "recorded: none yet (no screening in this database)")
    for v in recorded:
        out.print(
            f"  {v.kind:<20} {v.ref:<28} {v.digest}  first used "
            f"{v.first_used_at.isoformat(timespec='seconds')}  ledger #{v.ledger_index}"
        )


# -- fairscreen audit ---------------------------------------------------------------------------


@audit_app.command("counterfactual")
def counterfactual_command(
    world: Annotated[Path, typer.Option("--world", dir_okay=False, help="the world file")],
    seed: Annotated[int, typer.Option(help="seed of the variants (new names, years, regions)")] = 0,
    pack: PackOption = None,
    rules: RulesOption = None,
    report: Annotated[
        Path | None, typer.Option(dir_okay=False, help="also write the result as JSON here")
    ] = None,
    keep: Annotated[
        Path | None, typer.Option(dir_okay=False, help="also keep the variant world here")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Screen every candidate of WORLD again as someone of the other sex, another birth year
    (across the 35 and 40 bands), ethnicity, region of household registration (the ID number's
    first six digits), name style, with the pronouns and honorifics of their references changed,
    everything job-relevant the same; then the reference screener alone on every sentence.

    Exit status 0 when no light, reason or reference sentence changed; 1 when one did (each
    flip is listed with the candidate and the artefact responsible)."""
    import time

    from fairscreen.audit import counterfactual
    from fairscreen.kit.files import atomic_write
    from fairscreen.policy.pack import load_pack_file
    from fairscreen.rating.engine import load_ruleset_file
    from fairscreen.synth import variants

    policy = load_pack_file(pack) if pack is not None else None
    ruleset = load_ruleset_file(rules, policy) if rules is not None and policy else None
    if rules is not None and policy is None:
        from fairscreen.world.load import load_world

        with load_world(world) as store:
            ruleset = load_ruleset_file(rules, _packs(store.header.jurisdiction, None, None)[0])

    def make(store: Any, source: Path, target: Path) -> Any:
        return variants.make_variant_world(store, source, target, seed=seed)

    started = time.perf_counter()
    outcome = counterfactual.run(world, make, pack=policy, ruleset=ruleset, keep=keep)
    refs = counterfactual.references_only(
        world,
        lambda store: variants.plan_variants(store, seed=seed),
        variants.rewrite_reference,
    )
    seconds = time.perf_counter() - started
    result = {
        "world": str(world),
        "seed": seed,
        **outcome.as_json(),
        "reference_screener": refs.as_json(),
        "seconds": round(seconds, 3),
    }
    if report is not None:
        atomic_write(report, orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n", mode=0o644)
    if json_out:
        sys.stdout.buffer.write(orjson.dumps(result) + b"\n")
        sys.stdout.flush()
    else:
        out.print(
            f"{outcome.candidates} candidates re-screened as their variants "
            f"({outcome.crossed_age_bands} across an age band): "
            f"{len(outcome.flips)} changed lights or reasons, "
            f"{len(outcome.exclusion_changes)} changed exclusions"
        )
        out.print(
            f"reference screener {refs.model}: {refs.sentences} sentences of {refs.references} "
            f"references, {len(refs.flips)} changed"
        )
        for flip in outcome.flips:
            out.print(
                f"  flip {flip.candidate}: {flip.before['light']} -> {flip.after['light']} "
                f"(artefact: {', '.join(flip.artefacts)}; changed: {_changed(flip.changes)})"
            )
        for sentence in refs.flips:
            out.print(
                f"  sentence {sentence.reference}#{sentence.index} of {sentence.candidate}: "
                f"{sentence.before} -> {sentence.after} (artefact: {refs.model})"
            )
    if outcome.flips or refs.flips:
        raise typer.Exit(ExitCode.INVALID)


def _changed(changes: dict[str, Any]) -> str:
    return ", ".join(k for k, v in changes.items() if v is not None)


@audit_app.command("bias")
def bias_command(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", file_okay=False, help="directory for audit.json, .csv and .html"
        ),
    ],
    world: Annotated[
        Path | None,
        typer.Option(
            "--world",
            dir_okay=False,
            help="audit a world file (screened in memory, with its decision lines) instead "
            "of the database",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="database URL (default: FAIRSCREEN_DATABASE_URL or the SQLite file)"),
    ] = None,
    organisation: Annotated[
        str | None,
        typer.Option(help="only this organisation's checks (as employer or agency)"),
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="from this day (YYYY-MM-DD)")
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="up to this day, inclusive (YYYY-MM-DD)"),
    ] = None,
    publish: Annotated[
        bool | None,
        typer.Option(
            help="put the report's digest and key figures on the ledger (default: yes for the "
            "database, no for a world file)"
        ),
    ] = None,
    pack: Annotated[
        Path | None, typer.Option(dir_okay=False, help="with --world: a policy pack file")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(dir_okay=False, help="with --world: a rule set file")
    ] = None,
) -> None:
    """The outcome audit over lights and employers' decisions: selection rates and impact ratios
    by sex, age band (35, 40), ethnicity, region and their intersections, per employer, agency,
    position category, month and rule; four-fifths flags with a significance test; small cells
    suppressed. Only the demographics of candidates who consented to audit use are read.

    Writes audit.json, audit.csv and audit.html to --out. Exit status 0 whatever it finds (a
    flag is a finding for the reader, not an error)."""
    from fairscreen.audit import output, records, service
    from fairscreen.kit.clock import utcnow

    first, last = _day(since), _day(until)
    if first and last and first > last:
        raise InputError("--since", f"{first} is after --until {last}")
    publish = (world is None) if publish is None else publish
    scope = service.scope_of("world" if world else "database", organisation, first, last)
    if world is not None:
        if (pack or rules) is None:
            found = records.from_world(world)
        else:
            found = records.from_world(world, **_world_packs(world, pack, rules))
        scope["world"] = world.name
        found = [
            r
            for r in found
            if (organisation is None or organisation in (r.employer, r.agency))
            and (first is None or r.at >= first)
            and (last is None or r.at <= last)
        ]
    else:
        if pack or rules:
            raise InputError("--pack", "only with --world (the database's reports are made)")
        found = _from_database(database, organisation, first, last, writable=publish)
    report, flagged = service.audit(found, scope=scope, now=utcnow())
    paths = output.write(report, out_dir)
    published = ""
    if publish:
        index = _publish(database, report)
        published = f"; digest on the ledger at #{index}"
    figures = report.figures
    out.print(
        f"{figures['records']} records, {figures['tables']} tables, {figures['flags']} flags; "
        f"digest {report.digest}{published}"
    )
    for flag in flagged:
        group = ", ".join(f"{a}={g}" for a, g in zip(flag.attributes, flag.group, strict=True))
        out.print(
            f"  flag {flag.outcome} {flag.scope} {flag.scope_value}: {group} "
            f"impact ratio {flag.impact_ratio:.3f}, p {flag.p_value:.2g}, n {flag.n}"
        )
    err.print(f"wrote {', '.join(escape(str(p)) for p in paths.values())}")


def _world_packs(world: Path, pack: Path | None, rules: Path | None) -> dict[str, Any]:
    from fairscreen.policy.pack import load_pack_file
    from fairscreen.rating.engine import load_ruleset_file
    from fairscreen.world.load import load_world

    policy = load_pack_file(pack) if pack is not None else None
    if policy is None:
        with load_world(world) as store:
            policy = _packs(store.header.jurisdiction, None, None)[0]
    ruleset = load_ruleset_file(rules, policy) if rules is not None else None
    return {"pack": policy, "ruleset": ruleset}


def _from_database(
    database: str | None,
    organisation: str | None,
    since: date | None,
    until: date | None,
    *,
    writable: bool,
) -> list[Any]:
    from fairscreen.audit import records
    from fairscreen.kit.db import open_database
    from fairscreen.kit.settings import get_settings
    from fairscreen.vault.providers import READ, open_vault

    engine, sessions = open_database(database, readonly=not writable)
    try:
        with open_vault(get_settings(), sessions, mode=READ) as vault, sessions() as session:
            return list(
                records.from_database(
                    session, vault, organisation=organisation, since=since, until=until
                )
            )
    finally:
        engine.dispose()


def _publish(database: str | None, report: Report) -> int:
    """Put the report on the ledger and sign a checkpoint that covers it (as ``fairscreen
    screen`` does after each batch), so a receipt for it can be had at once."""
    from fairscreen.audit.service import publish
    from fairscreen.kit.clock import utcnow
    from fairscreen.kit.db import open_database, transaction
    from fairscreen.kit.settings import get_settings
    from fairscreen.ledger import checkpoints
    from fairscreen.ledger.signing import load_signer

    engine, sessions = open_database(database)
    try:
        signer = load_signer(get_settings(), sessions=sessions, create=True)
        try:
            with transaction(sessions) as session:
                _, index = publish(session, report, now=utcnow())
            checkpoints.publish(sessions, signer)
        finally:
            signer.close()
    finally:
        engine.dispose()
    return index


@audit_app.command("proxies")
def proxies_command() -> None:
    """Check, over the code, that nothing between the sources and the light reads an ID
    number's digits, a person's name or birth date beyond identity matching, or a demographic
    field. Exit status 0 when nothing does, 1 with each place that does."""
    from fairscreen.audit import proxies

    found = proxies.check()
    for finding in found:
        out.print(f"{finding.where}: {finding.what}")
    if found:
        raise typer.Exit(ExitCode.INVALID)
    out.print(f"{len(proxies.guarded_modules())} modules checked: no proxy read")

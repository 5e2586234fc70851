"""The portals' server time and page weight, as ratios to a bare template of the same size in
the same run.

Run:  .venv/bin/python -m bench.portal            (10,000 checks in the staff list)
      .venv/bin/python -m bench.portal --quick    (1,000 checks)

Setup (not timed): a SQLite database with the organisations and staff of the tests, one real
check of the article's Mr Wang made through the API (invitation, code, consent, the sandbox's
records, a sealed report with an excluded remark), then the check request cloned N-1 times for
the same employer, each clone with a report of its own sealed under the candidate's data key
(so that every row of the list opens a real sealed report to show its light).

Timed, in one process, through the whole app (middleware, session, permission check, service,
template) with Starlette's TestClient:
- the staff report page (``/staff/checks/{id}?purpose=hiring_decision``: the report opened and
  its read written to the access log);
- the staff list of checks, first page of 50 out of N (each row's sealed listing opened and
  each light's display logged; the first, untimed request takes the listings of the clones,
  which have none, as it would for checks made before migration 0014);
- the same list filtered by light, second page (red: one check in four, so some 400 listings
  are opened to find rows 51 to 100);
- the candidate's report page;
- a bare template of the same byte size as each page, served by a route of the same app behind
  the same middleware (no session, no database): the floor for a page of that size.
Each is requested R times; p50 and p95 of the server's wall time per request.

Page weight: the bytes of each page's HTML and of the stylesheet and icon it loads (every asset
is the app's own), against the 200 KB target.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import orjson


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def clone_checks(world: Any, check_id: str, n: int) -> None:
    from datetime import timedelta

    from sqlalchemy import insert, select

    from fairscreen.candidates.models import Candidate
    from fairscreen.kit.db import table_of
    from fairscreen.kit.ids import new_id
    from fairscreen.rating.models import Report
    from fairscreen.screening.models import CheckRequest
    from fairscreen.screening.online import data_key_sealer
    from fairscreen.screening.report import open_content, seal_content

    checks, reports = table_of(CheckRequest), table_of(Report)
    with world.db.sessions.begin() as session:
        row = session.execute(select(checks).where(checks.c.id == check_id)).mappings().one()
        report = (
            session.execute(select(reports).where(reports.c.request_id == check_id))
            .mappings()
            .one()
        )
        candidate = session.get(Candidate, row["candidate_id"])
        assert candidate is not None
        sealer = data_key_sealer(session, world.vault, candidate.data_key_id)
        content = open_content(sealer, report["id"], bytes(report["content_ct"]))
        lights = ["green", "blue", "yellow", "red"]
        for start in range(0, n, 1000):
            new_checks, new_reports = [], []
            for i in range(start, min(n, start + 1000)):
                cid, rid = new_id(), new_id()
                at = row["scope_fixed_at"] - timedelta(minutes=i + 1)
                # the clones have no ledger entries of their own: indexes past the log's end
                fake = 10_000_000 + 2 * i
                new_checks.append(
                    {
                        **row,
                        "id": cid,
                        "consent_id": None,
                        "scope_fixed_at": at,
                        "ledger_index": fake,
                    }
                )
                sealed = seal_content(sealer, rid, {**content, "light": lights[i % 4]})
                new_reports.append(
                    {
                        **report,
                        "id": rid,
                        "request_id": cid,
                        "issued_at": at,
                        "content_ct": sealed,
                        **({"ledger_index": fake + 1} if "ledger_index" in report else {}),
                    }
                )
            session.execute(insert(checks), new_checks)
            session.execute(insert(reports), new_reports)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 checks instead of 10,000")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path("bench/results/portal.json"))
    args = parser.parse_args(argv)
    n = 1_000 if args.quick else 10_000

    import os

    from tests.feedback.flow import CASES

    tmp = Path(tempfile.mkdtemp(prefix="fairscreen-bench-portal-"))
    os.environ["FAIRSCREEN_SANDBOX_WORLD"] = str(CASES / "wang.jsonl")
    os.environ["FAIRSCREEN_DATA_DIR"] = str(tmp / "data")
    os.environ["FAIRSCREEN_RETENTION_SWEEP_INTERVAL"] = "0"
    os.environ["FAIRSCREEN_FEEDBACK_INTERVAL"] = "0"
    from tests.accounts.people import make_world
    from tests.conftest import Database
    from tests.feedback.flow import Flow

    from fairscreen.kit.db import make_engine, session_factory, upgrade
    from fairscreen.kit.settings import get_settings
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.web.portal.base import ENV

    get_settings.cache_clear()
    url = f"sqlite:///{tmp / 'fairscreen.db'}"
    engine = make_engine(url)
    upgrade(engine)
    world = make_world(
        Database("sqlite", url, engine, session_factory(engine)),
        Vault(LocalKeyFile(tmp / "kek.json")),
    )
    flow = Flow(world, "wang", "general_office").run("C-WANG")
    clone_checks(world, flow.check_id, n - 1)
    recruiter = flow.staff("recruiter")
    candidate = flow.candidate
    assert candidate is not None

    # a bare template of a given size, behind the same middleware, on the same app
    from typing import cast

    from fastapi import FastAPI

    app = cast(FastAPI, recruiter.client.app)
    bare = ENV.from_string("<!doctype html><html lang=en><title>x</title><p>{{ body }}</p></html>")

    from fastapi.responses import HTMLResponse

    @app.get("/bench/bare", include_in_schema=False)
    def bare_page(size: int) -> HTMLResponse:
        return HTMLResponse(bare.render(body="x" * max(0, size - 60)))

    pages = {
        "staff report": (recruiter, f"/staff/checks/{flow.check_id}?purpose=hiring_decision"),
        f"staff list of {n:,} checks (page 1)": (recruiter, "/staff/checks"),
        f"staff list of {n:,} checks, red only (page 2)": (
            recruiter,
            "/staff/checks?light=red&page=1",
        ),
        "candidate report": (candidate, f"/me/checks/{flow.check_id}"),
    }
    results: dict[str, Any] = {"checks": n, "repeat": args.repeat, "pages": {}}
    for name, (client, path) in pages.items():
        first = client.get(path)
        assert first.status_code == 200, (name, first.status_code)
        size = len(first.content)
        page_ms = timed(partial(client.get, path), args.repeat)
        bare_ms = timed(partial(recruiter.get, f"/bench/bare?size={size}"), args.repeat)
        results["pages"][name] = {
            "bytes": size,
            "p50_ms": round(percentile(page_ms, 0.5), 2),
            "p95_ms": round(percentile(page_ms, 0.95), 2),
            "bare_p50_ms": round(percentile(bare_ms, 0.5), 2),
            "bare_p95_ms": round(percentile(bare_ms, 0.95), 2),
            "ratio_p50": round(percentile(page_ms, 0.5) / percentile(bare_ms, 0.5), 1),
            "ratio_p95": round(percentile(page_ms, 0.95) / percentile(bare_ms, 0.95), 1),
        }
    css = len(recruiter.get("/static/portal/portal.css").content)
    icon = len(recruiter.get("/static/portal/icon.svg").content)
    weights = {}
    for name, (client, path) in {
        **pages,
        "sign-in": (recruiter, "/login"),
        "regulator": (flow.staff("regulator_inspector"), "/regulator"),
    }.items():
        weights[name] = len(client.get(path).content) + css + icon
    results["weight_bytes"] = weights
    results["assets"] = {"portal.css": css, "icon.svg": icon}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

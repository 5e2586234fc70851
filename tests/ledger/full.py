"""``verify_log`` as ``fairscreen ledger verify`` runs it: handed every committed table."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairscreen.ledger.verify import VerifyReport
from fairscreen.ledger.verify import verify_log as _verify_log
from fairscreen.models import LEDGER_RECORDS


def verify_log(source: Session | sessionmaker[Session], *args: Any, **kw: Any) -> VerifyReport:
    return _verify_log(source, *args, records=LEDGER_RECORDS, **kw)

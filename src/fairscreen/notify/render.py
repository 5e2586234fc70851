"""Message texts: one Jinja2 template per template name, channel and language.

``templates/<name>/<channel>.<language>.txt``: ``email`` templates define two blocks,
``subject`` and ``body``; ``sms`` templates are the text itself. A name is lower-case words,
dotted like the events it announces (``one_time_code``, ``report.issued``). The filter
``when`` shows an ISO 8601 time as ``2026-12-06 04:38 UTC``; ``site`` is where people reach
this site (``FAIRSCREEN_PUBLIC_URL``), for links. Every template exists in the
three languages (zh-Hant, the default; zh-Hans; en): ``tests/notify/test_render.py`` holds each
one to that and renders it. Parameters missing from a message are an error
(``StrictUndefined``), found when the message is enqueued, in the caller's transaction.
Texts are plain text (``text/plain; charset=utf-8``), so nothing is HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, UndefinedError

from fairscreen.kit.errors import InputError

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
DEFAULT_LANGUAGE = "zh-Hant"
TEXT_CHANNELS = ("email", "sms")
_NAME = re.compile(r"(?=.{1,64}$)[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


@dataclass(frozen=True, slots=True)
class Text:
    subject: str | None  # e-mail only
    body: str


def when(value: str) -> str:
    """An ISO 8601 time (with its offset) as ``YYYY-MM-DD HH:MM UTC``."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError("params", f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise InputError("params", f"{value!r} has no UTC offset")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("fairscreen.notify", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 (plain-text messages, never HTML)
        keep_trailing_newline=True,
    )
    environment.filters["when"] = when
    return environment


def template_names() -> list[str]:
    """Every template name shipped (a folder under ``templates/``)."""
    return sorted({path.split("/", 1)[0] for path in _environment().list_templates()})


def render(name: str, channel: str, language: str, params: Mapping[str, Any]) -> Text:
    """The text of template ``name`` for ``channel`` in ``language`` with ``params``; an
    ``InputError`` names what is wrong (an unknown template, language or parameter)."""
    if not _NAME.fullmatch(name):
        raise InputError("template", f"{name!r} is not a template name (a-z, 0-9, _, dots)")
    if channel not in TEXT_CHANNELS:
        raise InputError("channel", f"one of {', '.join(TEXT_CHANNELS)}")
    if language not in LANGUAGES:
        raise InputError("language", f"one of {', '.join(LANGUAGES)}")
    path = f"{name}/{channel}.{language}.txt"
    try:
        template = _environment().get_template(path)
    except TemplateNotFound:
        raise InputError(
            "template",
            f"{name!r} has no {channel} text in {language} "
            f"(add src/fairscreen/notify/templates/{path})",
        ) from None
    from fairscreen.notify.settings import notify_settings

    params = {**params, "site": notify_settings().public_url}  # FAIRSCREEN_PUBLIC_URL
    try:
        if channel == "email":
            if "subject" not in template.blocks or "body" not in template.blocks:
                raise InputError("template", f"{path}: needs a subject and a body block")
            context = template.new_context(dict(params))
            subject = "".join(template.blocks["subject"](context))
            body = "".join(template.blocks["body"](context))
            # A subject is one header line, whatever the parameters hold.
            return Text(" ".join(subject.split()), body.strip() + "\n")
        return Text(None, template.render(dict(params)).strip())
    except UndefinedError as exc:
        raise InputError("params", f"template {path}: {exc.message}") from None

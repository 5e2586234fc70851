"""Message texts: one Jinja2 template per template name, channel and language.

``templates/<name>/<channel>.<language>.txt``: ``email`` templates define two blocks,
``subject`` and ``body``; ``sms`` templates are the text itself. Every template exists in the
three languages (zh-Hant, the default; zh-Hans; en): ``tests/notify/test_render.py`` holds each
one to that and renders it. Parameters missing from a message are an error
(``StrictUndefined``), found when the message is enqueued, in the caller's transaction.
Texts are plain text (``text/plain; charset=utf-8``), so nothing is HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, UndefinedError

from fairscreen.kit.errors import InputError

LANGUAGES = ("zh-Hant", "zh-Hans", "en")
DEFAULT_LANGUAGE = "zh-Hant"
TEXT_CHANNELS = ("email", "sms")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class Text:
    subject: str | None  # e-mail only
    body: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("fairscreen.notify", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 (plain-text messages, never HTML)
        keep_trailing_newline=True,
    )


def template_names() -> list[str]:
    """Every template name shipped (a folder under ``templates/``)."""
    return sorted({path.split("/", 1)[0] for path in _environment().list_templates()})


def render(name: str, channel: str, language: str, params: Mapping[str, Any]) -> Text:
    """The text of template ``name`` for ``channel`` in ``language`` with ``params``; an
    ``InputError`` names what is wrong (an unknown template, language or parameter)."""
    if not _NAME.fullmatch(name):
        raise InputError("template", f"{name!r} is not a template name (a-z, 0-9, _)")
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

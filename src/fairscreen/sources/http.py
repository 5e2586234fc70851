"""Asking a provider that answers later: the interface the check jobs use, over HTTP and in process.

A job asks ``Provider.ask`` once per run. The answer is either the records (``list`` of
``SourceRecord``) or ``Later``: not yet, with how long to wait and why (the provider is still
working on it, throttles, is down, failed, or cannot be reached). The job then runs again later;
it never waits inside a transaction.

``HttpProvider`` talks to a provider through the provider API (docs/provider-api.md) exactly as
to a real one: it asks under an idempotency key (the check's query id), so asking again after a
crash, a timeout or a lost answer is the same question, never a second one; ``Retry-After`` says
when to ask again. ``LocalProvider`` answers at once from in-process sources (the sandbox over a
world file): the embedded default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx
from pydantic import ValidationError

from fairscreen.kit.errors import ConfigError, FairscreenError
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.sources.base import SourceRecord, SourceSet, Subject
from fairscreen.world import model

Problem = Literal["waiting", "throttled", "outage", "failed", "unreachable"]


@dataclass(frozen=True, slots=True)
class Later:
    """Not answered yet: ask again in ``seconds`` (the provider's ``Retry-After`` when it gave
    one, else the caller's backoff: ``seconds`` is then None)."""

    problem: Problem
    seconds: float | None
    detail: str = ""


class ProviderRefusedError(FairscreenError):
    """The provider refused the question itself (4xx other than 429): asking again would not
    help; the query is given up (the item is not checked) and the reason logged."""


class Provider(Protocol):
    def ask(
        self, *, key: str, kind: SourceKind, item: Item, subject: Subject, consent: str
    ) -> list[SourceRecord] | Later: ...

    def close(self) -> None: ...


class LocalProvider:
    """In-process sources (``sources.world``): every question is answered at once."""

    def __init__(self, sources: SourceSet) -> None:
        self.sources = sources

    def ask(
        self, *, key: str, kind: SourceKind, item: Item, subject: Subject, consent: str
    ) -> list[SourceRecord] | Later:
        return list(self.sources.for_kind(kind).query(subject, item))

    def close(self) -> None:
        pass


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the caller's backoff decides


def parse_records(body: Any) -> list[SourceRecord]:
    """The records of a provider's answer (docs/provider-api.md, "The answer")."""
    return [
        SourceRecord(
            SourceKind(r["source"]),
            bool(r["authoritative"]),
            model.RECORD.validate_python(r["record"]),
        )
        for r in body
    ]


class HttpProvider:
    """A provider behind the provider API at ``base_url`` (``FAIRSCREEN_PROVIDER_URL``)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        callback_url: str | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"FAIRSCREEN_PROVIDER_URL={base_url!r}: expected an http:// or https:// URL"
            )
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self.callback_url = callback_url

    def close(self) -> None:
        self.client.close()

    def ask(
        self, *, key: str, kind: SourceKind, item: Item, subject: Subject, consent: str
    ) -> list[SourceRecord] | Later:
        body: dict[str, Any] = {
            "source": str(kind),
            "item": str(item),
            "subject": {
                "reference": subject.candidate,
                "name": subject.name,
                "id_number": subject.id_number,
                "birth_date": subject.birth_date.isoformat(),
            },
            "consent": consent,
            "idempotency_key": key,
        }
        if self.callback_url:
            body["callback_url"] = self.callback_url
        try:
            response = self.client.post("/v1/queries", json=body)
            if response.is_success:
                answer = response.json()
                if answer.get("status") == "pending":
                    # Asked (or asked before): poll the query by its id from now on.
                    return self._poll(answer["id"], _retry_after(response))
                return self._records(answer)
        except httpx.HTTPError as exc:
            return Later("unreachable", None, type(exc).__name__)
        return self._refusal(response)

    def _poll(self, query_id: str, first_wait: float | None) -> list[SourceRecord] | Later:
        if first_wait:
            return Later("waiting", first_wait, f"query {query_id}")
        try:
            response = self.client.get(f"/v1/queries/{query_id}")
        except httpx.HTTPError as exc:
            return Later("unreachable", None, type(exc).__name__)
        if response.is_success:
            answer = response.json()
            if answer.get("status") == "pending":
                return Later("waiting", _retry_after(response), f"query {query_id}")
            return self._records(answer)
        if response.status_code == 404:  # the provider forgot it: asked again next time
            return Later("failed", None, "query unknown to the provider")
        return self._refusal(response)

    def _records(self, answer: Any) -> list[SourceRecord]:
        try:
            return parse_records(answer["records"])
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise ProviderRefusedError(
                f"provider answer: not in the provider API's format ({exc})"
            ) from None

    @staticmethod
    def _refusal(response: httpx.Response) -> Later:
        status = response.status_code
        if status == 429:
            return Later("throttled", _retry_after(response), "429")
        if status == 503:
            return Later("outage", _retry_after(response), "503")
        if status >= 500:
            return Later("failed", _retry_after(response), str(status))
        raise ProviderRefusedError(
            f"provider refused the query: HTTP {status} {response.text[:200]}"
        )


def provider_from_settings(
    url: str | None, sources: SourceSet | None, *, callback_url: str | None = None
) -> Provider:
    """The HTTP provider at ``url`` if one is configured, else the in-process ``sources``."""
    if url:
        return HttpProvider(url, callback_url=callback_url)
    if sources is None:
        raise ConfigError(
            "no source to ask: set FAIRSCREEN_PROVIDER_URL to a provider (for example "
            "`fairscreen sandbox-provider serve`) or pass --world FILE for the in-process sandbox"
        )
    return LocalProvider(sources)

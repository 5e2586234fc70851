"""The webhook transport on the wire: TLS to the checked address with the URL's host as server
name (so the certificate is checked against the host, not the IP), no redirects followed."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from fairscreen.notify.settings import networks
from fairscreen.notify.transports import DeliveryError, Outgoing, WebhookTransport
from tests.notify.conftest import LOOPBACK
from tests.notify.servers import Certificate, Receiver, make_certificate


def _outgoing(url: str) -> Outgoing:
    return Outgoing("0" * 32, "webhook", url, None, b'{"id":"x"}', "zh-Hant", {"X-Test": "1"})


def _trusting(certificate: Certificate) -> WebhookTransport:
    context = ssl.create_default_context(cafile=str(certificate.cert))
    return WebhookTransport(allowed=networks(LOOPBACK), timeout=10, verify=context)


def test_https_reaches_the_checked_address_under_the_urls_host_name(tmp_path: Path) -> None:
    certificate = make_certificate(tmp_path, "localhost")
    with Receiver(certificate=certificate) as receiver:
        answer = _trusting(certificate).send(_outgoing(f"https://localhost:{receiver.port}/h?a=1"))
    assert answer == "http 200"
    [request] = receiver.requests
    assert request.path == "/h?a=1" and request.headers["host"] == f"localhost:{receiver.port}"
    assert request.headers["x-test"] == "1" and request.body == b'{"id":"x"}'


def test_a_certificate_for_another_name_is_refused_though_it_names_the_ip(
    tmp_path: Path,
) -> None:
    """The certificate also lists 127.0.0.1: a check against the IP connected to would pass;
    the check is against the URL's host, so it does not."""
    certificate = make_certificate(tmp_path, "other.example")
    with Receiver(certificate=certificate) as receiver:
        with pytest.raises(DeliveryError) as caught:
            _trusting(certificate).send(_outgoing(f"https://localhost:{receiver.port}/h"))
        assert receiver.requests == []
    assert not caught.value.permanent and "the endpoint" in caught.value.reason


def test_redirects_are_not_followed(tmp_path: Path) -> None:
    with Receiver([302]) as receiver:
        transport = WebhookTransport(allowed=networks(LOOPBACK), timeout=10)
        with pytest.raises(DeliveryError) as caught:
            transport.send(_outgoing(receiver.url))
    assert caught.value.answer == "http 302" and not caught.value.permanent
    assert len(receiver.requests) == 1

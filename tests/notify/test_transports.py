"""The webhook transport on the wire: TLS to the checked address with the URL's host as server
name (so the certificate is checked against the host, not the IP), no redirects followed; and
SMS transports other packages provide, chosen by name."""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from fairscreen.kit.errors import ConfigError
from fairscreen.notify.outbox import enqueue
from fairscreen.notify.settings import load_notify_settings, networks
from fairscreen.notify.transports import DeliveryError, Outgoing, WebhookTransport, transports
from fairscreen.vault import Vault
from tests.conftest import Database
from tests.notify.conftest import LOOPBACK, T0, deliverer
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


PLUGIN = '''
"""An SMS provider with its own API: form fields, its own key header."""
import os

import httpx

from fairscreen.notify.transports import DeliveryError


class AcmeSms:
    name = "acme-sms"

    def __init__(self, url):
        self.url = url

    def send(self, message):
        answer = httpx.post(
            self.url,
            data={"msisdn": message.to, "body": message.body.decode(), "ref": message.id},
            headers={"X-Acme-Key": "k-123"},
        )
        if answer.status_code != 200:
            raise DeliveryError(f"acme answered {answer.status_code}")
        return f"http {answer.status_code}"


def make(settings):
    return AcmeSms(os.environ["ACME_SMS_URL"])
'''


def _install(root: Path, monkeypatch: pytest.MonkeyPatch, target: str = "acme_sms:make") -> None:
    """A package installed the way pip leaves one: its module and a dist-info declaring the
    entry point."""
    (root / "acme_sms.py").write_text(PLUGIN, encoding="utf-8")
    info = root / "acme_sms-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-sms\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[fairscreen.sms_transports]\nacme = {target}\n")
    monkeypatch.syspath_prepend(str(root))


def test_an_installed_sms_transport_is_chosen_by_name_and_delivers(
    db: Database, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, monkeypatch)
    with Receiver() as provider:
        monkeypatch.setenv("ACME_SMS_URL", provider.url)
        chosen = transports(load_notify_settings(sms_transport="acme"))
        assert chosen.sms is not None and chosen.sms.name == "acme-sms"
        with db.sessions.begin() as session:
            message_id = enqueue(
                session,
                vault=vault,
                channel="sms",
                recipient="+8613800138000",
                template="one_time_code",
                params={"code": "775120", "minutes": 10},
                now=T0,
                language="en",
            )
        assert deliverer(db, vault, sms=chosen.sms).run_once().sent == 1
    [request] = provider.requests
    form = parse_qs(request.body.decode())
    assert form["msisdn"] == ["+8613800138000"] and form["ref"] == [message_id]
    assert "775120" in form["body"][0] and request.headers["x-acme-key"] == "k-123"


def test_an_sms_transport_that_is_not_installed_or_broken_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match=r"FAIRSCREEN_SMS_TRANSPORT='nexmo'.*none installed"):
        transports(load_notify_settings(sms_transport="nexmo"))
    _install(tmp_path, monkeypatch)
    monkeypatch.delenv("ACME_SMS_URL", raising=False)
    with pytest.raises(ConfigError, match=r"acme_sms:make failed \(KeyError: 'ACME_SMS_URL'\)"):
        transports(load_notify_settings(sms_transport="acme"))
    with pytest.raises(ConfigError, match="FAIRSCREEN_SMS_TRANSPORT"):
        load_notify_settings(sms_transport="../evil")

"""Where webhooks may go (server-side request forgery): public addresses over https; private,
loopback, link-local and the like only inside networks the operator allows; plain http only to
this machine."""

from __future__ import annotations

import ipaddress

import pytest

from fairscreen.kit.errors import InputError
from fairscreen.notify.addresses import check, permitted
from fairscreen.notify.settings import networks

LOOPBACK = networks("127.0.0.0/8,::1/128")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared address space
        "0.0.0.0",  # noqa: S104 (an address refused, not bound)
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert not permitted(ipaddress.ip_address(address), ())


def test_public_addresses_pass_and_allowed_networks_open_only_themselves() -> None:
    assert permitted(ipaddress.ip_address("93.184.216.34"), ())
    assert permitted(ipaddress.ip_address("2606:2800:220:1::1"), ())
    assert permitted(ipaddress.ip_address("127.0.0.1"), LOOPBACK)
    assert permitted(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK)
    assert not permitted(ipaddress.ip_address("10.0.0.1"), LOOPBACK)


def test_urls_to_private_addresses_are_refused_with_the_setting_named() -> None:
    for url in ("https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data"):
        with pytest.raises(InputError, match="FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS"):
            check(url, ())
    with pytest.raises(InputError, match="not a public address"):
        check("https://localhost:8443/hook", ())


def test_plain_http_only_to_this_machine_and_only_when_allowed() -> None:
    target = check("http://127.0.0.1:9000/hook?x=1", LOOPBACK)
    assert (target.scheme, target.port, target.path) == ("http", 9000, "/hook?x=1")
    assert target.connect_url(target.addresses[0]) == "http://127.0.0.1:9000/hook?x=1"
    assert target.host_header() == "127.0.0.1:9000"
    allowed_private = (*LOOPBACK, *networks("10.0.0.0/8"))
    with pytest.raises(InputError, match="https"):
        check("http://10.0.0.5/hook", allowed_private)
    ipv6 = check("https://[::1]/hook", LOOPBACK)
    assert ipv6.connect_url(ipv6.addresses[0]) == "https://[::1]:443/hook"
    assert ipv6.host_header() == "[::1]"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/x", "https"),
        ("https://user:pw@127.0.0.1/x", "user name or password"),
        ("https:///nohost", "host name"),
        ("https://no-such-host.invalid/x", "does not resolve"),
        ("https://127.0.0.1:99999/x", "not a URL"),
        ("https://" + "a" * 2000 + ".example/", "at most"),
    ],
)
def test_urls_that_cannot_be_used_are_refused_and_named(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        check(url, LOOPBACK)
    assert caught.value.where == "url"

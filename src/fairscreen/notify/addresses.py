"""Where webhooks may go: public addresses over https, and nothing else unless the operator
says so (server-side request forgery).

A webhook URL is chosen by an organisation's administrator, and the platform then sends
requests to it from inside its own network. So the host is resolved, and every address it
resolves to must be public (``ipaddress``'s ``is_global``: not loopback, private, link-local,
shared, reserved, multicast or unspecified; an IPv4-mapped IPv6 address counts as the IPv4
address it carries), or inside one of the networks of ``FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS``.
This is checked when the endpoint is saved and again at every delivery, and the delivery then
connects to an address that was checked (``Target.addresses``, in the resolver's order), so a
DNS answer that changes in between (DNS rebinding) cannot send it elsewhere. Plain http is accepted only for
a host whose addresses are all loopback and allowed (a receiver on the same machine, in tests
and development). URLs with a user name or password are refused: the secret signs requests.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from fairscreen.kit.errors import InputError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL = 2000


@dataclass(frozen=True, slots=True)
class Target:
    """A checked webhook URL: connect to one of ``addresses`` (every one checked) on ``port``,
    and present ``host`` (the Host header, TLS SNI and certificate name)."""

    scheme: str
    host: str
    port: int
    path: str  # with the query, if any
    addresses: tuple[IPAddress, ...]

    def connect_url(self, address: IPAddress) -> str:
        ip = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{ip}:{self.port}{self.path}"

    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def permitted(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    """Public, or inside an allowed network."""
    address = _plain(address)
    if any(address in network for network in allowed if network.version == address.version):
        return True
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal: itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


class RefusedAddressError(InputError):
    """A well-formed URL that cannot be used: refused (409), naming the field."""

    http_status: ClassVar[int] = 409
    title: ClassVar[str] = "refused"


def check(url: str, allowed: Sequence[IPNetwork], *, field: str = "url") -> Target:
    """The target of ``url``, or an ``InputError`` naming ``field`` and what is wrong: 422 for
    a URL that is not an http(s) URL at all, 409 (``RefusedAddressError``) for one that is but
    cannot be used (no host, a host that does not resolve or resolves to a private address)."""
    if len(url) > MAX_URL:
        raise InputError(field, f"at most {MAX_URL} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RefusedAddressError(field, "not a URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise InputError(field, "an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddressError(
            field, "no user name or password in the URL (the signature proves us)"
        )
    host = parts.hostname
    if not host:
        raise RefusedAddressError(field, "a URL with a host name")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise RefusedAddressError(field, f"the host {host} does not resolve") from None
    if not addresses:
        raise RefusedAddressError(field, f"the host {host} does not resolve")
    refused = [a for a in addresses if not permitted(a, allowed)]
    if refused:
        raise RefusedAddressError(
            field,
            f"{host} resolves to {refused[0]}, which is not a public address "
            "(an operator may allow networks with FAIRSCREEN_WEBHOOK_ALLOW_NETWORKS)",
        )
    if scheme == "http" and not all(_plain(a).is_loopback for a in addresses):
        raise RefusedAddressError(field, "an https:// URL (plain http only to this machine)")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, path, tuple(addresses))

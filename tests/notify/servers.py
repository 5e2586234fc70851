"""Real servers on loopback for the transports to talk to: an SMTP server (aiosmtpd, plain,
STARTTLS with AUTH, or TLS from the first byte, with a certificate made here) and an HTTP
receiver (the standard library's ``http.server``) that records every request and answers with
the statuses it is told to, optionally holding a request open until released."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SMTP_USER, SMTP_PASSWORD = "mailer", "mailer password 42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Certificate:
    cert: Path  # also the CA file a client trusts it with
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificate(directory: Path, name: str = "localhost") -> Certificate:
    """A self-signed certificate for ``name`` and 127.0.0.1, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_path, key_path)


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message
    authenticated: bool
    tls: bool

    @property
    def text(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(self.message.get_content_charset() or "utf-8")


@dataclass
class _Handler:
    implicit_tls: bool = False  # the server speaks TLS from the first byte
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    mails: list[Mail] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 <" + address + ">: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.mails.append(
            Mail(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content),
                bool(session.authenticated),
                self.implicit_tls or session.ssl is not None,
            )
        )
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    port: int
    handler: _Handler

    @property
    def mails(self) -> list[Mail]:
        return self.handler.mails

    @property
    def refuse(self) -> set[str]:
        return self.handler.refuse


@contextmanager
def smtp_server(
    security: str = "none", certificate: Certificate | None = None
) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1: ``none`` (no TLS, no AUTH), ``starttls`` (STARTTLS required,
    then AUTH required), ``ssl`` (TLS from the first byte, AUTH required)."""
    handler = _Handler(implicit_tls=security == "ssl")
    port = free_port()
    kwargs: dict[str, Any] = {}
    if security == "starttls":
        assert certificate is not None
        kwargs = {
            "tls_context": certificate.server_context(),
            "require_starttls": True,
            "auth_required": True,
            "authenticator": _authenticator,
        }
    elif security == "ssl":
        assert certificate is not None
        kwargs = {
            "ssl_context": certificate.server_context(),
            "auth_required": True,
            # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS throughout
            "auth_require_tls": False,
            "authenticator": _authenticator,
        }
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


# -- HTTP --------------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """Records every POST; answers with ``statuses`` in turn (then 200). While ``hold`` is set,
    a request is recorded and then kept waiting until ``release`` (or the client goes)."""

    def __init__(
        self, statuses: list[int] | None = None, *, certificate: Certificate | None = None
    ) -> None:
        self.requests: list[Request] = []
        self.statuses = list(statuses or [])
        self.hold = threading.Event()
        self.held = threading.Event()  # a request is being held
        self._release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.hold.is_set():
                    receiver.held.set()
                    receiver._release.wait(60)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.scheme = "http"
        if certificate is not None:
            self.scheme = "https"
            self.server.socket = certificate.server_context().wrap_socket(
                self.server.socket, server_side=True
            )
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/hook"

    def release(self) -> None:
        self.hold.clear()
        self._release.set()

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

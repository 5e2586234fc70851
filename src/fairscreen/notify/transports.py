"""Transports: how a rendered message leaves, one interface for every channel.

``Transport.send(outgoing)`` delivers one message and returns the transport's answer code
(``smtp 250``, ``http 202``, ``file``), or raises ``DeliveryError`` with a reason of our own
words (never the server's text, which may quote the recipient's address), the answer code if
there was one, and whether trying again can help (``permanent``).

- e-mail: ``SmtpTransport`` (stdlib ``smtplib``; STARTTLS or implicit TLS, verified against the
  system's CA bundle or ``FAIRSCREEN_SMTP_CA_FILE``; optional authentication);
- SMS: ``HttpSmsGateway`` (a generic JSON-over-HTTPS gateway); a provider that wants another
  shape is a transport of its own with the same ``name`` and ``send``, in any installed package
  that declares it as an entry point of ``fairscreen.sms_transports`` (``plugin``);
- both, for development: ``FileTransport`` (one JSON line per message in a private file);
- webhooks: ``WebhookTransport`` (a signed POST to a checked address, see ``addresses``).

``transports(settings)`` builds what the settings choose.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

import httpx

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ConfigError
from fairscreen.notify import addresses
from fairscreen.notify.settings import IPNetwork, NotifySettings

USER_AGENT = "fairscreen-notify/1"
# HTTP answers worth trying again: timeouts, too early, too many requests, and server errors.
RETRYABLE_HTTP = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message ready to leave. ``id`` is its idempotency key; ``to`` an address, a number or
    a webhook URL; ``body`` the text (e-mail, SMS) or the exact JSON bytes (webhook)."""

    id: str
    channel: str
    to: str
    subject: str | None
    body: bytes
    language: str
    headers: Mapping[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """A message that did not leave: ``reason`` (our words), ``answer`` (the code, if any),
    ``permanent`` (trying again cannot help)."""

    def __init__(self, reason: str, *, answer: str | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.answer = answer
        self.permanent = permanent


class Transport(Protocol):
    name: str

    def send(self, message: Outgoing) -> str: ...


# -- e-mail --------------------------------------------------------------------------------------


class SmtpTransport:
    """E-mail over SMTP: one connection per message, STARTTLS (``starttls``) or TLS from the
    first byte (``ssl``) with the certificate verified, or neither (``none``: a relay on this
    machine); AUTH when a user name is set (only over TLS)."""

    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 20.0,
        ca_file: Path | None = None,
    ) -> None:
        display, address = parseaddr(sender)
        if "@" not in address:
            raise ConfigError(f"FAIRSCREEN_SMTP_FROM={sender!r}: an address such as a@b.example")
        if username and security == "none":
            raise ConfigError(
                "FAIRSCREEN_SMTP_USERNAME is set with FAIRSCREEN_SMTP_SECURITY=none: a password "
                "is never sent unencrypted (use starttls or ssl)"
            )
        if ca_file is not None and not ca_file.is_file():
            raise ConfigError(f"FAIRSCREEN_SMTP_CA_FILE={ca_file}: no such file")
        self.host, self.port, self.security = host, port, security
        self.username, self._password = username, password
        self.timeout = timeout
        self.ca_file = ca_file
        local, _, domain = address.rpartition("@")
        self.sender = Address(display_name=display, username=local, domain=domain)
        self.domain = domain

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port}, {self.security})"

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=self._context())
            if self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def message(self, outgoing: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = outgoing.to
        email["Subject"] = outgoing.subject or ""
        email["Date"] = format_datetime(utcnow())
        email["Message-ID"] = f"<{outgoing.id}@{self.domain}>"
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        email.set_content(outgoing.body.decode())  # (replaces any Content-* header)
        email["Content-Language"] = outgoing.language
        return email

    def send(self, message: Outgoing) -> str:
        where = f"SMTP server {self.host}:{self.port}"
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"{where} refused the login (FAIRSCREEN_SMTP_USERNAME, FAIRSCREEN_SMTP_PASSWORD)",
                answer=f"smtp {exc.smtp_code}",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(f"{where} offers no STARTTLS (FAIRSCREEN_SMTP_SECURITY)") from None
        except smtplib.SMTPException as exc:
            raise DeliveryError(f"{where}: {type(exc).__name__}") from None
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"{where}: TLS failed ({exc.reason or 'handshake'}; FAIRSCREEN_SMTP_CA_FILE)"
            ) from None
        except OSError as exc:
            raise DeliveryError(
                f"cannot reach {where}: {exc.strerror or type(exc).__name__}"
            ) from None
        try:
            smtp.send_message(self.message(message))
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            raise DeliveryError(
                "the recipient's address was refused",
                answer=f"smtp {code}",
                permanent=500 <= code < 600,
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"{where} refused the message ({type(exc).__name__})",
                answer=f"smtp {exc.smtp_code}",
                permanent=500 <= exc.smtp_code < 600
                and not isinstance(exc, smtplib.SMTPSenderRefused),
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{where} dropped the connection ({type(exc).__name__})") from None
        finally:
            _quit(smtp)  # the message is accepted (250) or not; how QUIT goes changes nothing
        return "smtp 250"


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


# -- SMS -----------------------------------------------------------------------------------------


def _http_error(exc: httpx.HTTPError, where: str) -> DeliveryError:
    if isinstance(exc, httpx.TimeoutException):
        return DeliveryError(f"{where} did not answer in time")
    return DeliveryError(f"cannot reach {where} ({type(exc).__name__})")


def _http_answer(status: int, where: str, *, permanent_4xx: bool) -> str:
    answer = f"http {status}"
    if 200 <= status < 300:
        return answer
    permanent = permanent_4xx and 400 <= status < 500 and status not in RETRYABLE_HTTP
    raise DeliveryError(f"{where} answered {status}", answer=answer, permanent=permanent)


class HttpSmsGateway:
    """SMS through a generic HTTP gateway: ``POST url`` with ``{"id", "to", "text",
    "language"}`` as JSON, ``Authorization: Bearer <token>`` if set, and ``Idempotency-Key``.
    2xx: sent; 408, 425, 429 and 5xx: tried again; any other 4xx: given up."""

    name = "http-sms"

    def __init__(self, *, url: str, token: str | None = None, timeout: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ConfigError(f"FAIRSCREEN_SMS_URL={url!r}: the gateway's https:// URL")
        self.url = url
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpSmsGateway({self.url})"

    def send(self, message: Outgoing) -> str:
        headers = {"User-Agent": USER_AGENT, "Idempotency-Key": message.id}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = {
            "id": message.id,
            "to": message.to,
            "text": message.body.decode(),
            "language": message.language,
        }
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _http_error(exc, "the SMS gateway") from None
        return _http_answer(response.status_code, "the SMS gateway", permanent_4xx=True)


# -- development ---------------------------------------------------------------------------------


class FileTransport:
    """Development: appends each message as one JSON line (``id``, ``channel``, ``to``,
    ``subject``, ``text``, ``language``) to ``path``, created private (0600). It holds the
    messages' personal data, so it is for a developer's machine only."""

    name = "file"
    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"FileTransport({self.path})"

    def send(self, message: Outgoing) -> str:
        line = json.dumps(
            {
                "id": message.id,
                "channel": message.channel,
                "to": message.to,
                "subject": message.subject,
                "text": message.body.decode(),
                "language": message.language,
            },
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.path}: {exc.strerror}") from None
        return "file"


# -- webhooks ------------------------------------------------------------------------------------


class WebhookTransport:
    """A signed POST of the JSON body to the endpoint, at an address checked just before
    (``addresses.check``: no private addresses unless allowed, no DNS rebinding; the next one
    if a connection is refused), with the URL's host as Host header, TLS server name and the
    name its certificate must bear; without redirects, proxies from the environment or
    cookies; the answer's body is not read. 2xx: delivered; anything else, or no answer:
    tried again."""

    name = "webhook"

    def __init__(
        self,
        *,
        allowed: Sequence[IPNetwork],
        timeout: float = 10.0,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.allowed = tuple(allowed)
        self.timeout = timeout
        self.verify = verify  # the CAs certificates are checked against (default: certifi's)

    def __repr__(self) -> str:
        return f"WebhookTransport(allowed={[str(n) for n in self.allowed]})"

    def send(self, message: Outgoing) -> str:
        try:
            target = addresses.check(message.to, self.allowed)
        except Exception as exc:  # the endpoint's host no longer resolves, or not to a public IP
            raise DeliveryError(f"endpoint refused: {exc}") from None
        headers = {
            **message.headers,
            "Host": target.host_header(),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        status: int | None = None
        with httpx.Client(
            timeout=self.timeout, follow_redirects=False, trust_env=False, verify=self.verify
        ) as client:
            for i, address in enumerate(target.addresses):
                try:
                    with client.stream(
                        "POST",
                        target.connect_url(address),
                        content=message.body,
                        headers=headers,
                        extensions=extensions,
                    ) as response:
                        status = response.status_code
                    break
                except httpx.ConnectError as exc:
                    if i + 1 == len(target.addresses):  # else: the host's next address
                        raise _http_error(exc, "the endpoint") from None
                except httpx.HTTPError as exc:
                    raise _http_error(exc, "the endpoint") from None
        assert status is not None
        return _http_answer(status, "the endpoint", permanent_4xx=False)


# -- installed transports ------------------------------------------------------------------------

SMS_PLUGINS = "fairscreen.sms_transports"


def plugin(group: str, name: str, settings: NotifySettings) -> Transport:
    """The transport an installed package provides as entry point ``name`` of ``group``: a
    function taking the settings and returning an object with ``name`` and ``send`` (it reads
    its own credentials, from its own settings)."""
    found = entry_points(group=group, name=name)
    if not found:
        installed = sorted(e.name for e in entry_points(group=group)) or ["none installed"]
        raise ConfigError(
            f"FAIRSCREEN_SMS_TRANSPORT={name!r}: none, http, file, or an installed transport "
            f"(entry points {group}: {', '.join(installed)})"
        )
    entry = next(iter(found))
    try:
        transport = entry.load()(settings)
    except ConfigError:
        raise
    except Exception as exc:  # the plugin's own failure: name it, do not dump it
        raise ConfigError(
            f"FAIRSCREEN_SMS_TRANSPORT={name!r}: {entry.value} failed ({type(exc).__name__}: {exc})"
        ) from None
    if not callable(getattr(transport, "send", None)) or not isinstance(
        getattr(transport, "name", None), str
    ):
        raise ConfigError(
            f"FAIRSCREEN_SMS_TRANSPORT={name!r}: {entry.value} returned no transport "
            "(an object with a name and a send(outgoing) method)"
        )
    chosen: Transport = transport
    return chosen


# -- from the settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transports:
    """The transport of each channel (None: none configured; its messages are tried again and
    then fail with a reason naming the setting)."""

    email: Transport | None
    sms: Transport | None
    webhook: Transport | None

    def of(self, channel: str) -> Transport | None:
        transport: Transport | None = getattr(self, channel, None)
        return transport


def transports(settings: NotifySettings) -> Transports:
    """What the settings choose; a ``ConfigError`` names a setting that is missing or wrong."""
    email: Transport | None = None
    if settings.email_transport == "smtp":
        email = SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
    elif settings.email_transport == "file":
        email = FileTransport(settings.notify_path())
    sms: Transport | None = None
    if settings.sms_transport == "http":
        if not settings.sms_url:
            raise ConfigError("FAIRSCREEN_SMS_TRANSPORT=http needs FAIRSCREEN_SMS_URL")
        sms = HttpSmsGateway(
            url=settings.sms_url,
            token=settings.sms_token.get_secret_value() if settings.sms_token else None,
            timeout=settings.sms_timeout,
        )
    elif settings.sms_transport == "file":
        sms = FileTransport(settings.notify_path())
    elif settings.sms_transport != "none":
        sms = plugin(SMS_PLUGINS, settings.sms_transport, settings)
    webhook = WebhookTransport(
        allowed=settings.allowed_networks(), timeout=settings.webhook_timeout
    )
    return Transports(email, sms, webhook)

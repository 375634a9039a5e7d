"""Fixtures of the report and delivery tests: a real SMTP server (aiosmtpd), a local webhook
receiver with scripted answers, a certificate for TLS on loopback, `JobServices` built as
`job-monitor report` builds them, and the API answered to alice to check the figures against."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from job_monitor.backend.app import RunningService
from job_monitor.backend.core import WorkspaceClients
from job_monitor.backend.services.session import JobServices
from job_monitor.local_workspace.server import LocalWorkspace
from tests.conftest import local_settings, unused_port
from tests.integration.graphql.conftest import GraphQL

SMTP_USER = "job-monitor"
SMTP_PASSWORD = "s3cr3t-smtp-pa55"


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope, parsed))
        self.arrived.set()
        return "250 OK"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    accepted = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=accepted, handled=False)


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1, and contexts that serve it and trust it."""

    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return Certificate(server=server, client=client)


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


def _serve_smtp(**parameters: Any) -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = unused_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **parameters)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server without authentication (a relay on a trusted network)."""
    yield from _serve_smtp()


@pytest.fixture
def starttls_smtp_server(certificate: Certificate) -> Iterator[SmtpServer]:
    """An SMTP server that requires STARTTLS and a login."""
    yield from _serve_smtp(
        tls_context=certificate.server,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )


@pytest.fixture
def tls_smtp_server(certificate: Certificate) -> Iterator[SmtpServer]:
    """An SMTP server on implicit TLS (port 465 style) that requires a login."""
    yield from _serve_smtp(
        ssl_context=certificate.server,
        server_hostname="127.0.0.1",
        authenticator=_authenticate,
        auth_required=True,
        # aiosmtpd knows TLS only from STARTTLS; this connection is TLS from its first byte.
        auth_require_tls=False,
    )


@dataclass
class Webhooks:
    """A local HTTP receiver: each path answers the statuses scripted for it, in turn (the last
    one for ever after), and keeps every JSON body it was sent."""

    url: str
    scripts: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    received: dict[str, list[Any]] = field(default_factory=dict)

    def script(self, path: str, *answers: int | tuple[int, dict[str, str]]) -> str:
        self.scripts[path] = [a if isinstance(a, tuple) else (a, {}) for a in answers]
        self.received[path] = []
        return f"{self.url}{path}"


@pytest.fixture(scope="session")
def webhooks() -> Iterator[Webhooks]:
    port = unused_port()
    hooks = Webhooks(url=f"http://127.0.0.1:{port}")
    lock = threading.Lock()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                script = hooks.scripts.get(self.path, [(404, {})])
                status, headers = script.pop(0) if len(script) > 1 else script[0]
                hooks.received.setdefault(self.path, []).append(json.loads(body or b"null"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hooks
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
async def job_services(local_workspace: LocalWorkspace) -> AsyncIterator[JobServices]:
    """The pieces `job-monitor report` builds, against the session's local workspace."""
    settings = local_settings(local_workspace)
    services = JobServices(settings, WorkspaceClients(settings))
    yield services
    await services.aclose()


@pytest.fixture(scope="session")
def api(service: RunningService) -> Iterator[GraphQL]:
    with httpx.Client(base_url=service.url, timeout=60) as http:
        yield GraphQL(http)


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    return tmp_path / "reports"

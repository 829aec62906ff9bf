"""Kafka clients configured the one way the kernel uses them, and how they reach the cluster.

Every aiokafka client the code builds (producers, consumers, admin clients, the readiness
probe) takes its connection from `options_of`: a bare bootstrap string is a PLAINTEXT cluster
(the local stack, the tests), a `KafkaConnection` can also be SSL with a client certificate
(mTLS: Strimzi's `authentication: type: tls` KafkaUser, whose ACLs the broker then enforces).
`client_options(settings)` is that connection as the settings (KAFKA_SECURITY_PROTOCOL,
KAFKA_SSL_*) describe it. The TLS context is built afresh for each client, so a client made
after a certificate was renewed (Strimzi rewrites the mounted Secret) presents the new one.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.helpers import create_ssl_context

if TYPE_CHECKING:
    from pmo_shared.settings import KernelSettings

SecurityProtocol = Literal["PLAINTEXT", "SSL"]


@dataclass(frozen=True, slots=True)
class KafkaConnection:
    """Where the cluster is and how to authenticate to it (checked when made: see `check`)."""

    bootstrap_servers: str
    security_protocol: SecurityProtocol = "PLAINTEXT"
    ssl_cafile: str | None = None
    """PEM of the CA that signed the brokers' certificates (Strimzi: `ca.crt` of the
    `<cluster>-cluster-ca-cert` Secret)."""
    ssl_certfile: str | None = None
    """PEM of this client's certificate (Strimzi: `user.crt` of the KafkaUser's Secret)."""
    ssl_keyfile: str | None = None
    """PEM of its private key (`user.key`)."""

    def __post_init__(self) -> None:
        _check_combination(self)

    def check(self) -> None:
        """Fail with a message naming the setting when a file cannot be read or used."""
        if self.security_protocol == "SSL":
            self.ssl_context()

    def ssl_context(self) -> ssl.SSLContext:
        """A fresh client TLS context: verifies the brokers (and their host names) against
        the CA and presents the client certificate, if there is one."""
        for setting, path in self._files():
            _readable(setting, path)
        try:
            context: ssl.SSLContext = create_ssl_context(cafile=self.ssl_cafile)
        except ssl.SSLError as exc:
            raise ValueError(
                f"KAFKA_SSL_CAFILE: {self.ssl_cafile} holds no PEM CA certificate ({_why(exc)})"
            ) from None
        if self.ssl_certfile is not None:
            try:
                # An encrypted key fails here instead of OpenSSL asking a terminal for it.
                context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile, password=b"")
            except ssl.SSLError as exc:
                raise ValueError(
                    f"KAFKA_SSL_CERTFILE {self.ssl_certfile} and KAFKA_SSL_KEYFILE "
                    f"{self.ssl_keyfile} are not a PEM certificate and its unencrypted private "
                    f"key ({_why(exc)})"
                ) from None
        return context

    def options(self) -> dict[str, Any]:
        """Keyword arguments of any aiokafka client that connect it to the cluster."""
        if self.security_protocol == "PLAINTEXT":
            return {"bootstrap_servers": self.bootstrap_servers}
        return {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "ssl_context": self.ssl_context(),
        }

    def _files(self) -> list[tuple[str, str]]:
        named = (
            ("KAFKA_SSL_CAFILE", self.ssl_cafile),
            ("KAFKA_SSL_CERTFILE", self.ssl_certfile),
            ("KAFKA_SSL_KEYFILE", self.ssl_keyfile),
        )
        return [(setting, path) for setting, path in named if path is not None]


Kafka = str | KafkaConnection
"""What a client builder takes: bootstrap servers (PLAINTEXT) or a full `KafkaConnection`."""


def options_of(kafka: Kafka) -> dict[str, Any]:
    """The connection keyword arguments of an aiokafka client for `kafka`."""
    if isinstance(kafka, str):
        return {"bootstrap_servers": kafka}
    return kafka.options()


def servers_of(kafka: Kafka) -> str:
    """The bootstrap servers of `kafka` (for messages: never the key material)."""
    return kafka if isinstance(kafka, str) else kafka.bootstrap_servers


def connection(settings: KernelSettings) -> KafkaConnection:
    """The cluster as the process's settings describe it."""
    return KafkaConnection(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        security_protocol=settings.kafka_security_protocol,
        ssl_cafile=settings.kafka_ssl_cafile,
        ssl_certfile=settings.kafka_ssl_certfile,
        ssl_keyfile=settings.kafka_ssl_keyfile,
    )


def from_environ(
    bootstrap_servers: str, environ: Mapping[str, str] = os.environ
) -> KafkaConnection:
    """The cluster at `bootstrap_servers` with the environment's KAFKA_SECURITY_PROTOCOL and
    KAFKA_SSL_* (as the services read them), for tools that take no settings object."""
    return KafkaConnection(
        bootstrap_servers=bootstrap_servers,
        security_protocol=cast(
            SecurityProtocol, environ.get("KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT"
        ),
        ssl_cafile=environ.get("KAFKA_SSL_CAFILE") or None,
        ssl_certfile=environ.get("KAFKA_SSL_CERTFILE") or None,
        ssl_keyfile=environ.get("KAFKA_SSL_KEYFILE") or None,
    )


def client_options(settings: KernelSettings) -> dict[str, Any]:
    """Keyword arguments of an aiokafka client of this process: bootstrap_servers and, with
    KAFKA_SECURITY_PROTOCOL=SSL, security_protocol and a fresh ssl_context."""
    return connection(settings).options()


def create_producer(bootstrap_servers: Kafka, *, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer: acks from all in-sync replicas, no duplicates from retries, and
    (aiokafka sends one request per partition at a time) per-partition order kept."""
    return AIOKafkaProducer(
        **options_of(bootstrap_servers),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        # Under load batches fill while the previous request is in flight; an idle system
        # should not wait for company (the end-to-end delay goal is tens of milliseconds).
        linger_ms=1,
        max_batch_size=256 * 1024,
        compression_type=None,
        request_timeout_ms=15000,
    )


FETCH_MAX_BYTES = 8 * 1024 * 1024
MAX_PARTITION_FETCH_BYTES = 1024 * 1024  # aiokafka's default, stated


def create_consumer(
    bootstrap_servers: Kafka, *, group_id: str, client_id: str, max_records: int = 500
) -> AIOKafkaConsumer:
    """A group consumer that never commits on its own: the runner commits after the database."""
    return AIOKafkaConsumer(
        **options_of(bootstrap_servers),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=max_records,
        # What one fetch may bring (aiokafka keeps it decoded until it is polled): 8 MiB is
        # thousands of events, more than a batch needs, where the 50 MiB default held a few
        # hundred MiB of Python objects during a catch-up.
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )


def _check_combination(kafka: KafkaConnection) -> None:
    if kafka.security_protocol not in ("PLAINTEXT", "SSL"):
        raise ValueError(
            f"KAFKA_SECURITY_PROTOCOL must be PLAINTEXT or SSL, not {kafka.security_protocol!r}"
        )
    if kafka.security_protocol == "PLAINTEXT":
        given = [setting for setting, _ in kafka._files()]
        if given:
            raise ValueError(
                f"{', '.join(given)} set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT: "
                "set KAFKA_SECURITY_PROTOCOL=SSL to use them (or unset them)"
            )
        return
    if kafka.ssl_cafile is None:
        raise ValueError(
            "KAFKA_SECURITY_PROTOCOL=SSL needs KAFKA_SSL_CAFILE, the PEM of the CA that signed "
            "the brokers' certificates (Strimzi: ca.crt of the <cluster>-cluster-ca-cert Secret)"
        )
    if (kafka.ssl_certfile is None) != (kafka.ssl_keyfile is None):
        missing = "KAFKA_SSL_KEYFILE" if kafka.ssl_keyfile is None else "KAFKA_SSL_CERTFILE"
        raise ValueError(
            "KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (the client certificate and "
            f"its key: user.crt and user.key of a Strimzi KafkaUser's Secret): {missing} is "
            "missing"
        )


def _readable(setting: str, path: str) -> None:
    try:
        with open(path, "rb") as file:
            file.read(1)
    except OSError as exc:
        raise ValueError(f"{setting}: cannot read {path} ({exc.strerror or exc})") from None


def _why(exc: ssl.SSLError) -> str:
    return str(exc.reason or exc.strerror or exc)

"""Kafka over mutual TLS, as the Kubernetes manifests run it (Strimzi's `tls` listener with a
KafkaUser's certificate): a broker of our own (deploy/local/kafka.sh with its SSL listener,
client certificates required), certificates made here with `openssl`, and the kernel's clients
built from settings with KAFKA_SECURITY_PROTOCOL=SSL. A client that cannot show a certificate
the broker trusts is refused; settings that cannot work are refused at boot, by name."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.messaging import cloudevents
from pmo_shared.messaging.kafka import (
    KafkaConnection,
    client_options,
    connection,
    create_consumer,
    create_producer,
)
from pmo_shared.messaging.relay import OutboxRelay
from pmo_shared.messaging.topics import PROJECT_EVENTS_TOPIC, ensure_topics
from pmo_shared.settings import KernelSettings
from pmo_shared.web.health import kafka_check

from .kit import append_counter

pytestmark = pytest.mark.integration

KAFKA_SH = Path(__file__).resolve().parents[3] / "deploy" / "local" / "kafka.sh"
PORTS = range(27400, 27700)
"""Where the broker's three ports (PLAINTEXT, controller, SSL) are looked for: below 32768,
away from the stacks' ports."""
DEADLINE = 20.0


@dataclass(frozen=True)
class Certs:
    """PEM files: the CA, the broker's key and chain, a client's, and a stranger's (another CA)."""

    ca: Path
    broker_keystore: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path
    stranger_key: Path


def _openssl(directory: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True, timeout=30)


def _ca(directory: Path, name: str) -> None:
    _openssl(
        directory,
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-keyout", f"{name}.key", "-out", f"{name}.crt", "-subj", f"/CN={name}"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )


def _leaf(directory: Path, name: str, *, ca: str, extensions: str) -> None:
    (directory / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\n"
        f"authorityKeyIdentifier=keyid,issuer\n{extensions}\n"
    )
    _openssl(
        directory,
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key"),
        *("-out", f"{name}.csr", "-subj", f"/CN={name}"),
    )
    _openssl(
        directory,
        *("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key"),
        *("-CAcreateserial", "-days", "2", "-out", f"{name}.crt", "-extfile", f"{name}.ext"),
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    d = tmp_path_factory.mktemp("kafka-tls-certs")
    _ca(d, "pmo-test-ca")
    _ca(d, "other-ca")
    _leaf(
        d,
        "broker",
        ca="pmo-test-ca",
        extensions="subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "extendedKeyUsage=serverAuth,clientAuth",
    )
    _leaf(d, "project-svc", ca="pmo-test-ca", extensions="extendedKeyUsage=clientAuth")
    _leaf(d, "stranger", ca="other-ca", extensions="extendedKeyUsage=clientAuth")
    keystore = d / "broker.pem"  # Kafka's PEM keystore: the PKCS#8 key, then the chain
    keystore.write_text((d / "broker.key").read_text() + (d / "broker.crt").read_text())
    return Certs(
        ca=d / "pmo-test-ca.crt",
        broker_keystore=keystore,
        client_cert=d / "project-svc.crt",
        client_key=d / "project-svc.key",
        stranger_cert=d / "stranger.crt",
        stranger_key=d / "stranger.key",
    )


def _free_port_triple() -> int:
    for port in PORTS[::3]:
        taken = False
        for p in (port, port + 1, port + 2):
            with socket.socket() as probe:
                taken = taken or probe.connect_ex(("127.0.0.1", p)) == 0
        if not taken:
            return port
    raise RuntimeError(f"no three free ports in {PORTS}")


@dataclass(frozen=True)
class TlsBroker:
    """The broker: its SSL listener (the one under test) and its PLAINTEXT one."""

    ssl_servers: str
    plain_servers: str


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory, certs: Certs) -> Iterator[TlsBroker]:
    port = _free_port_triple()
    env = {
        **os.environ,
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(port + 1),
        "KAFKA_SSL_PORT": str(port + 2),
        "KAFKA_SSL_KEYSTORE": str(certs.broker_keystore),
        "KAFKA_SSL_TRUSTSTORE": str(certs.ca),
        "KAFKA_DIR": str(tmp_path_factory.mktemp("kafka-tls")),
        "KAFKA_HEAP": "384m",
        "KAFKA_START_TIMEOUT": "45",
    }

    def kafka_sh(command: str) -> None:
        subprocess.run([str(KAFKA_SH), command], env=env, check=True, timeout=90)

    try:
        kafka_sh("start")
        yield TlsBroker(f"127.0.0.1:{port + 2}", f"127.0.0.1:{port}")
    finally:
        kafka_sh("stop")


def ssl_settings(servers: str, certs: Certs, **overrides: Any) -> KernelSettings:
    """A process's settings as the manifests set them (TLS, the KafkaUser's certificate)."""
    values: dict[str, Any] = {
        "service_name": "tls-test",
        "database_url": os.environ.get("DATABASE_URL", "postgresql://u@127.0.0.1:1/db"),
        "db_schema": "tls_test",
        "kafka_bootstrap_servers": servers,
        "kafka_security_protocol": "SSL",
        "kafka_ssl_cafile": str(certs.ca),
        "kafka_ssl_certfile": str(certs.client_cert),
        "kafka_ssl_keyfile": str(certs.client_key),
        **overrides,
    }
    return KernelSettings.model_validate(values)


@pytest.fixture
async def relay(
    engine: AsyncEngine, tls_broker: TlsBroker, certs: Certs
) -> AsyncIterator[OutboxRelay]:
    settings = ssl_settings(tls_broker.ssl_servers, certs)
    relay = OutboxRelay(
        engine,
        service="tls-test",
        bootstrap_servers=connection(settings),
        topic_for=lambda _: PROJECT_EVENTS_TOPIC,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    yield relay
    stop.set()
    await asyncio.wait_for(task, timeout=DEADLINE)


async def test_kafka_tls_relay_publishes_and_a_consumer_reads_over_mutual_tls(
    tls_broker: TlsBroker, certs: Certs, engine: AsyncEngine, relay: OutboxRelay
) -> None:
    settings = ssl_settings(tls_broker.ssl_servers, certs)
    kafka = connection(settings)
    options = client_options(settings)
    assert options["security_protocol"] == "SSL"
    assert options["ssl_context"].verify_mode.name == "CERT_REQUIRED"

    await ensure_topics(kafka, partitions=2, timeout_s=DEADLINE)  # the admin client, over TLS
    await kafka_check(kafka, cache_seconds=0).probe()  # the readiness probe, over TLS

    stream = uuid.uuid4()
    await append_counter(engine, stream, 0, 7)  # the relay publishes it, over TLS

    consumer = create_consumer(kafka, group_id=f"tls-test.{uuid.uuid4().hex[:8]}", client_id="t")
    consumer.subscribe([PROJECT_EVENTS_TOPIC])
    await consumer.start()
    try:
        found = None
        async with asyncio.timeout(DEADLINE):
            while found is None:
                batch = await consumer.getmany(timeout_ms=500)
                for record in (r for records in batch.values() for r in records):
                    envelope = cloudevents.decode(record.value, record.headers)
                    if envelope.stream_id == stream:
                        found = envelope
    finally:
        await consumer.stop()
    assert found.event_type == "CounterIncremented"
    assert found.payload["amount"] == 7


@pytest.mark.parametrize("who", ["no certificate", "another CA's certificate", "PLAINTEXT"])
async def test_kafka_tls_a_client_the_broker_does_not_trust_is_refused(
    tls_broker: TlsBroker, certs: Certs, who: str
) -> None:
    kafka = {
        "no certificate": KafkaConnection(tls_broker.ssl_servers, "SSL", ssl_cafile=str(certs.ca)),
        "another CA's certificate": KafkaConnection(
            tls_broker.ssl_servers,
            "SSL",
            ssl_cafile=str(certs.ca),
            ssl_certfile=str(certs.stranger_cert),
            ssl_keyfile=str(certs.stranger_key),
        ),
        "PLAINTEXT": KafkaConnection(tls_broker.ssl_servers),
    }[who]
    # The same broker admits a trusted certificate at once (the listener is up).
    trusted = connection(ssl_settings(tls_broker.ssl_servers, certs))
    await kafka_check(trusted, cache_seconds=0).probe()

    probe = kafka_check(kafka, timeout_seconds=5.0, cache_seconds=0).probe
    with pytest.raises((KafkaConnectionError, TimeoutError)):
        await probe()
    producer = create_producer(kafka, client_id="untrusted")
    with pytest.raises((KafkaConnectionError, TimeoutError)):
        async with asyncio.timeout(DEADLINE):
            await producer.start()
    await producer.stop()


def _error(servers: str, certs: Certs, **overrides: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        ssl_settings(servers, certs, **overrides)
    return str(caught.value)


def test_kafka_tls_settings_name_what_is_wrong(certs: Certs, tmp_path: Path) -> None:
    at = "127.0.0.1:9093"
    assert "KAFKA_SECURITY_PROTOCOL=SSL needs KAFKA_SSL_CAFILE" in _error(
        at, certs, kafka_ssl_cafile=None
    )
    assert "KAFKA_SSL_KEYFILE is missing" in _error(at, certs, kafka_ssl_keyfile=None)
    assert "KAFKA_SSL_CERTFILE is missing" in _error(at, certs, kafka_ssl_certfile=None)
    missing = tmp_path / "user.key"
    assert f"KAFKA_SSL_KEYFILE: cannot read {missing} (No such file or directory)" in _error(
        at, certs, kafka_ssl_keyfile=str(missing)
    )
    assert f"KAFKA_SSL_CAFILE: {certs.client_key} holds no PEM CA certificate" in _error(
        at, certs, kafka_ssl_cafile=str(certs.client_key)
    )
    assert "are not a PEM certificate and its unencrypted private key" in _error(
        at, certs, kafka_ssl_keyfile=str(certs.stranger_key)
    )
    assert "KAFKA_SSL_CAFILE set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT" in _error(
        at,
        certs,
        kafka_security_protocol="PLAINTEXT",
        kafka_ssl_certfile=None,
        kafka_ssl_keyfile=None,
    )
    assert "kafka_security_protocol" in _error(at, certs, kafka_security_protocol="SASL_SSL")


def test_kafka_tls_plaintext_settings_give_the_options_of_before(certs: Certs) -> None:
    """The default stays what every client was given before: bootstrap servers, nothing else."""
    plain = ssl_settings(
        "127.0.0.1:9292",
        certs,
        kafka_security_protocol="PLAINTEXT",
        kafka_ssl_cafile="",
        kafka_ssl_certfile="",
        kafka_ssl_keyfile="",
    )
    assert client_options(plain) == {"bootstrap_servers": "127.0.0.1:9292"}

"""Personal data in a service that stores events: its key store, the startup check and the
erasure ledger, built once by the service's composition root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pmo_shared.database.engine import create_engine_for
from pmo_shared.messaging.kafka import connection
from pmo_shared.privacy.crypto import MasterKey
from pmo_shared.privacy.keystore import KeyStore
from pmo_shared.privacy.ledger import ErasureLedger
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.health import ReadinessCheck


@dataclass(frozen=True, slots=True)
class PersonalData:
    """The parts a write service wires: `keys` into its units of work and app state, `check`
    as a startup check, `ledger.run` as a background task and its readiness check."""

    keys: KeyStore
    ledger: ErasureLedger
    _engine: AsyncEngine
    _key_engine: AsyncEngine

    async def check(self) -> None:
        """At startup: the key store fits the events and the master key (else it raises)."""
        async with self._engine.connect() as conn:
            await self.keys.check(conn)

    @property
    def readiness(self) -> ReadinessCheck:
        """Not ready until the erasure ledger was replayed."""
        return ReadinessCheck("erasure-ledger", self.ledger.check_ready)

    async def close(self) -> None:
        """Release the key store's connections."""
        await self._key_engine.dispose()


def personal_data(settings: ServiceSettings, engine: AsyncEngine) -> PersonalData:
    """The personal-data parts of a service; PERSONAL_DATA_MASTER_KEY must be set."""
    if settings.personal_data_master_key is None:
        raise ValueError(
            "PERSONAL_DATA_MASTER_KEY is required: a service that stores events seals personal "
            "data with keys it wraps by it (make one with `openssl rand -base64 32`)"
        )
    master = MasterKey(settings.personal_data_master_key.get_secret_value())
    # Subjects are created on connections of their own (committed at once, see keystore.py):
    # a pool apart, so a command holding a connection never waits for another of its pool.
    key_engine = create_engine_for(settings.database_url, schema=settings.db_schema, pool_size=2)
    keys = KeyStore(key_engine, master)
    ledger = ErasureLedger(
        engine,
        keys,
        bootstrap_servers=connection(settings),
        service=settings.service_name,
    )
    return PersonalData(keys, ledger, engine, key_engine)

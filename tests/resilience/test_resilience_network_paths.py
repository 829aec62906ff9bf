"""Network faults through Toxiproxy under load on the two other paths (`resilience_paths`):
between the write services (project-svc, program-svc, portfolio-svc) and PostgreSQL, and
between every service (the relays, reporting's consumer, the reference consumers) and Kafka.
Each run goes through 200 ms of latency, a bandwidth limit, connections reset and a 5 s
partition; every acknowledged command is in its event store and in the read model exactly
once (and the rebuild at the end of the directory equals the read model).

The write path's database: a command answers 2xx or a 503 problem with Retry-After within the
request timeout, /readyz says 503 during the partition and 200 again by itself after it.
Kafka: every command is accepted (the outbox holds the events), the write API stays ready, the
outbox backlog rises in /metrics during the partition and reporting's consumer lag shows once
the relays publish again; both drain to 0 after."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .resilience_load import CI_MIX, Clients
from .resilience_paths import CI, bad_answers, drained, kafka_faults, write_database_faults
from .resilience_scenario import unaccepted
from .resilience_stack import FaultStack

pytestmark = pytest.mark.integration


async def test_network_faults_to_the_write_services_database_lose_nothing(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    outcome, observed = await write_database_faults(
        fault_stack, fault_clients, fault_admin, fault_tenant, mix=CI_MIX, durations=CI
    )
    fault_table.append(
        outcome.row("Toxiproxy write services↔PostgreSQL: 200 ms, 32 KB/s 2 s, reset 2 s, 5 s cut")
    )
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert outcome.during
    assert bad_answers(outcome.during) == []
    # The partition was felt: commands were refused with a 503 (and went through after it).
    cut = observed.during(outcome, "partition")
    assert any(a.status == 503 for a in cut), [a.status for a in cut][:20]
    assert 503 in observed.readyz["partition"], observed.readyz
    assert observed.ready_again_in < 60
    await drained(fault_stack)


async def test_network_faults_to_kafka_commands_go_on_and_the_backlogs_drain(
    fault_stack: FaultStack,
    fault_clients: Clients,
    fault_admin: httpx.AsyncClient,
    fault_tenant: str,
    fault_table: list[dict[str, Any]],
) -> None:
    outcome, observed = await kafka_faults(
        fault_stack, fault_clients, fault_admin, fault_tenant, mix=CI_MIX, durations=CI
    )
    fault_table.append(
        outcome.row("Toxiproxy services↔Kafka: 5 s cut, 200 ms, 32 KB/s 2 s, reset 2 s")
    )
    assert all(t.exact for t in outcome.tallies.values()), outcome.tallies
    assert outcome.during
    assert all(a.accepted for a in outcome.during), unaccepted(outcome.during)
    # Kafka is no dependency of accepting commands: the write API stayed ready.
    assert observed.readyz["partition"] == {200}, observed.readyz
    assert max(observed.backlog_during) > observed.backlog_before, observed.backlog_during
    assert max(observed.lag_during) > 0
    assert observed.during(outcome, "partition"), "no command during the partition"
    await drained(fault_stack)

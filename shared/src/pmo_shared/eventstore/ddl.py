"""DDL of the kernel's tables, run by each service's Alembic migrations.

Kept as SQL rather than SQLAlchemy models: the statements are few, the notify trigger and the
partial details matter, and every service must create exactly the same tables.
"""

from __future__ import annotations

OUTBOX_CHANNEL = "pmo_outbox"

# Personal data (pmo_shared.privacy): the key store, and the pseudonyms each event names.
# Idempotent, so that a store made before it existed gets it from a later migration.
PERSONAL_DATA_DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS data_subjects (
        subject_ref     uuid        PRIMARY KEY,
        tenant_id       text        NOT NULL,
        lookup          bytea,
        key_id          uuid        NOT NULL,
        wrapped_key     bytea,
        sealed_user_id  text,
        master_key_id   text        NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        erased_at       timestamptz,
        erasure_id      uuid,
        CONSTRAINT data_subjects_erased_has_nothing CHECK (
            (erased_at IS NULL AND lookup IS NOT NULL AND wrapped_key IS NOT NULL
                 AND sealed_user_id IS NOT NULL)
            OR (erased_at IS NOT NULL AND lookup IS NULL AND wrapped_key IS NULL
                 AND sealed_user_id IS NULL AND erasure_id IS NOT NULL))
    )
    """,
    """
    CREATE UNIQUE INDEX IF NOT EXISTS data_subjects_lookup_key
        ON data_subjects (tenant_id, lookup) WHERE lookup IS NOT NULL
    """,
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS subject_refs uuid[] NOT NULL DEFAULT '{}'",
    "CREATE INDEX IF NOT EXISTS events_subject_refs ON events USING gin (subject_refs)",
)

RELAY_IDLE_KEY = "hashtextextended('pmo-relay-idle:' || current_schema(), 0)"
"""The advisory lock the active relay holds, on its leader connection, while it is idle."""

# The relay's wake-up. A NOTIFY costs every writer a turn at one lock that PostgreSQL holds
# from a notifying transaction's commit until its commit record is flushed: notifying
# transactions commit one after the other, never in one flush with others. So a writer notifies
# only while the relay is idle, i.e. holds `RELAY_IDLE_KEY`: the writer's shared try-lock fails
# then (or while the relay waits to take the lock), and the writer notifies. Otherwise (the
# relay busy publishing, or none running) the writer holds the key shared until it commits, and
# a relay that goes idle takes the key only once every such writer has committed: its look at
# the outbox after that sees every event whose writer did not notify. No wake-up is lost and,
# under load, nobody notifies. Replaced as a whole by later migrations (CREATE OR REPLACE).
RELAY_WAKE_DDL: tuple[str, ...] = (
    f"""
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT pg_try_advisory_xact_lock_shared({RELAY_IDLE_KEY}) THEN
            PERFORM pg_notify('{OUTBOX_CHANNEL}', current_schema());
        END IF;
        RETURN NULL;
    END $$
    """,
)

EVENT_STORE_DDL: tuple[str, ...] = (
    """
    CREATE TABLE events (
        position        bigserial PRIMARY KEY,
        event_id        uuid        NOT NULL UNIQUE,
        stream_type     text        NOT NULL,
        stream_id       uuid        NOT NULL,
        stream_version  integer     NOT NULL CHECK (stream_version > 0),
        event_type      text        NOT NULL,
        schema_version  integer     NOT NULL CHECK (schema_version > 0),
        occurred_at     timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        tenant_id       text        NOT NULL,
        actor           text        NOT NULL,
        correlation_id  text        NOT NULL,
        causation_id    text,
        payload         jsonb       NOT NULL,
        ordering_id     uuid,
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
    )
    """,
    # The store is append-only: nothing may rewrite or remove history.
    """
    CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'events are immutable (% refused)', TG_OP;
    END $$
    """,
    """
    CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only()
    """,
    """
    CREATE TABLE outbox (
        position bigint PRIMARY KEY REFERENCES events (position)
    )
    """,
    *RELAY_WAKE_DDL,
    # Wakes the relay (see `RELAY_WAKE_DDL`).
    """
    CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
    *PERSONAL_DATA_DDL,
)

CONSUMER_DDL: tuple[str, ...] = (
    """
    CREATE TABLE processed_events (
        consumer     text        NOT NULL,
        event_id     uuid        NOT NULL,
        topic        text        NOT NULL,
        partition    integer     NOT NULL,
        "offset"     bigint      NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (consumer, event_id)
    )
    """,
    """
    CREATE TABLE dead_letters (
        id          bigserial PRIMARY KEY,
        consumer    text        NOT NULL,
        topic       text        NOT NULL,
        partition   integer     NOT NULL,
        "offset"    bigint      NOT NULL,
        event_id    text,
        event_type  text,
        reason      text        NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (consumer, topic, partition, "offset")
    )
    """,
)

# For stores created before `ordering_id` was part of EVENT_STORE_DDL (a no-op on newer ones).
ADD_ORDERING_ID = "ALTER TABLE events ADD COLUMN IF NOT EXISTS ordering_id uuid"

EVENT_STORE_DROP: tuple[str, ...] = (
    "DROP TABLE IF EXISTS data_subjects",
    "DROP TABLE IF EXISTS outbox",
    "DROP FUNCTION IF EXISTS outbox_notify() CASCADE",
    "DROP TABLE IF EXISTS events",
    "DROP FUNCTION IF EXISTS events_append_only() CASCADE",
)

CONSUMER_DROP: tuple[str, ...] = (
    "DROP TABLE IF EXISTS dead_letters",
    "DROP TABLE IF EXISTS processed_events",
)

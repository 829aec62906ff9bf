"""The HTTP ceiling: a handler that only inserts one JSONB row (and one that only SELECTs a page of
project-svc's rows: `GET /rows?tenant=`), served exactly like a service.

`python -m bench.baseline_app bare|plumbing`: `bare` is FastAPI alone; `plumbing` is the
services' own app factory (bearer auth, request observability middleware, problem handlers,
ops routes). Both run through `pmo_shared.web.app.serve` (uvicorn, one process, uvloop, httptools,
no access log) with the services' engine factory and pool size, so only the command's own work
differs from project-svc.

Environment: DATABASE_URL, PORT, JWT_SECRET, KAFKA_BOOTSTRAP_SERVERS (readiness only).
"""

from __future__ import annotations

import os
import sys
from datetime import date
from decimal import Decimal

import orjson
from fastapi import APIRouter, FastAPI, Response, status
from pydantic import BaseModel
from sqlalchemy import text

from pmo_shared.database.engine import create_engine_for
from pmo_shared.settings import ServiceSettings
from pmo_shared.web.app import create_service_app, serve

SCHEMA = "bench_raw"
TABLE_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.http_rows (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        payload jsonb NOT NULL)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.pgbench_rows (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        payload jsonb NOT NULL)""",
)
_INSERT = text("INSERT INTO http_rows (payload) VALUES (CAST(:payload AS jsonb))")
# The SELECT of project-svc's list (bench item 7's baseline of that path), served over HTTP.
_ROWS = text("SELECT * FROM project.projects WHERE tenant_id = :tenant ORDER BY seq LIMIT :limit")


class CostBody(BaseModel):
    amount: Decimal
    incurred_on: date
    category: str


def build(kind: str) -> tuple[FastAPI, ServiceSettings]:
    settings = ServiceSettings(
        service_name=f"bench-{kind}",
        environment="test",
        database_url=os.environ["DATABASE_URL"],
        db_schema=SCHEMA,
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9"),
        port=int(os.environ["PORT"]),
        jwt_secret=os.environ["JWT_SECRET"],
        run_relay=False,
        log_level="WARNING",
    )
    engine = create_engine_for(
        settings.database_url, schema=SCHEMA, pool_size=settings.db_pool_size
    )
    router = APIRouter()

    @router.post("/insert", status_code=status.HTTP_201_CREATED)
    async def insert(body: CostBody) -> dict[str, bool]:
        async with engine.begin() as conn:
            await conn.execute(
                _INSERT, {"payload": orjson.dumps(body.model_dump(mode="json")).decode()}
            )
        return {"ok": True}

    @router.get("/rows")
    async def rows(tenant: str, limit: int = 50) -> Response:
        """The read floor: one indexed SELECT, its rows as JSON, nothing else."""
        async with engine.connect() as conn:
            found = (await conn.execute(_ROWS, {"tenant": tenant, "limit": limit})).all()
        body = orjson.dumps([dict(r._mapping) for r in found], default=str)
        return Response(body, media_type="application/json")

    if kind == "bare":
        app = FastAPI()
        app.include_router(router)
        # What `serve`'s preflight reads of a service app: no checks, nothing to close.
        app.state.startup_checks = ()
        app.state.shutdown_steps = ()
        app.state.engine = engine

        @app.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

    else:
        app = create_service_app(
            settings, title="bench-plumbing", version="0", engine=engine, routers=[router]
        )
    return app, settings


def bare_app() -> FastAPI:
    """The factory uvicorn calls for the bare variant."""
    return build("bare")[0]


def plumbing_app() -> FastAPI:
    """The factory uvicorn calls for the plumbing variant."""
    return build("plumbing")[0]


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "bare"
    if kind not in ("bare", "plumbing"):
        raise SystemExit("usage: python -m bench.baseline_app bare|plumbing")
    # Served exactly like the services: the same `serve`, given a factory to call.
    serve(f"bench.baseline_app:{kind}_app", build(kind)[1])


if __name__ == "__main__":
    main()

"""What a request must pass before the app reads its body: the method, the bearer token, the
body's size and media type.

FastAPI reads and validates a body before it runs a route's dependencies, so a router-level
`authenticate` alone would let anyone make the service parse megabytes. The gate decides from
the request line and headers only:

1. `OPTIONS` on a path the app serves: 204 with `Allow` naming every method of the path; another
   method the path does not serve: 405 with the same `Allow`;
2. a route that depends on `authenticate`: the bearer token is verified here (401 without an
   acceptable one) and the caller handed to `authenticate`, which does not verify again;
3. a `Content-Length` over `max_body_bytes`: 413; a body of a JSON route in another media type
   (or none named): 415;
4. a command (a mutating method on a route that needs a token) over its tenant's rate: 429
   with `Retry-After` (`web.ratelimit`);
5. while the app reads the body, the bytes are counted: past `max_body_bytes`, a 413.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pmo_shared.application.caller import Principal
from pmo_shared.web.auth import (
    TokenVerifier,
    authenticate,
    bearer_token,
    remember_principal,
    verify_bearer,
)
from pmo_shared.web.problems import BodyTooLarge, Problem, problem_response
from pmo_shared.web.ratelimit import MUTATING_METHODS, CommandRateLimiter

JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One route of the app as the gate sees it."""

    route: BaseRoute
    pattern: re.Pattern[str]
    methods: frozenset[str] | None  # None: a mount, which answers every method itself
    needs_token: bool
    takes_json: bool


class RouteTable:
    """The app's routes in routing order, flattened through included routers."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self._routes = routes
        self._endpoints: list[Endpoint] | None = None

    def serving(self, method: str, path: str) -> Endpoint | None:
        """The endpoint the router will hand this request to (as the router picks it)."""
        for endpoint in self._all():
            if endpoint.pattern.match(path) and (
                endpoint.methods is None or method in endpoint.methods
            ):
                return endpoint
        return None

    def methods_at(self, path: str) -> tuple[frozenset[str], Endpoint | None]:
        """Every method some route serves at `path`, and the first such route."""
        methods: set[str] = set()
        first: Endpoint | None = None
        for endpoint in self._all():
            if endpoint.methods is not None and endpoint.pattern.match(path):
                methods |= endpoint.methods
                first = first or endpoint
        return frozenset(methods), first

    def _all(self) -> list[Endpoint]:
        # Built at the first request: by then every router has been included.
        if self._endpoints is None:
            self._endpoints = [_endpoint(context) for context in iter_route_contexts(self._routes)]
        return self._endpoints


def _endpoint(context: RouteContext) -> Endpoint:
    dependant = getattr(context, "dependant", None)
    body_field = getattr(context, "body_field", None)
    methods = context.methods
    return Endpoint(
        route=context.original_route,
        pattern=context.path_regex,
        methods=frozenset(methods) if methods is not None else None,
        needs_token=isinstance(dependant, Dependant) and authenticate in _calls(dependant),
        takes_json=body_field is not None and not isinstance(body_field.field_info, params.Form),
    )


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == JSON_MEDIA_TYPE or (
        media.startswith("application/") and media.endswith("+json")
    )


def _declared_length(headers: Headers) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


def _has_body(headers: Headers) -> bool:
    length = _declared_length(headers)
    return (length is not None and length > 0) or "transfer-encoding" in headers


class RequestGateMiddleware:
    """Answers what the request line and headers already decide, before the body is read."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[BaseRoute],
        max_body_bytes: int,
        command_limiter: CommandRateLimiter | None = None,
    ) -> None:
        self.app = app
        self._table = RouteTable(routes)
        self._max_body_bytes = max_body_bytes
        self._limiter = command_limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer the request early, or pass it on with its body's bytes counted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            early = await self._early_answer(scope)
        except Problem as problem:
            early = problem_response(problem, instance=scope["path"])
        if early is not None:
            await early(scope, receive, send)
            return
        await self._serve_counting_bytes(scope, receive, send)

    async def _early_answer(self, scope: Scope) -> Response | None:
        method, path = scope["method"], _route_path(scope)
        endpoint = self._table.serving(method, path)
        if endpoint is None:
            return self._answer_other_method(scope, method, path)
        scope["route"] = endpoint.route  # labels an early answer with the route's template
        headers = Headers(scope=scope)
        principal = await self._verify_token(scope, headers) if endpoint.needs_token else None
        self._check_body(headers, takes_json=endpoint.takes_json)
        if principal is not None and self._limiter is not None and method in MUTATING_METHODS:
            self._limiter.admit(principal.tenant)
        return None

    def _answer_other_method(self, scope: Scope, method: str, path: str) -> Response | None:
        methods, first = self._table.methods_at(path)
        if first is None:
            return None  # no route here: the router's 404 (or slash redirect) answers
        scope["route"] = first.route
        allow = {"Allow": ", ".join(sorted(methods | {"OPTIONS"}))}
        if method == "OPTIONS":
            return Response(status_code=204, headers=allow)
        raise Problem(405, headers=allow)

    async def _verify_token(self, scope: Scope, headers: Headers) -> Principal:
        verifier: TokenVerifier = scope["app"].state.token_verifier
        token = bearer_token(headers.get("authorization"))
        principal = await verify_bearer(verifier, token)
        remember_principal(scope, principal)
        return principal

    def _check_body(self, headers: Headers, *, takes_json: bool) -> None:
        length = _declared_length(headers)
        if length is not None and length > self._max_body_bytes:
            raise BodyTooLarge(self._max_body_bytes).problem()
        if takes_json and _has_body(headers) and not _is_json(headers.get("content-type")):
            raise Problem(
                415,
                slug="unsupported-media-type",
                detail=f"Send the request body as {JSON_MEDIA_TYPE}.",
                headers={"Accept": JSON_MEDIA_TYPE},
            )

    async def _serve_counting_bytes(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, received, started = self._max_body_bytes, 0, False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:
            # Read outside the problem handlers (a middleware, a bare route): answer it here.
            if started:
                raise
            await problem_response(exc.problem(), instance=scope["path"])(scope, receive, send)

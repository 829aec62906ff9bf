"""Headers every response carries: no MIME sniffing, and no caching unless a route says so.

API answers are per caller and change with every command, so they are `no-store`; so are the
ops routes (a cached readiness or metrics answer would lie) and the OpenAPI document and docs
page (they change with a deployment). The docs' static assets, pinned files, may be cached but
are revalidated (`no-cache`, answered by ETag).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = "no-store"
REVALIDATE = "no-cache"


class SecurityHeadersMiddleware:
    """Adds `X-Content-Type-Options: nosniff` to every response and a `Cache-Control` to those
    that set none."""

    def __init__(self, app: ASGIApp, *, revalidated_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self._revalidated = revalidated_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache_control = REVALIDATE if scope["path"].startswith(self._revalidated) else NO_STORE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = cache_control
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""What every request and answer of the station passes: Host allow-list, NUL bytes,
security headers.

* **Host allow-list.** A page on another site can make a browser talk to a station on
  the same machine or ship network by pointing its own name at the station's address
  (DNS rebinding); it cannot choose the ``Host`` header, which names its own site. A
  request is served only when its ``Host`` is one of ``localhost``, ``127.0.0.1``,
  ``[::1]``, the host the station is configured to listen on, the address the
  connection actually reached (a ship network's ``http://192.168.1.5:8000``), or a
  name in ``SARWATCH_ALLOWED_HOSTS`` (comma separated; ``*.example.org`` for a domain,
  ``*`` for any). Others get ``400`` saying what to set.
* **NUL bytes** in the path or the query are refused with ``400`` before any route
  sees them (a path with NUL cannot name a file; it failed deep inside with a 500).
* **Headers** on every answer: ``X-Content-Type-Options: nosniff``,
  ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer`` and a
  ``Content-Security-Policy`` that lets the offline map page load only its own
  scripts, styles, images and API; ``Cache-Control: no-store`` on the case API (case
  JSON, the event feed and evidence bundles are not kept in caches) and on any API
  answer that does not set its own caching.

Every refusal is JSON in the house shape ``{"error", "detail"}``.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sarwatch.web.asgi_json import send_json_error

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "RequestGuard", "allowed_hosts"]

#: The map page is built into ``/static/dist`` (no inline script; Leaflet and the page
#: set some element styles, hence ``'unsafe-inline'`` for styles only); it talks only
#: to its own station; it may not be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: The headers every answer carries (also set by the handler of unexpected errors, whose
#: 500 is sent from outside this middleware, by Starlette's outermost one).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}

_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

#: Answers that carry case data: never kept by a cache, whatever the route set.
# Not /api/public: the public feed is delayed and coarsened, served with an ETag and its
# own Cache-Control so that a CDN or browser may keep it (services/public_static.py).
_NO_STORE_PREFIXES = ("/api/cases", "/api/ledger", "/api/drift", "/api/plan")

_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(configured_host: str, extra: str | Iterable[str] = "") -> tuple[str, ...]:
    """The host names served: loopback, the configured host, and ``extra``.

    Parameters
    ----------
    configured_host
        The interface the station listens on (``SARWATCH_HOST``); ``0.0.0.0`` and
        ``::`` (every interface) are not names a client uses and are left out.
    extra
        More names, comma separated or as a list (``SARWATCH_ALLOWED_HOSTS``).

    Examples
    --------
    >>> allowed_hosts("0.0.0.0", "sarwatch.ship.lan, *.ngo.example")
    ('localhost', '127.0.0.1', '::1', 'sarwatch.ship.lan', '*.ngo.example')
    """
    names = [extra] if isinstance(extra, str) else list(extra)
    more = [n.strip().lower() for item in names for n in item.split(",") if n.strip()]
    configured = [] if configured_host in ("0.0.0.0", "::", "") else [configured_host.lower()]
    out: list[str] = []
    for name in (*_LOOPBACK, *configured, *more):
        name = name.strip("[]")
        if name not in out:
            out.append(name)
    return tuple(out)


def _host_name(value: str) -> str:
    """The host of a ``Host`` header, without the port (``[::1]:8000`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _matches(host: str, pattern: str) -> bool:
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host != pattern[2:]
    return host == pattern


class RequestGuard:
    """Pure ASGI middleware: Host allow-list, NUL bytes refused, security headers.

    Parameters
    ----------
    app
        The application to wrap.
    hosts
        Host names served (:func:`allowed_hosts`); the address a connection reached
        is always served too.
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str] = _LOOPBACK) -> None:
        self.app = app
        self.hosts = tuple(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _send_400(send, *refusal)
            return
        path = scope.get("path", "")
        force_no_store = path.startswith(_NO_STORE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in {
                    name for name, _ in _HEADERS}]  # fmt: skip
                has_cache = any(k.lower() == b"cache-control" for k, _ in headers)
                if force_no_store or (path.startswith("/api/") and not has_cache):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + _HEADERS}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> tuple[str, str] | None:
        """``(error, detail)`` when the request is refused, else ``None``."""
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"").lower():
            return (
                "InputError",
                "the request's path or query holds a NUL byte (%00), which names nothing "
                "here; remove it",
            )
        host_header = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), ""
        )
        host = _host_name(host_header)
        server = scope.get("server") or ("", None)
        reached = str(server[0]).lower().strip("[]")
        if host and (host == reached or any(_matches(host, p) for p in self.hosts)):
            return None
        return (
            "HostNotAllowed",
            f"this station does not answer to the host name {host_header!r}; it answers to "
            f"{', '.join(self.hosts)} and its own address. If you reach it under that name "
            "on purpose, add it to SARWATCH_ALLOWED_HOSTS (comma separated) and restart",
        )


async def _send_400(send: Send, error: str, detail: str) -> None:
    await send_json_error(send, 400, error, detail, [(b"cache-control", b"no-store"), *_HEADERS])

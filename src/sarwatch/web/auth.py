"""Bearer-token authentication and roles for the case API.

Send ``Authorization: Bearer <token>``; tokens are created with
``sarwatch user add NAME --role coordinator|observer`` and stored hashed.
``coordinator`` may read and write; ``observer`` may only read. Answers are 401
for a missing, unknown or expired token (the expired one says how to get a new one)
and 403 for a role that may not do the request.
A verified token is remembered for :data:`TOKEN_CACHE_S` (2 s) per server process, to
spare the database a lookup per request: the dependencies are ``async`` (no thread
hop per request) and that lookup is their only blocking call, once per token and 2 s.

Removal (``sarwatch user remove``) takes effect at once in the process that removed
the user (the cache drops every entry made before :func:`~sarwatch.services.users.
revocations` changed) and within :data:`TOKEN_CACHE_S` in every other process (the
workers of ``sarwatch serve --workers N``, or a server beside the command line). An
answer that lasts (the event stream) asks :func:`token_check` again while it runs, so
that removing a user ends their stream too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sarwatch.errors import AuthError, PermissionDeniedError
from sarwatch.services.ports import Store, UserRecord
from sarwatch.services.users import (
    authenticate,
    hash_token,
    require_role,
    require_unexpired,
    revocations,
)
from sarwatch.web.station import StoreDep

__all__ = [
    "COORDINATOR_ONLY_KEY",
    "TOKEN_CACHE_S",
    "Coordinator",
    "Observer",
    "current_user",
    "token_check",
]

_bearer = HTTPBearer(auto_error=False, description="A token from `sarwatch user add`.")

#: How long a server process trusts a token it verified, seconds: the longest a token
#: removed by another process (another worker, the command line) still works here.
TOKEN_CACHE_S = 2.0

# (monotonic time verified, revocations() before the lookup, user)
_cache: dict[str, tuple[float, int, UserRecord]] = {}
_cache_lock = threading.Lock()
_monotonic = time.monotonic  # the cache's clock (a test moves it on)


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    store: StoreDep,
) -> UserRecord:
    """The authenticated user (401 if the token is missing or unknown)."""
    token = credentials.credentials if credentials else None
    key = f"{id(request.app)}:{hash_token(token or '')}"
    with _cache_lock:
        hit = _cache.get(key)
    generation = revocations()  # read before the lookup: a removal after it drops the entry
    if token and hit and hit[1] == generation and _monotonic() - hit[0] < TOKEN_CACHE_S:
        return require_unexpired(hit[2])  # a token may expire while it is cached
    user = authenticate(store, token)
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key] = (_monotonic(), generation, user)
    return user


def token_check(store: Store, request: Request, role: str = "observer") -> Callable[[], bool]:
    """A check that the request's token still belongs to a user with ``role``.

    For answers that last (the event stream): the dependencies checked the token when
    the request came; the stream calls this (a blocking store read, uncached) while it
    runs and ends once it is false (``sarwatch user remove``), instead of sending live
    positions to a revoked token until the client goes away.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""

    def check() -> bool:
        try:
            require_role(authenticate(store, token), role)
        except (AuthError, PermissionDeniedError):
            return False
        return True

    return check


async def _observer(user: Annotated[UserRecord, Depends(current_user)]) -> UserRecord:
    return require_role(user, "observer")


#: Key of a route's ``openapi_extra`` that says why it is for coordinators only; the
#: sentence is shown in the OpenAPI schema and in the 403 answer to other roles.
COORDINATOR_ONLY_KEY = "x-coordinator-only"


async def _coordinator(
    request: Request, user: Annotated[UserRecord, Depends(current_user)]
) -> UserRecord:
    try:
        return require_role(user, "coordinator")
    except PermissionDeniedError as exc:
        extra = getattr(request.scope.get("route"), "openapi_extra", None) or {}
        why = extra.get(COORDINATOR_ONLY_KEY)
        if not why:
            raise
        raise PermissionDeniedError(
            f"{why} ({exc}); ask a coordinator of this station, who can also make you a "
            "coordinator account with its own token: sarwatch user add NEW_NAME --role "
            "coordinator"
        ) from None


#: A user allowed to read cases.
Observer = Annotated[UserRecord, Depends(_observer)]
#: A user allowed to write cases.
Coordinator = Annotated[UserRecord, Depends(_coordinator)]

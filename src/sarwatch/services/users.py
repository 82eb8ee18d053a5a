"""API users: per-user bearer tokens, stored only as their SHA-256, and roles.

Roles: ``coordinator`` reads and writes cases; ``observer`` only reads. Tokens
carry 256 bits of randomness, so a plain SHA-256 is enough to store them (no
password stretching needed); the token itself is shown once, when the user is added.

Tokens expire: :data:`DEFAULT_TOKEN_DAYS` days after they are issued unless the
station says otherwise (``SARWATCH_TOKEN_EXPIRES_DAYS``, or ``--expires-days`` when a
token is issued); a token that never expires is given only when asked for (``0`` or
``never``). An expired token is refused (401) with what to do: ask a coordinator for a
new token, issued on the station with ``sarwatch user renew NAME``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Literal

from sarwatch.domain.events import format_time
from sarwatch.errors import AuthError, ConflictError, InputError, PermissionDeniedError
from sarwatch.services.ports import Store, UserRecord

__all__ = [
    "DEFAULT_TOKEN_DAYS",
    "MAX_TOKEN_DAYS",
    "ROLES",
    "Role",
    "add_user",
    "authenticate",
    "expiry_text",
    "hash_token",
    "list_users",
    "remove_user",
    "renew_token",
    "require_role",
    "require_unexpired",
    "revocations",
    "token_days",
]

Role = Literal["coordinator", "observer"]
ROLES: tuple[str, ...] = ("coordinator", "observer")
_RANK = {"observer": 0, "coordinator": 1}

#: Days a new token works unless the station or the command says otherwise: about a
#: season of missions; a crew member who left is locked out by then even if no one
#: removed them.
DEFAULT_TOKEN_DAYS = 90

#: The longest a token may be given, in days (ten years); beyond, ask for ``never``.
MAX_TOKEN_DAYS = 3650

# How many removals (or token replacements) this process committed: a cache of
# verified tokens compares it with the count when it verified a token, so that a
# removal is effective at once in the process that did it.
_revoked_lock = threading.Lock()
_revocations = 0


def revocations() -> int:
    """How many users this process removed (or tokens it replaced) since it started.

    A cache of verified tokens (``web.auth``) drops every entry made before the
    number changed, so that a removal takes effect at once in this process; other
    processes see it when their cache entry ends.
    """
    return _revocations


def _count_revocation() -> None:
    global _revocations
    with _revoked_lock:
        _revocations += 1


def hash_token(token: str) -> str:
    """SHA-256 hex of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_days(text: str | int) -> int:
    """Days a token works, as an operator gives them: ``1``–``3650``, or ``0``/``never``.

    Returns ``0`` for a token that never expires.

    Raises
    ------
    InputError
        For anything else, with what to give.

    Examples
    --------
    >>> token_days("30"), token_days("never"), token_days(0)
    (30, 0, 0)
    >>> token_days("-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: token expiry '-1': give a whole number of days from 1 to ...
    """
    value = str(text).strip().lower()
    if value == "never":
        return 0
    if value.isascii() and value.isdigit() and int(value) <= MAX_TOKEN_DAYS:
        return int(value)
    raise InputError(
        f"token expiry {str(text)[:40]!r}: give a whole number of days from 1 to "
        f"{MAX_TOKEN_DAYS}, or 'never' (or 0) for a token that never expires"
    )


def _expires_at(now: datetime, days: int) -> str | None:
    days = token_days(days)
    return format_time(now.replace(microsecond=0) + timedelta(days=days)) if days else None


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else now


def add_user(
    store: Store,
    name: str,
    role: str,
    *,
    expires_days: int = DEFAULT_TOKEN_DAYS,
    now: datetime | None = None,
) -> tuple[UserRecord, str]:
    """Create a user; returns the record and the token (shown once, never stored).

    Parameters
    ----------
    expires_days
        Days the token works, from ``now`` (``0``: it never expires).
    now
        The time of issue (UTC; default: the clock).

    Raises
    ------
    InputError
        For a bad name, unknown role or expiry out of range.
    ConflictError
        If the name is taken.
    """
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,100}", name):
        raise InputError(f"user names use letters, digits and _.@- (1–100), got {name!r}")
    issued = _now(now)
    expires_at = _expires_at(issued, expires_days)
    token = "sw_" + secrets.token_urlsafe(32)
    user = UserRecord(name, role, hash_token(token), format_time(issued), expires_at)
    try:
        with store.unit_of_work(write=True) as uow:
            uow.users.add(user)
            uow.commit()
    except ConflictError as exc:  # a lost token is the usual reason: say how to replace it
        raise ConflictError(
            f"{exc}; to give {name} a new token (the old one lost, leaked or expired): "
            f"'sarwatch user renew {name}'"
        ) from None
    return user, token


def renew_token(
    store: Store,
    name: str,
    *,
    expires_days: int = DEFAULT_TOKEN_DAYS,
    now: datetime | None = None,
) -> tuple[UserRecord, str]:
    """Give a user a new token; the old one stops working (lost, leaked or expired).

    As :func:`remove_user`: at once in this process, within the token cache of every
    other server process. Returns the record and the new token (shown once).

    Raises
    ------
    NotFoundError
        If there is no such user.
    InputError
        For an expiry out of range.
    """
    issued = _now(now)
    expires_at = _expires_at(issued, expires_days)
    token = "sw_" + secrets.token_urlsafe(32)
    with store.unit_of_work(write=True) as uow:
        uow.users.replace_token(name, hash_token(token), format_time(issued), expires_at)
        user = uow.users.by_token_hash(hash_token(token))
        uow.commit()
    _count_revocation()
    assert user is not None  # written just above, in the same transaction
    return user, token


def remove_user(store: Store, name: str) -> None:
    """Delete a user; its token stops working.

    At once in this process; in a running server's other processes (``sarwatch serve
    --workers N``, or a server beside ``sarwatch user remove``) at the end of their
    token cache (``web.auth.TOKEN_CACHE_S``, 2 s).
    """
    with store.unit_of_work(write=True) as uow:
        uow.users.remove(name)
        uow.commit()
    _count_revocation()


def list_users(store: Store) -> list[UserRecord]:
    """Every user, by name."""
    with store.unit_of_work() as uow:
        return uow.users.all()


def authenticate(store: Store, token: str | None, *, now: datetime | None = None) -> UserRecord:
    """The user holding ``token``; raises :class:`AuthError` if missing, unknown or expired."""
    if not token:
        raise AuthError(
            "this needs a bearer token: send 'Authorization: Bearer <token>' "
            "(create one with: sarwatch user add NAME --role observer)"
        )
    with store.unit_of_work() as uow:
        user = uow.users.by_token_hash(hash_token(token))
    if user is None:
        raise AuthError(
            "unknown or revoked token: send it whole, as 'sarwatch user add' or 'sarwatch "
            "user renew' printed it; a token renewed or whose user was removed no longer "
            "works: ask a coordinator of this station for a new one"
        )
    return require_unexpired(user, now=now)


def _expiry(user: UserRecord) -> datetime | None:
    """When ``user``'s token ends, UTC. The store keeps UTC; a time without a zone (an
    edit by hand, another tool) is read as UTC too, never as the server's local time,
    which would move the end by the zone's offset and with summer time."""
    if user.expires_at is None:
        return None
    try:
        ends = datetime.fromisoformat(user.expires_at)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)  # not a time: refused, never trusted
    return ends.replace(tzinfo=UTC) if ends.tzinfo is None else ends.astimezone(UTC)


def require_unexpired(user: UserRecord, *, now: datetime | None = None) -> UserRecord:
    """Refuse with :class:`AuthError` if ``user``'s token has expired (at ``now``)."""
    ends = _expiry(user)
    if ends is not None and _now(now) >= ends:
        raise AuthError(
            f"the token of user {user.name!r} expired at {user.expires_at}; ask a "
            "coordinator of this station for a new one (they issue it on the station "
            f"with: sarwatch user renew {user.name})"
        )
    return user


def expiry_text(user: UserRecord, *, now: datetime | None = None) -> str:
    """When ``user``'s token stops working, as ``sarwatch user list`` shows it.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> user = UserRecord("ana", "observer", "0" * 64, "2026-12-07T09:00:00Z",
    ...                   "2027-03-07T09:00:00Z")
    >>> expiry_text(user, now=datetime(2026, 12, 7, 9, tzinfo=UTC))
    'expires 2027-03-07T09:00:00Z (in 90 days)'
    >>> expiry_text(user, now=datetime(2027, 3, 7, 8, 40, tzinfo=UTC))
    'expires 2027-03-07T09:00:00Z (in 20 min)'
    >>> expiry_text(user, now=datetime(2027, 3, 8, tzinfo=UTC))
    'EXPIRED 2027-03-07T09:00:00Z (renew: sarwatch user renew ana)'
    """
    ends = _expiry(user)
    if ends is None:
        return "never expires"
    left = ends - _now(now)
    if left <= timedelta(0):
        return f"EXPIRED {user.expires_at} (renew: sarwatch user renew {user.name})"
    hours = left.total_seconds() / 3600
    if hours >= 47.5:
        when = f"{hours / 24:.0f} days"
    elif hours >= 1:
        when = f"{hours:.0f} h"
    else:  # not 'in 0 h' for a token about to end
        when = f"{max(1, round(hours * 60))} min"
    return f"expires {user.expires_at} (in {when})"


def require_role(user: UserRecord, role: str) -> UserRecord:
    """Refuse with :class:`PermissionDeniedError` unless ``user`` has at least ``role``."""
    if _RANK.get(user.role, -1) < _RANK[role]:
        raise PermissionDeniedError(
            f"user {user.name!r} has role {user.role!r}; this needs {role!r}"
        )
    return user

"""API users: per-user bearer tokens, stored only as their SHA-256, and roles.

Roles: ``coordinator`` reads and writes cases; ``observer`` only reads. Tokens
carry 256 bits of randomness, so a plain SHA-256 is enough to store them (no
password stretching needed); the token itself is shown once, when the user is added.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import UTC, datetime
from typing import Literal

from sarwatch.domain.events import format_time
from sarwatch.errors import AuthError, ConflictError, InputError, PermissionDeniedError
from sarwatch.services.ports import Store, UserRecord

__all__ = [
    "ROLES",
    "Role",
    "add_user",
    "authenticate",
    "hash_token",
    "list_users",
    "remove_user",
    "require_role",
    "revocations",
]

Role = Literal["coordinator", "observer"]
ROLES: tuple[str, ...] = ("coordinator", "observer")
_RANK = {"observer": 0, "coordinator": 1}

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


def add_user(store: Store, name: str, role: str) -> tuple[UserRecord, str]:
    """Create a user; returns the record and the token (shown once, never stored).

    Raises
    ------
    InputError
        For a bad name or unknown role.
    ConflictError
        If the name is taken.
    """
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,100}", name):
        raise InputError(f"user names use letters, digits and _.@- (1–100), got {name!r}")
    token = "sw_" + secrets.token_urlsafe(32)
    user = UserRecord(name, role, hash_token(token), format_time(datetime.now(UTC)))
    try:
        with store.unit_of_work(write=True) as uow:
            uow.users.add(user)
            uow.commit()
    except ConflictError as exc:  # a lost token is the usual reason: say how to replace it
        raise ConflictError(
            f"{exc}; to give {name} a new token (the old one lost or leaked): "
            f"'sarwatch user remove {name}', then 'sarwatch user add {name} --role {role}'"
        ) from None
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


def authenticate(store: Store, token: str | None) -> UserRecord:
    """The user holding ``token``; raises :class:`AuthError` if missing or unknown."""
    if not token:
        raise AuthError(
            "this needs a bearer token: send 'Authorization: Bearer <token>' "
            "(create one with: sarwatch user add NAME --role observer)"
        )
    with store.unit_of_work() as uow:
        user = uow.users.by_token_hash(hash_token(token))
    if user is None:
        raise AuthError("unknown or revoked token")
    return user


def require_role(user: UserRecord, role: str) -> UserRecord:
    """Refuse with :class:`PermissionDeniedError` unless ``user`` has at least ``role``."""
    if _RANK.get(user.role, -1) < _RANK[role]:
        raise PermissionDeniedError(
            f"user {user.name!r} has role {user.role!r}; this needs {role!r}"
        )
    return user

"""``sarwatch user``: API users with per-user tokens, roles and token expiry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sarwatch.records import UserRecord

__all__ = ["register"]

user_app = typer.Typer(help="Manage API users (coordinator: read/write, observer: read).")

_EXPIRES_HELP = (
    "Days the token works (1-3650), or 'never' (or 0) for a token that never expires. "
    "Default: SARWATCH_TOKEN_EXPIRES_DAYS (90)."
)


def _days(expires_days: str | None) -> int:
    from sarwatch.cli.context import station
    from sarwatch.services.users import token_days

    if expires_days is None:
        return station().settings.token_expires_days
    return token_days(expires_days)


def _print_token(verb: str, user: UserRecord, token: str) -> None:
    from sarwatch.services.users import expiry_text

    typer.echo(f"user {user.name} ({user.role}) {verb}; the token {expiry_text(user)}.")
    typer.echo("Token (shown once, keep it safe):")
    typer.echo(token)


@user_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., help="coordinator or observer."),
    expires_days: str = typer.Option(None, "--expires-days", help=_EXPIRES_HELP),
) -> None:
    """Create a user and print the token once (it is stored only as a hash)."""
    from sarwatch.cli.context import station
    from sarwatch.errors import InputError
    from sarwatch.services.demo import DEMO_USER
    from sarwatch.services.users import add_user

    if name == DEMO_USER:
        raise InputError(
            f"the user name {DEMO_USER!r} is kept for 'sarwatch serve --demo' (its token is "
            "issued only on a store holding nothing but the demo); choose another name"
        )
    days = _days(expires_days)
    user, token = add_user(station().store, name, role, expires_days=days)
    _print_token("created", user, token)


@user_app.command("renew")
def renew(
    name: str = typer.Argument(..., help="User name."),
    expires_days: str = typer.Option(None, "--expires-days", help=_EXPIRES_HELP),
) -> None:
    """Give a user a new token (lost, leaked or expired): the old one stops working."""
    from sarwatch.cli.context import station
    from sarwatch.services.users import renew_token

    days = _days(expires_days)
    user, token = renew_token(station().store, name, expires_days=days)
    _print_token("has a new token (the old one no longer works)", user, token)


@user_app.command("remove")
def remove(name: str = typer.Argument(..., help="User name.")) -> None:
    """Delete a user: the token stops working (a running server notices within 2 s)."""
    from sarwatch.cli.context import station
    from sarwatch.services.users import remove_user

    remove_user(station().store, name)
    typer.echo(f"user {name} removed")


@user_app.command("list")
def list_users() -> None:
    """List users, roles and when their tokens were issued and expire."""
    from sarwatch.cli.context import station
    from sarwatch.services.users import expiry_text, list_users

    for user in list_users(station().store):
        issued = f"token issued {user.created_at}"
        typer.echo(f"{user.name}\t{user.role}\t{issued}\t{expiry_text(user)}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch user``."""
    app.add_typer(user_app, name="user")

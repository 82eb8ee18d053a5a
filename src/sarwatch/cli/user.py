"""``sarwatch user``: API users with per-user tokens and roles."""

from __future__ import annotations

import typer

__all__ = ["register"]

user_app = typer.Typer(help="Manage API users (coordinator: read/write, observer: read).")


@user_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., help="coordinator or observer."),
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
    user, token = add_user(station().store, name, role)
    typer.echo(f"user {user.name} ({user.role}) created. Token (shown once, keep it safe):")
    typer.echo(token)


@user_app.command("remove")
def remove(name: str = typer.Argument(..., help="User name.")) -> None:
    """Delete a user: the token stops working (a running server notices within 2 s)."""
    from sarwatch.cli.context import station
    from sarwatch.services.users import remove_user

    remove_user(station().store, name)
    typer.echo(f"user {name} removed")


@user_app.command("list")
def list_users() -> None:
    """List users and roles."""
    from sarwatch.cli.context import station
    from sarwatch.services.users import list_users

    for user in list_users(station().store):
        typer.echo(f"{user.name}\t{user.role}\tsince {user.created_at}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch user``."""
    app.add_typer(user_app, name="user")

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
    from sarwatch.services.cases import station_store
    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings

    store = station_store(load_settings())
    user, token = add_user(store, name, role)
    typer.echo(f"user {user.name} ({user.role}) created. Token (shown once, keep it safe):")
    typer.echo(token)


@user_app.command("remove")
def remove(name: str = typer.Argument(..., help="User name.")) -> None:
    """Delete a user: the token stops working (a running server notices within 30 s)."""
    from sarwatch.services.cases import station_store
    from sarwatch.services.users import remove_user
    from sarwatch.settings import load_settings

    remove_user(station_store(load_settings()), name)
    typer.echo(f"user {name} removed")


@user_app.command("list")
def list_users() -> None:
    """List users and roles."""
    from sarwatch.services.cases import station_store
    from sarwatch.settings import load_settings

    store = station_store(load_settings())
    with store.unit_of_work() as uow:
        for user in uow.list_users():
            typer.echo(f"{user.name}\t{user.role}\tsince {user.created_at}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch user``."""
    app.add_typer(user_app, name="user")

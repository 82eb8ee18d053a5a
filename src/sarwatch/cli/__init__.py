"""Command-line interface (Typer + rich). Entry point: :func:`sarwatch.cli.main.main`."""

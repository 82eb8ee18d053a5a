"""``python -m sarwatch`` runs the command-line interface."""

from sarwatch.cli.main import run

if __name__ == "__main__":
    run()

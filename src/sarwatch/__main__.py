"""``python -m sarwatch`` runs the command-line interface."""

from sarwatch.cli.main import main

if __name__ == "__main__":
    main()

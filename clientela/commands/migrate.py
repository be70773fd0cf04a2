from __future__ import annotations

import argparse

from django.core.management import call_command

HELP = "Create or update the database tables (safe to run on every start)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="only report whether migrations are pending (exit 1 if so)",
    )


def run(args: argparse.Namespace) -> int:
    if args.check:
        try:
            call_command("migrate", check=True, plan=True, verbosity=0)
        except SystemExit as exc:
            return int(exc.code or 1)
        return 0
    call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable", verbosity=0)  # a cache kept in the database, if it is
    return 0

from __future__ import annotations

import argparse
import getpass
import secrets
import sys

HELP = "Create a user (an administrator unless --role says otherwise)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--email", required=True)
    parser.add_argument(
        "--role",
        default="administrator",
        help="role code, e.g. administrator, sales-manager, sales-rep",
    )
    parser.add_argument("--team", action="append", default=[], help="team name (repeatable)")
    parser.add_argument("--password", help="the password (default: ask, or --generate-password)")
    parser.add_argument(
        "--generate-password",
        action="store_true",
        help="generate a strong password and print it once",
    )
    parser.add_argument("--first-name", default="")
    parser.add_argument("--last-name", default="")


def _password(args: argparse.Namespace) -> str:
    if args.password:
        return str(args.password)
    if args.generate_password or not sys.stdin.isatty():
        return secrets.token_urlsafe(12)
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise SystemExit("The passwords do not match.")
    return first


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from clientela.platform.errors import DomainError
    from clientela.platform.models import Role, Team
    from clientela.platform.services.users import user_create

    role = Role.objects.filter(slug=args.role).first()
    if role is None:
        codes = ", ".join(Role.objects.values_list("slug", flat=True))
        print(f"error: unknown role {args.role!r}; choose one of: {codes}", file=sys.stderr)
        return 2
    password = _password(args)
    try:
        with transaction.atomic():  # a refused user leaves no new team behind
            teams = [Team.objects.get_or_create(name=name)[0] for name in args.team]
            data = {
                "username": args.username,
                "email": args.email,
                "role": role,
                "teams": teams,
                "first_name": args.first_name,
                "last_name": args.last_name,
            }
            user_create(actor=None, data=data, password=password)
    except DomainError as exc:
        details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
        print(f"error: {exc.message} {details}".strip(), file=sys.stderr)
        return 1
    print(f"created {args.username} ({role.name})")
    if not args.password and (args.generate_password or not sys.stdin.isatty()):
        print(f"password: {password}")
    return 0

"""``clientela configuration``: export the configuration, install a file or a shipped template."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HELP = "export the configuration (custom fields …) or install one from a file or a template"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    export = sub.add_parser("export", help="write the configuration (YAML, or JSON by extension)")
    export.add_argument("file", nargs="?", type=Path, help="where to write (default: stdout)")
    export.add_argument("--format", choices=["yaml", "json"])
    install = sub.add_parser("install", help="install a configuration file or a template")
    install.add_argument("source", help="a .yaml/.json file, or a template's name (see list)")
    install.add_argument("--dry-run", action="store_true", help="check only; change nothing")
    sub.add_parser("list", help="the templates shipped with Clientela")
    for each in (export, install):
        each.add_argument("--user", help="as whom (default: the first administrator)")


def _user(username: str | None) -> Any:
    from clientela.platform.models import User

    users = User.objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return users.filter(role__slug="administrator").order_by("id").first()


def run(args: argparse.Namespace) -> int:
    from clientela.platform.errors import DomainError
    from clientela.platform.services import configuration

    if args.action == "list":
        for vertical in configuration.verticals():
            print(f"{vertical.slug}\t{vertical.name}\t{vertical.description}")
        return 0
    actor = _user(args.user)
    if actor is None:
        print("no such active user (create an administrator first)", file=sys.stderr)
        return 2
    try:
        if args.action == "export":
            return _export(actor, args)
        return _install(actor, args)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for where, messages in exc.errors.items():
            print(f"  {where}: {'; '.join(str(m) for m in messages)}", file=sys.stderr)
        return 1


def _export(actor: Any, args: argparse.Namespace) -> int:
    from clientela.platform.services import configuration

    fmt = args.format or ("json" if args.file and args.file.suffix == ".json" else "yaml")
    text = configuration.dump(configuration.configuration_export(actor=actor), fmt)
    if args.file is None:
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
    return 0


def _install(actor: Any, args: argparse.Namespace) -> int:
    from clientela.platform.services import configuration

    path = Path(args.source)
    if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
        document = configuration.parse(path.read_bytes())
    else:
        document = configuration.vertical_document(args.source)
    report = configuration.configuration_install(
        actor=actor, document=document, dry_run=args.dry_run
    )
    print(json.dumps(report.as_dict(), indent=2))
    return 0

"""The ``clientela`` command: one verb per module in ``clientela.commands``.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
Django is set up before a verb runs, so verbs use the ORM and settings directly. A module may
also define ``prepare(args)``, called before Django is set up, to start work that takes a while
(reading settings is fine there; models are not ready).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

VERBS = (
    *("serve", "worker", "migrate", "demo", "createuser", "backup", "restore", "check", "audit"),
    "import",
    "configuration",
)
# Verbs whose module cannot carry the verb's own name (``import`` is a Python keyword).
MODULES = {"import": "import_"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clientela",
        description="Clientela CRM: run the server, the task worker and maintenance jobs.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb in VERBS:
        module = importlib.import_module(f"clientela.commands.{MODULES.get(verb, verb)}")
        verb_parser = sub.add_parser(verb, help=module.HELP, description=module.HELP)
        module.add_arguments(verb_parser)
        verb_parser.set_defaults(handler=module.run, prepare=getattr(module, "prepare", None))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    args = build_parser().parse_args(argv)
    if args.prepare is not None:
        args.prepare(args)
    import django

    django.setup()
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

"""``clientela audit verify``: prove the audit log is whole, or say where it was tampered with.

Every entry's hash covers its content and the previous entry's hash, and the head row holds the
last one, so a changed, removed or inserted entry (even the last) breaks the chain at that point.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import track

HELP = "Audit log tools: `audit verify` checks that the hash chain is intact."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser(
        "verify",
        help="walk the whole chain and report any entry that was changed or removed",
        description="Walk the whole audit chain; exit 1 if any entry was changed or removed.",
    )


def run(args: argparse.Namespace) -> int:
    from clientela.platform.audit import verify_chain

    walked = 0

    def progress(entries: Iterable[Any], *, total: int) -> Iterator[Any]:
        """Count the entries and show a bar on stderr while ``verify_chain`` walks them."""
        nonlocal walked
        bar = track(
            entries,
            total=total,
            description="Verifying the audit chain",
            console=Console(stderr=True),
            transient=True,
        )
        for entry in bar:
            walked += 1
            yield entry

    problems = verify_chain(progress=progress)
    if not problems:
        print(f"audit chain intact: {walked} entries")
        return 0
    print(f"audit chain BROKEN: {len(problems)} problem(s) in {walked} entries")
    for problem in problems:
        print(f"seq {problem.seq}: {problem.problem}")
    return 1

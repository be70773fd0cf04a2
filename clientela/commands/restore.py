from __future__ import annotations

import argparse

HELP = "(being written)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    return None


def run(args: argparse.Namespace) -> int:
    raise SystemExit("not written yet")

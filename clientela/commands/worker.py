from __future__ import annotations

import argparse
import signal
from types import FrameType

HELP = "Run background tasks and periodic jobs (run several, on any machines, with PostgreSQL)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds to wait when the queue is empty (default 1)",
    )
    parser.add_argument(
        "--max-tasks", type=int, default=None, help="exit after running this many tasks"
    )


def run(args: argparse.Namespace) -> int:
    from clientela.platform.taskqueue.worker import Runner

    runner = Runner(interval=args.interval, max_tasks=args.max_tasks)

    def stop(signum: int, frame: FrameType | None) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.run()
    return 0

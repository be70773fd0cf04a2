from __future__ import annotations

import argparse
import logging

HELP = "Start the web server (ASGI, uvicorn) with an in-process task worker."

logger = logging.getLogger("clientela.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run background tasks in this process (run `clientela worker`)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web worker processes; more than 1 implies --no-worker",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from django.conf import settings

    from clientela.platform.taskqueue.worker import start_in_thread

    runner = None
    if not args.no_worker and args.workers == 1:
        runner = start_in_thread()
    print(f"Clientela is running at http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    if settings.DEBUG:
        print("warning: CLIENTELA_DEBUG is on; never use it in production", flush=True)
    try:
        uvicorn.run(
            "clientela.asgi:application",
            host=args.host,
            port=args.port,
            workers=args.workers,
            lifespan="off",
            access_log=args.access_log,
            log_level="info",
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
        )
    finally:
        if runner is not None:
            runner.stop()
    return 0

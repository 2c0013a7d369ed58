"""`rtlab serve | run`: the lab from a terminal.

- `rtlab serve [--host H] [--port P]` runs the server in the foreground and
  prints its URL; Ctrl-C stops it cleanly.
- `rtlab run` runs the standard comparison (every technique on loopback and
  on an emulated 4G link, at two publish rates), prints the headline table
  and saves the result, by default as `results/standard-DATE-TIME.*` of the
  current directory (`--save-as NAME`, `--data-dir DIR`; `--no-save`: not).
- `rtlab demo` runs the short live demo: every technique's client on one
  topic, one publisher, a table of what each delivered and how fast.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
import time
from collections.abc import Sequence

from aiohttp import web

from rtlab.demo import run_demo
from rtlab.server.app import make_app
from rtlab.server.common import Settings
from rtlab.server.cors import check_origin

__all__ = ["main"]

#: What `rtlab run` names its result when not given --save-as (a time.strftime format).
RUN_NAME = "standard-%Y%m%d-%H%M%S"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(value: str) -> str:
    try:
        return check_origin(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _connection_limit(text: str) -> int | None:
    if text.lower() == "none":
        return None
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a number >= 0 or 'none', got {text!r}")
    return int(text)


def serve(args: argparse.Namespace) -> int:
    if not _is_loopback(args.host):
        print(
            f"warning: binding {args.host} exposes the lab beyond this machine; "
            "publishing is open unless --token is set",
            file=sys.stderr,
        )
    settings = Settings(
        history=args.history,
        heartbeat=args.heartbeat,
        token=args.token,
        allowed_origins=frozenset(args.allow_origin or ()),
        cors_origins=frozenset(args.cors_origin or ()),
        send_limit=args.send_limit or None,
        send_grace=args.send_grace,
        max_connections=args.max_connections,
    )
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    def announce(runner_host: str) -> None:
        print(f"rtlab serving on http://{runner_host} (Ctrl-C to stop)", flush=True)

    async def run() -> None:
        runner = web.AppRunner(
            make_app(settings), access_log=None, shutdown_timeout=5, handler_cancellation=True
        )
        await runner.setup()
        site = web.TCPSite(runner, args.host, args.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        announce(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    # A shell that starts a command in the background (`rtlab serve &`, nohup, some
    # CI runners) hands it SIGINT as ignored; Ctrl-C or `kill -INT` must still stop it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        print("rtlab stopped", flush=True)
    return 0


def demo(args: argparse.Namespace) -> int:
    print(run_demo(messages=args.messages, rate=args.rate, poll_interval=args.poll_interval))
    return 0


def run(args: argparse.Namespace) -> int:
    from rtlab.studies import experiments

    scenarios = experiments.standard_comparison(quick=not args.full)
    started = time.perf_counter()
    result = experiments.run(scenarios, progress=not args.quiet)
    elapsed = time.perf_counter() - started
    print(experiments.headline(result))
    print(f"\n{len(scenarios)} runs in {elapsed:.1f} s")
    if not args.no_save:
        name = args.save_as or time.strftime(RUN_NAME)
        path = result.save(name, args.data_dir)
        print(f"saved to {path.parent}/{name}.*")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p_serve = sub.add_parser("serve", help="run the server in the foreground")
    p_serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p_serve.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    p_serve.add_argument("--history", type=int, default=1000, help="messages kept per topic")
    p_serve.add_argument("--heartbeat", type=float, default=15.0, help="idle heartbeat, seconds")
    p_serve.add_argument("--token", help="require 'Authorization: Bearer TOKEN' to publish")
    p_serve.add_argument(
        "--allow-origin", action="append", help="an extra WebSocket origin to allow (repeatable)"
    )
    p_serve.add_argument(
        "--cors-origin",
        action="append",
        type=_origin,
        help="an origin whose pages may read the HTTP techniques (CORS; repeatable, * for any)",
    )
    p_serve.add_argument(
        "--send-limit",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="end a push connection once this many bytes of messages wait for it "
        "(default 1 MiB; 0: never)",
    )
    p_serve.add_argument(
        "--send-grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="abort a connection ended by the send limit if it still does not read after this",
    )
    p_serve.add_argument(
        "--max-connections",
        type=_connection_limit,
        default=Settings.max_connections,
        metavar="N",
        help="open streams, sockets and held long polls before new ones get 503"
        f" (default {Settings.max_connections}; 'none': no limit)",
    )
    p_serve.set_defaults(func=serve)

    p_run = sub.add_parser("run", help="run the standard comparison and print its table")
    p_run.add_argument("--full", action="store_true", help="10 s runs instead of 1.5 s")
    saving = p_run.add_mutually_exclusive_group()
    saving.add_argument(
        "--save-as", metavar="NAME", help="save the result as NAME.* (default: standard-DATE-TIME)"
    )
    saving.add_argument("--no-save", action="store_true", help="do not save the result")
    p_run.add_argument(
        "--data-dir", default="results", help="where the result is saved (default: ./results)"
    )
    p_run.add_argument("--quiet", action="store_true", help="no progress bars")
    p_run.set_defaults(func=run)

    p_demo = sub.add_parser("demo", help="run the short live demo of every technique")
    p_demo.add_argument("--messages", type=int, default=200, help="messages to publish")
    p_demo.add_argument("--rate", type=float, default=100.0, help="messages per second")
    p_demo.add_argument(
        "--poll-interval", type=float, default=0.5, help="short-poll interval, seconds"
    )
    p_demo.set_defaults(func=demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

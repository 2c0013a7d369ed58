"""`rtlab serve | run | claims | demo`: the lab from a terminal.

- `rtlab serve [--host H] [--port P]` runs the server in the foreground and
  prints its URL; Ctrl-C stops it cleanly.
- `rtlab run` runs the standard comparison (every technique on loopback and
  on an emulated 4G link, at two publish rates), prints the headline table
  and saves the result, by default as `results/standard-DATE-TIME.*` of the
  current directory (`--save-as NAME`, `--data-dir DIR`; `--no-save`: not).
- `rtlab claims` runs the seeds' claims (all, or `--only ID ...`), prints the
  verdict table and can write it as JSON (`--json PATH`) or record the run
  (`--save-as NAME --data-dir DIR`, see `rtlab.runs.store`); with `--update`
  the chosen claims replace theirs in the recorded NAME and the others stay.
- `rtlab demo` runs the short live demo: every technique's client on one
  topic, one publisher, a table of what each delivered and how fast.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import math
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from rtlab.demo import run_demo
from rtlab.server.app import make_app
from rtlab.server.common import Settings
from rtlab.server.cors import check_origin

if TYPE_CHECKING:  # the studies load only for the commands that run them
    from rtlab.studies.claims import ClaimResult

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


# -- rtlab claims -------------------------------------------------------------------


def _chosen_claims(only: Sequence[str] | None, known: Sequence[str]) -> list[str]:
    """The ids to run, in the order given (all when `only` is empty); ValueError
    naming the unknown ones and listing the known."""
    if not only:
        return list(known)
    unknown = [key for key in only if key not in known]
    if unknown:
        listed = ", ".join(map(repr, unknown))
        raise ValueError(f"unknown claim id {listed}; known: {', '.join(known)}")
    return list(dict.fromkeys(only))


def _judge(
    keys: Sequence[str], quick: bool, progress: bool
) -> tuple[list[ClaimResult], dict[str, str]]:
    """Each claim measured and judged in turn, a bar stepping once per claim; a
    claim whose measurement fails is reported (id -> error) and the others still run."""
    from rtlab.runs.progress import progress_bar
    from rtlab.studies.claims.registry import evaluate

    results, failed = [], {}
    with progress_bar(keys, desc="claims", unit="claim", disable=not progress) as bar:
        for key in bar:
            bar.set_postfix_str(key)
            try:
                results.append(evaluate(key, quick))
            except Exception as exc:  # reported at the end, with the exit code
                failed[key] = f"{type(exc).__name__}: {exc}"
    return results, failed


def _figure(value: float) -> float | None:
    """A measured figure for JSON: NaN and infinities (no JSON number) as null."""
    return float(value) if math.isfinite(value) else None


def _claim_record(result: ClaimResult) -> dict[str, Any]:
    """One judged claim as `rtlab claims --json` writes it: id, seed, quote,
    claim, verdict, rule, evidence (the measured figures by name), conditions.
    Seed, quote, rule and conditions come from the claim catalogue's entry of
    the same id (`rtlab.studies.claims.catalogue`)."""
    from rtlab.studies.claims.catalogue import CATALOGUE

    entry = next(e for e in CATALOGUE if e.id == result.key)
    return {
        "id": result.key,
        "seed": entry.seed,
        "quote": entry.quote,
        "claim": result.claim,
        "verdict": result.verdict,
        "rule": entry.rule,
        "evidence": {name: _figure(value) for name, value in result.measured.items()},
        "conditions": entry.conditions,
    }


def claims(args: argparse.Namespace) -> int:
    """Measure and judge the chosen claims, print the verdicts, write or record them:
    0 when every claim was judged, 1 if a measurement failed, 2 for an unknown id."""
    from rtlab.env import quick_mode
    from rtlab.runs import store
    from rtlab.studies.claims import records
    from rtlab.studies.claims.registry import CLAIMS
    from rtlab.views.claims import table

    try:
        keys = _chosen_claims(args.only, list(CLAIMS))
    except ValueError as exc:
        print(f"rtlab claims: {exc}", file=sys.stderr)
        return 2
    quick = args.quick or quick_mode()
    started = time.perf_counter()
    results, failed = _judge(keys, quick, progress=not args.quiet)
    elapsed = time.perf_counter() - started
    print(table(results))
    print(f"\n{len(results)} of {len(keys)} claims judged in {elapsed:.1f} s")
    if args.json:
        written = [_claim_record(result) for result in results]
        Path(args.json).write_text(
            json.dumps(written, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        )
        print(f"wrote {args.json}")
    if args.save_as:
        meta = {"quick": quick, "ids": keys, "failed": failed, "seconds": round(elapsed, 1)}
        folder = args.data_dir or store.DATA_DIR
        if args.update:
            try:
                results, meta = records.updated(args.save_as, folder, results, meta, list(CLAIMS))
            except ValueError as exc:
                print(f"rtlab claims: {exc}", file=sys.stderr)
                return 2
        path = store.save(args.save_as, records.frames(results), meta, folder)
        print(f"saved to {path.parent}/{args.save_as}.*")
    for key, error in failed.items():
        print(f"rtlab claims: measuring {key!r} failed: {error}", file=sys.stderr)
    return 1 if failed else 0


def _serve_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    command.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    command.add_argument("--history", type=int, default=1000, help="messages kept per topic")
    command.add_argument("--heartbeat", type=float, default=15.0, help="idle heartbeat, seconds")
    command.add_argument("--token", help="require 'Authorization: Bearer TOKEN' to publish")
    command.add_argument(
        "--allow-origin", action="append", help="an extra WebSocket origin to allow (repeatable)"
    )
    command.add_argument(
        "--cors-origin",
        action="append",
        type=_origin,
        help="an origin whose pages may read the HTTP techniques (CORS; repeatable, * for any)",
    )
    command.add_argument(
        "--send-limit",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="end a push connection once this many bytes of messages wait for it "
        "(default 1 MiB; 0: never)",
    )
    command.add_argument(
        "--send-grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="abort a connection ended by the send limit if it still does not read after this",
    )
    command.add_argument(
        "--max-connections",
        type=_connection_limit,
        default=Settings.max_connections,
        metavar="N",
        help="open streams, sockets and held long polls before new ones get 503"
        f" (default {Settings.max_connections}; 'none': no limit)",
    )


def _run_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--full", action="store_true", help="10 s runs instead of 1.5 s")
    saving = command.add_mutually_exclusive_group()
    saving.add_argument(
        "--save-as", metavar="NAME", help="save the result as NAME.* (default: standard-DATE-TIME)"
    )
    saving.add_argument("--no-save", action="store_true", help="do not save the result")
    command.add_argument(
        "--data-dir", default="results", help="where the result is saved (default: ./results)"
    )
    command.add_argument("--quiet", action="store_true", help="no progress bars")


def _claims_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--quick", action="store_true", help="the short measurements (also: RTLAB_QUICK=1)"
    )
    command.add_argument("--only", nargs="+", metavar="ID", help="only these claims")
    command.add_argument("--json", metavar="PATH", help="write the verdicts as JSON to PATH")
    command.add_argument("--save-as", metavar="NAME", help="record the run as NAME.*")
    command.add_argument(
        "--update",
        action="store_true",
        help="with --save-as: replace only these claims in the recorded NAME.*, keep the others",
    )
    command.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where --save-as records (default: the project's data/)",
    )
    command.add_argument("--quiet", action="store_true", help="no progress bar")


def _demo_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--messages", type=int, default=200, help="messages to publish")
    command.add_argument("--rate", type=float, default=100.0, help="messages per second")
    command.add_argument(
        "--poll-interval", type=float, default=0.5, help="short-poll interval, seconds"
    )


_COMMANDS = (  # name, what it runs, its help line, its options
    ("serve", serve, "run the server in the foreground", _serve_options),
    ("run", run, "run the standard comparison and print its table", _run_options),
    ("claims", claims, "judge the seed articles' claims, print the verdicts", _claims_options),
    ("demo", demo, "run the short live demo of every technique", _demo_options),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_line, options in _COMMANDS:
        command = sub.add_parser(name, help=help_line)
        options(command)
        command.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

"""``jupyter qsession …``: command-line entry points of jupyter-qsession."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .emulator.scheduler import DEFAULT_INTERACTIVE_TTL, MAX_TTL_LIMIT, PLANS
from .emulator.service import DEFAULT_JOB_OVERHEAD, DEFAULT_QUEUE_WAIT


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number of seconds, got {text}")
    return value


def _positive_seconds(text: str) -> int:
    value = _seconds(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds >= 1, got {text}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter qsession", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    emu = commands.add_parser(
        "emulator",
        help="run the local Qiskit Runtime emulator on 127.0.0.1",
        description="Run a local Qiskit Runtime service with IBM's session rules and Aer.",
    )
    emu.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    emu.add_argument(
        "--interactive-timeout",
        type=_positive_seconds,
        default=DEFAULT_INTERACTIVE_TTL,
        help=f"seconds a session stays active without jobs (default {DEFAULT_INTERACTIVE_TTL})",
    )
    emu.add_argument(
        "--max-ttl-limit",
        type=_positive_seconds,
        default=MAX_TTL_LIMIT,
        help=f"largest max_ttl a session may ask for, in seconds (default {MAX_TTL_LIMIT})",
    )
    emu.add_argument(
        "--queue-wait",
        type=_seconds,
        default=DEFAULT_QUEUE_WAIT,
        help=f"seconds a job waits behind other users' work (default {DEFAULT_QUEUE_WAIT:g})",
    )
    emu.add_argument(
        "--job-overhead",
        type=_seconds,
        default=DEFAULT_JOB_OVERHEAD,
        help=f"fixed QPU seconds added to every job (default {DEFAULT_JOB_OVERHEAD:g})",
    )
    emu.add_argument("--plan", choices=PLANS, default="paid", help="instance plan (default paid)")
    emu.add_argument("--token", default=None, help="API key clients must present (default: random)")
    return parser


def run_emulator(args: argparse.Namespace) -> None:
    from .emulator import Emulator

    emulator = Emulator(
        api_key=args.token,
        queue_wait=args.queue_wait,
        interactive_ttl=args.interactive_timeout,
        max_ttl_limit=args.max_ttl_limit,
        plan=args.plan,
        job_overhead=args.job_overhead,
    )

    async def main() -> None:
        url = emulator.start(args.port)
        print(url, flush=True)
        print(f"API key: {emulator.api_key}", flush=True)
        print(
            "Connect: from jupyter_qsession.emulator import runtime_service; "
            f"service = runtime_service({url!r}, {emulator.api_key!r})",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        emulator.stop()

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command == "emulator":
        run_emulator(args)


if __name__ == "__main__":
    main(sys.argv[1:])

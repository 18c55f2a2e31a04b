"""``jupyter qsession …``: command-line entry points of jupyter-qsession: the emulator, and the
account's sessions (``list``, ``close``, ``cancel``: :mod:`jupyter_qsession.commands`)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from traitlets import Enum, Int, TraitError

from .emulator.labs import live_leases
from .wire import OPERATOR_KEY_ENV

if TYPE_CHECKING:
    from .emulator.emulator import Emulator

ORPHAN_GRACE = 60.0  # an emulator whose labs all died exits after this long


def _emulator_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per emulator setting, with the trait's default, choices and help."""
    from .emulator.settings import QSessionEmulator

    for name, trait in QSessionEmulator.class_traits(config=True).items():
        flag = "--" + name.replace("_", "-")
        default = trait.default_value
        if isinstance(trait, Enum):
            parser.add_argument(flag, choices=trait.values, default=default, help=trait.help)
        else:
            kind = int if isinstance(trait, Int) else float
            parser.add_argument(
                flag, type=kind, default=default, help=f"{trait.help} (default {default})"
            )


def build_parser() -> argparse.ArgumentParser:
    from .commands.sessions import EXIT_STATUS

    parser = argparse.ArgumentParser(
        prog="jupyter qsession",
        description="The Qiskit Runtime emulator, and the account's sessions from a terminal.",
        epilog=f"list, close and cancel: {EXIT_STATUS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    emu = commands.add_parser(
        "emulator",
        help="run the local Qiskit Runtime emulator on 127.0.0.1",
        description="Run a local Qiskit Runtime service with IBM's session rules and Aer.",
    )
    emu.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    emu.add_argument(
        "--socket-fd",
        type=int,
        default=None,
        help="serve this inherited listening socket instead of --port (a supervisor that keeps "
        "it open across restarts makes clients wait instead of being refused meanwhile)",
    )
    emu.add_argument(
        "--token",
        default=None,
        help=f"the operator's API key: it sees every user's work and hands out users' keys "
        f"(default: ${OPERATOR_KEY_ENV}, else random)",
    )
    emu.add_argument(
        "--state",
        default=None,
        help="SQLite file that keeps sessions, jobs and keys across restarts (default: memory)",
    )
    emu.add_argument(
        "--info-file", default=None, help="write {url, pid} here while running (for lab servers)"
    )
    emu.add_argument(
        "--lease-dir",
        default=None,
        help="lab servers using this emulator hold a file named by their pid here; when all "
        "of them have been dead for --orphan-grace seconds, the emulator exits",
    )
    emu.add_argument(
        "--orphan-grace",
        type=float,
        default=ORPHAN_GRACE,
        help=f"see --lease-dir (default {ORPHAN_GRACE:g} s)",
    )
    emu.add_argument(
        "--clock",
        choices=["wall", "manual"],
        default="wall",
        help="manual: time moves only through POST /api/v1/qsession/clock (tests)",
    )
    emu.add_argument(
        "--save-account",
        metavar="NAME",
        default=None,
        help="once listening, save this emulator as qiskit-ibm-runtime account NAME holding "
        "the current OS user's key on it, as QiskitRuntimeService.save_account does (replacing "
        "an account of that name): a lab then serves it beside its own emulator. The account "
        "names this run's URL and key: give --port and --state for an account that outlives "
        "the process",
    )
    emu.add_argument(
        "--default",
        action="store_true",
        help="with --save-account: make it the default account (set_as_default=True)",
    )
    emu.add_argument(
        "--account-file",
        default=None,
        help="with --save-account: the account file (default: the client's, "
        "~/.qiskit/qiskit-ibm.json)",
    )
    _emulator_options(emu)
    from .commands.sessions import add_commands

    add_commands(commands)
    return parser


def run_emulator(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    from .emulator.settings import QSessionEmulator

    if (args.default or args.account_file) and not args.save_account:
        parser.error("--default and --account-file go with --save-account NAME")
    names = QSessionEmulator.class_trait_names(config=True)
    try:
        settings = QSessionEmulator(**{name: getattr(args, name) for name in names})
    except TraitError as exc:
        parser.error(str(exc))
    from .emulator.clock import ManualClock

    token = args.token or os.environ.get(OPERATOR_KEY_ENV) or None
    clock = ManualClock() if args.clock == "manual" else None
    from .errors import QSessionError

    try:
        emulator = settings.build(api_key=token, clock=clock, state_path=args.state)
    except QSessionError as exc:  # its state cannot be opened: one line, not a traceback
        parser.exit(1, f"jupyter qsession emulator: {exc.message}\n")
    info = Path(args.info_file) if args.info_file else None
    failed: list[str] = []  # why the emulator stopped at once (exit status 1)

    async def main() -> None:
        # Signal handlers first: whoever reads the URL line may stop us right away.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        sock = None
        if args.socket_fd is not None:
            sock = socket.socket(fileno=args.socket_fd)
            sock.set_inheritable(False)  # ours only: not a simulation worker's
        url = emulator.start(args.port, sock=sock)
        if info is not None:
            info.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
        print(url, flush=True)
        if args.save_account:
            try:
                print(_save_account(emulator, url, args), flush=True)
            except (OSError, ValueError, QSessionError) as exc:
                failed.append(f"cannot save account {args.save_account!r}: {exc}")
                stop.set()
        if args.token is None and not os.environ.get(OPERATOR_KEY_ENV):
            print(f"API key: {emulator.api_key}", flush=True)
            print(
                "Connect: from jupyter_qsession.emulator import runtime_service; "
                f"service = runtime_service({url!r}, {emulator.api_key!r})",
                flush=True,
            )
        if args.lease_dir:
            asyncio.ensure_future(
                _exit_when_orphaned(Path(args.lease_dir), stop, args.orphan_grace)
            )
        try:
            await stop.wait()
        finally:
            if info is not None:
                info.unlink(missing_ok=True)
            emulator.stop()

    asyncio.run(main())
    if failed:
        parser.exit(1, f"jupyter qsession emulator: {failed[0]}\n")


def _save_account(emulator: Emulator, url: str, args: argparse.Namespace) -> str:
    """Save the running emulator as an account holding the OS user's key (the user the lab's
    kernels run as, so sessions opened through the account are theirs); say where."""
    from .client.accounts_file import save_account

    key = emulator.tokens.key_for(getpass.getuser())
    path = save_account(
        args.save_account,
        url=url,
        token=key,
        instance=emulator.instance,
        path=args.account_file,
        default=args.default,
    )
    default = " (the default account)" if args.default else ""
    return f"Saved as qiskit-ibm-runtime account {args.save_account!r}{default} in {path}"


async def _exit_when_orphaned(leases: Path, stop: asyncio.Event, grace: float) -> None:
    """Set ``stop`` once no lab server holding a lease has been alive for ``grace`` seconds."""
    orphaned_since: float | None = None
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        await asyncio.sleep(min(5.0, grace / 2))
        if live_leases(leases):
            orphaned_since = None
        elif orphaned_since is None:
            orphaned_since = loop.time()
        elif loop.time() - orphaned_since >= grace:
            stop.set()


def main(argv: list[str] | None = None) -> int:
    """The exit status: ``emulator`` 0 once stopped; the session commands as their ``--help``
    says (0 done, 1 unreachable or refused, 2 usage, 3 nothing done to what was named)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "emulator":
        run_emulator(parser, args)
        return 0
    from .commands.sessions import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

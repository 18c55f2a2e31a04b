"""``jupyter qsession list|close|cancel``: the command line over :mod:`.lab` and
:mod:`jupyter_qsession.client.direct`.

Results go to stdout (a table, or JSON with ``--json``); notes — which server or service was
used, what was passed over — and errors go to stderr, so ``--json`` output always parses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from ..client.direct import DirectService
from ..errors import Conflict, NotFound, ProviderUnavailable, QSessionError
from ..session_table import render
from .lab import LabServer, find_labs

OK, UNREACHABLE, USAGE, NOTHING_DONE = 0, 1, 2, 3

EXIT_STATUS = """exit status:
  0  done (or there was nothing to do: no idle session)
  1  the lab server or the Qiskit Runtime service could not be reached, or refused
  2  usage error: bad arguments, or close --idle without --yes where no terminal can confirm
  3  nothing was done to what was named: an unknown session id or account, a session on
     another account than --account names, a session that had already ended (or is
     closing), an idle session that got a job meanwhile (skipped), or a declined
     confirmation"""

WHERE = """Through the running lab server's REST API (found as `jupyter server list` finds servers,
with its token) when one with jupyter-qsession runs; otherwise straight against the service:
$QSESSION_EMULATOR_URL/$QSESSION_EMULATOR_TOKEN, the emulator a lab left running in
--emulator-dir, or the saved IBM Quantum account. --account NAME: through a lab, only the
sessions of that account it serves; straight, that account (saved with
QiskitRuntimeService.save_account, $QISKIT_IBM_TOKEN's "environment", or the lab's "emulator")."""


def add_commands(commands: Any) -> None:
    """The ``list``, ``close`` and ``cancel`` subcommands of ``jupyter qsession``."""
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where")
    where.add_argument(
        "--server", metavar="URL", help="the lab server to use (default: the running one)"
    )
    where.add_argument(
        "--token",
        help="the lab server's token (default: the one in its runtime file)",
    )
    where.add_argument(
        "--direct",
        action="store_true",
        help="talk to the service straight, even when a lab server runs",
    )
    where.add_argument(
        "--emulator-dir",
        type=Path,
        default=None,
        help="where a lab's emulator keeps emulator.json and operator.key "
        "(default: <jupyter data dir>/qsession)",
    )
    where.add_argument(
        "--account",
        metavar="NAME",
        help="only this account's sessions (a lab serves several); without a lab server: "
        "this saved account instead of the default one",
    )
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    shape = {"parents": [common], "epilog": f"{WHERE}\n\n{EXIT_STATUS}",
             "formatter_class": argparse.RawDescriptionHelpFormatter}  # fmt: skip

    listing = commands.add_parser(
        "list",
        help="list the sessions of the lab's kernels (--all: the account's too)",
        description="The sessions of the lab server's kernels; with --all also the account's\n"
        "open sessions found elsewhere (a script, another server, a colleague). Without a\n"
        "lab server every open session of the account is listed.",
        **shape,
    )
    listing.add_argument(
        "--all", action="store_true", help="also the account's sessions found elsewhere"
    )
    close = commands.add_parser(
        "close",
        help="close a session (its queued jobs still run), or every idle one (--idle)",
        description="Close a session: it takes no new jobs and ends once its queued jobs ran.\n"
        "--idle closes every idle session you own (open, taking jobs, none queued or\n"
        "running) after listing them and asking; --yes skips the question.",
        **shape,
    )
    close.add_argument("session_id", nargs="?", metavar="SESSION_ID")
    close.set_defaults(subparser=close)
    close.add_argument("--idle", action="store_true", help="close every idle session you own")
    close.add_argument("--yes", "-y", action="store_true", help="do not ask before --idle")
    cancel = commands.add_parser(
        "cancel",
        help="cancel a session: its queued jobs are cancelled",
        description="Cancel a session: it ends now and its queued jobs are cancelled.",
        **shape,
    )
    cancel.add_argument("session_id", metavar="SESSION_ID")


def run(
    args: argparse.Namespace,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    ask: Callable[[str], str] = input,
    clock: Callable[[], float] = time.time,
) -> int:
    """Run ``list``, ``close`` or ``cancel``; the exit status (see ``EXIT_STATUS``)."""
    if args.command == "close" and (args.idle == (args.session_id is not None)):
        args.subparser.error("give either a SESSION_ID or --idle")
    command = Command(args, out, err, ask, clock)
    try:
        return command.run()
    except (NotFound, Conflict) as error:
        print(f"jupyter qsession: {error.message}", file=err)
        return NOTHING_DONE
    except QSessionError as error:
        print(f"jupyter qsession: {error.message}", file=err)
        return UNREACHABLE


class Command:
    def __init__(
        self,
        args: argparse.Namespace,
        out: TextIO,
        err: TextIO,
        ask: Callable[[str], str],
        clock: Callable[[], float],
    ) -> None:
        self.args, self.out, self.err, self.ask, self.clock = args, out, err, ask, clock

    def run(self) -> int:
        target = self.target()
        if self.args.command == "list":
            return self.list(target)
        if self.args.command == "close" and self.args.idle:
            return self.close_idle(target)
        return self.end(target, self.args.command, self.args.session_id)

    # ----------------------------------------------------------------- where
    def target(self) -> LabServer | DirectService:
        """The lab server to use, else the service itself (saying which on stderr)."""
        args = self.args
        if not args.direct:
            found = find_labs(args.server, args.token)
            if found.usable:
                lab = found.usable[0]
                others = [other.url for other in found.usable[1:]]
                if others:
                    self.note(
                        f"Using the lab server at {lab.url}; {len(others)} more run "
                        f"jupyter-qsession ({', '.join(others)}): choose with --server URL."
                    )
                if args.account is not None:
                    served = [account["name"] for account in lab.accounts()]
                    if args.account not in served:
                        raise NotFound(
                            f"The lab server at {lab.url} serves no account named "
                            f"{args.account!r} (accounts: {', '.join(served)})."
                        )
                return lab
            if args.server is not None:
                raise ProviderUnavailable(found.passed_over[0])
            for reason in found.passed_over:
                self.note(f"Not using {reason}")
        service = DirectService.connect(args.emulator_dir, args.account)
        self.note(f"No lab server with jupyter-qsession is used: asking {service.where}.")
        return service

    # ----------------------------------------------------------------- commands
    def list(self, target: LabServer | DirectService) -> int:
        if isinstance(target, LabServer):
            sessions = self.on_account(target.sessions(every=self.args.all))
            empty = "No session." if self.args.all else (
                "No session of this lab's kernels (--all: the account's too).")  # fmt: skip
            if self.args.account is not None:
                empty = f"{empty[:-1]} on account {self.args.account}."
        else:
            sessions = target.sessions()
            empty = f"No open session on {target.where}."
        if self.args.json:
            self.write_json({"sessions": sessions})
        else:
            print(render(sessions, self.clock()) if sessions else empty, file=self.out)
        return OK

    def end(self, target: LabServer | DirectService, how: str, session_id: str) -> int:
        wanted = self.args.account
        if isinstance(target, LabServer) and wanted is not None:
            account = (target.session(session_id).get("account") or {}).get("name")
            if account != wanted:
                raise Conflict(
                    f"Session {session_id} is on account {account}, not {wanted}: nothing was done."
                )
        session = target.end(session_id, how)
        if self.args.json:
            self.write_json(session)
        elif how == "close":
            print(f"Session {session_id} closed: queued jobs still run.", file=self.out)
        else:
            print(f"Session {session_id} cancelled: queued jobs are cancelled.", file=self.out)
        return OK

    def close_idle(self, target: LabServer | DirectService) -> int:
        if isinstance(target, LabServer):
            idle = self.on_account(target.sessions(idle=True))
        else:
            idle = target.idle()
        if not idle:
            if self.args.json:
                self.write_json({"closed": [], "skipped": []})
            else:
                print("No idle session: nothing to close.", file=self.out)
            return OK
        if not self.args.yes:
            if not self.confirm(idle):
                print("Nothing was closed.", file=self.err)
                return NOTHING_DONE
        result = target.close_idle([session["id"] for session in idle])
        if self.args.json:
            self.write_json(result)
        else:
            for session in result["closed"]:
                print(f"Closed session {session['id']} on {session['backend']}.", file=self.out)
            for skipped in result["skipped"]:
                print(f"Left session {skipped['id']} open: {skipped['reason']}", file=self.out)
        return NOTHING_DONE if result["skipped"] else OK

    def confirm(self, idle: list[dict[str, Any]]) -> bool:
        """List what --idle would close and ask; refuse (a usage error) without a terminal."""
        if not sys.stdin.isatty():
            print(
                f"jupyter qsession: close --idle would close {len(idle)} idle session(s) "
                f"({', '.join(session['id'] for session in idle)}); no terminal to confirm "
                "in: run it again with --yes. Nothing was closed.",
                file=self.err,
            )
            raise SystemExit(USAGE)
        print(render(idle, self.clock()), file=self.err if self.args.json else self.out)
        answer = self.ask(f"Close these {len(idle)} idle session(s)? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    def on_account(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The lab's sessions on the account ``--account`` names (all without it)."""
        wanted = self.args.account
        if wanted is None:
            return sessions
        return [s for s in sessions if (s.get("account") or {}).get("name") == wanted]

    # ----------------------------------------------------------------- output
    def note(self, text: str) -> None:
        print(text, file=self.err)

    def write_json(self, value: Any) -> None:
        json.dump(value, self.out, indent=2)
        self.out.write("\n")

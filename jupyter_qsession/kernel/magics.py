"""``%%qsession``: run a cell's primitives in the kernel's live Qiskit Runtime session.

``%%qsession [--backend NAME] [--account NAME] [--max-time 15m] [--mode session|batch] [--new]
[--close]`` opens the kernel's session (or reuses the open one) on the account that has the
backend (or the one named; ``kernel/accounts.py`` chooses), defines ``session``, ``backend``
and ``service`` (that account's), and runs the cell inside qiskit-ibm-runtime's own session
context, so primitives created in the cell without a mode run in the session: the client-side
``Sampler``, ``Estimator`` (``qiskit_ibm_runtime.executor_sampler``/``executor_estimator``)
and ``Executor`` as well as the deprecated ``SamplerV2`` and ``EstimatorV2``.

``%qsession [status|list|close|cancel|use ID]`` inspects or ends it; ``%qsession list --all``
also lists the account's other open sessions (``kernel/account_listing.py``);
``%qsession accounts`` lists the accounts with their state (``kernel/accounts_view.py``).
A ``Session`` the user opens without the magic is registered under the kernel too
(``kernel/attribution.py``).

Loading the extension imports none of qiskit, its Runtime client or the emulator: the client
is imported by the first cell that needs the service. A refusal is shown as its one-line
``message`` (an error of :mod:`jupyter_qsession.errors`), without a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..client.calls import call, parallel
from ..durations import parse_duration
from ..errors import BadRequest, QSessionError
from ..session_table import account_name, job_counts
from ..vocabulary import ENDED_WORDS, MODE_WORDS, SessionState, state_word
from . import attribution
from .accounts_view import accounts_table
from .bridge import BridgeClient
from .kernel_sessions import KernelSessions
from .status import CellStatus, StatusFollower, summary

LINE_USAGE = "Usage: %qsession [status | list [--all] | accounts | close | cancel | use SESSION_ID]"


@magics_class
class QSessionMagics(Magics):
    def __init__(
        self,
        shell: Any,
        sessions: KernelSessions | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(shell)
        self.sessions = sessions or KernelSessions()
        self.clock = clock
        self._follower: StatusFollower | None = None

    @magic_arguments()
    @argument("--backend", help="Backend of a new session, e.g. fake_manila.")
    @argument("--account", help="The account to open it on (default: the one with the backend).")
    @argument("--max-time", help="Max TTL of a new session: 90s, 15m, 1h30m, or seconds.")
    @argument("--mode", choices=["session", "batch"], default="session")
    @argument("--new", action="store_true", help="Close this kernel's session and open another.")
    @argument("--close", action="store_true", help="Close the session when the cell ends.")
    @line_cell_magic
    def qsession(self, line: str, cell: str | None = None) -> None:
        """Run the cell in this kernel's Qiskit Runtime session (see the module docstring)."""
        try:
            if cell is None:
                self._line(line.split())
            else:
                self._cell(parse_argstring(self.qsession, line), cell)
        except QSessionError as error:
            raise UsageError(error.message) from None

    # ----------------------------------------------------------------- %%qsession
    def _cell(self, args: Any, cell: str) -> None:
        """``run_cell_magic("qsession", …)``: the body runs one ``run_cell`` deeper. A cell
        typed in a notebook takes :meth:`begin_cell` instead (see :func:`run_at_cell_depth`)."""
        finish = self._begin(args)
        try:
            self.shell.run_cell(cell)
        finally:
            finish()

    def begin_cell(self, line: str) -> None:
        """The first statement of a ``%%qsession`` cell rewritten by :func:`run_at_cell_depth`:
        open the session and route primitives into it; the body then runs as the cell itself,
        and the session context is left when the cell ends (``post_run_cell``)."""
        try:
            finish = self._begin(parse_argstring(self.qsession, line))
        except QSessionError as error:
            raise UsageError(error.message) from None
        events = self.shell.events

        def after_cell(result: Any) -> None:
            events.unregister("post_run_cell", after_cell)
            try:
                finish()
            except QSessionError as error:
                print(f"UsageError: {error.message}")

        events.register("post_run_cell", after_cell)

    def _begin(self, args: Any) -> Callable[[], None]:
        """Open or reuse the session, show the cell's status and enter the session's context;
        return what ends the cell: leave the context, ``--close``, update the status."""
        from qiskit_ibm_runtime.utils.default_session import set_cm_session

        max_time = parse_duration(args.max_time) if args.max_time else None
        live, opened = self.sessions.ensure(
            args.backend, account=args.account, mode=args.mode, max_time=max_time, new=args.new
        )
        for note in live.notes if opened else []:
            print(note)
        # Shown before the body runs, so the cell's jobs are visible while they queue.
        status = CellStatus(live, started=self.clock(), after_job=live.newest_job)
        status.show(summary(live.label, live.mode, live.id, None, [], 0, running=True))
        self.shell.user_ns.update(session=live.session, backend=live.backend)
        self.shell.user_ns["service"] = live.service
        set_cm_session(live.session)  # what `with Session(...)` does, without closing after

        def finish() -> None:
            set_cm_session(None)
            if args.close:
                self.sessions.end("close")
            cell_jobs, details = parallel(lambda: live.new_jobs(live.service), live.details)
            status.finish(cell_jobs, details, self.clock())
            self._follow(status)

        return finish

    def _follow(self, status: CellStatus) -> None:
        """Keep ``status`` current where nothing else does: in a kernel (whose displays can
        be updated) that is not a lab server's (whose events the sidebar's renderer follows)."""
        if getattr(self.shell, "kernel", None) is None or BridgeClient.from_kernel() is not None:
            return
        if self._follower is None:
            self._follower = StatusFollower(clock=self.clock)
        self._follower.follow(status)

    # ----------------------------------------------------------------- %qsession
    def _line(self, words: list[str]) -> None:
        command = words[0] if words else "status"
        if command == "status" and len(words) <= 1:
            live = self.sessions.current
            if live is None:
                print("No session is open in this kernel.")
            else:
                status = CellStatus(live, started=self.clock(), in_cell=False)
                status.refresh(None, self.clock())
                status.show(status.text)
                self._follow(status)
        elif command == "list" and len(words) == 1:
            self._list()
        elif command == "list" and words[1:] == ["--all"]:
            from .account_listing import account_table

            print(account_table(self.sessions, self.clock()))
        elif command == "accounts" and len(words) == 1:
            print(accounts_table(self.sessions.accounts.listing()))
        elif command in ("close", "cancel") and len(words) == 1:
            live, already = self.sessions.end(command)
            name = f"Session {live.id}" + (f" on {live.account}" if live.shown else "")
            if already is not None:
                print(f"{name} had already ended: {already}. Nothing to {command}.")
            elif command == "close":
                print(f"{name} closed: queued jobs still run.")
            else:
                print(f"{name} cancelled: queued jobs are cancelled.")
        elif command == "use" and len(words) == 2:
            live = self.sessions.attach(words[1])
            for note in live.notes:
                print(note)
            print(f"This kernel now uses session {live.id} on {live.label}.")
        else:
            raise BadRequest(LINE_USAGE)

    def _list(self) -> None:
        """This kernel's sessions as the lab server lists them, each with its jobs counted by
        primitive and status, oldest first."""
        bridge = BridgeClient.from_kernel()
        if bridge is None:
            self._list_current()
            return
        try:
            sessions = bridge.sessions()
        except QSessionError as error:
            raise type(error)(f"The lab server did not answer: {error.message}") from None
        if not sessions:
            print("No session registered under this kernel.")
            return
        several = len(self.sessions.accounts.listing()) > 1
        rows = [("session", "account", "backend", "mode", "state", "jobs")]
        for session in sessions:
            state = state_word(session["state"], session["accepting_jobs"])
            if session["state"] == SessionState.CLOSED:
                reason = session["ended_reason"]
                state = f"ended: {ENDED_WORDS.get(reason, reason or 'closed')}"
            counts = job_counts((job["primitive"], job["status"]) for job in session["jobs"][::-1])
            mode = MODE_WORDS.get(session["mode"], session["mode"])
            account = account_name(session) or "?"
            cells = (session["id"], account, session["backend"], mode, state, counts or "no jobs")
            rows.append(cells)
        if not several:  # one account: today's table
            rows = [(row[0], *row[2:]) for row in rows]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
        for row in rows:
            padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
            print("  ".join([*padded, row[-1]]))

    def _list_current(self) -> None:
        """Outside a lab no server keeps this kernel's sessions: its current one, as the
        service lists it."""
        live = self.sessions.current
        if live is None:
            print("No session in this kernel.")
            return
        jobs = call(live.service.jobs, session_id=live.id, limit=100)[::-1]
        statuses = parallel(*[job.status for job in jobs])
        counts = job_counts(zip([job.primitive_id for job in jobs], statuses, strict=True))
        print(f"{live.id} on {live.label}  jobs: {counts or 'none yet'}")


def run_at_cell_depth(magics: QSessionMagics) -> Callable[[list[str]], list[str]]:
    """An input transformer that runs a ``%%qsession`` cell's body as the cell itself, not
    one ``run_cell`` deeper: ``%%qsession ARGS`` becomes a first statement that begins the
    session (:meth:`QSessionMagics.begin_cell`), and the body follows it unchanged. The body's
    line numbers stay the cell's, and the client's requests (it walks the calling stack on
    each one, status polls included) cost what they cost in a cell without the magic."""

    def transform(lines: list[str]) -> list[str]:
        if not lines or not lines[0].startswith("%%qsession") or lines[0][10:11].strip():
            return lines
        args = lines[0][len("%%qsession") :].strip()
        begin = f"get_ipython().magics_manager.registry[{type(magics).__name__!r}]"
        return [f"{begin}.begin_cell({args!r})\n", *lines[1:]]

    return transform


def load_ipython_extension(ipython: Any) -> None:
    magics = QSessionMagics(ipython)
    ipython.register_magics(magics)
    held = magics.sessions
    attribution.install(ipython, lambda: {s.id for s in (held.current, held.last) if s})
    transformers = ipython.input_transformers_cleanup
    if not any(getattr(t, "qsession", False) for t in transformers):
        transform = run_at_cell_depth(magics)
        transform.qsession = True  # type: ignore[attr-defined]  # found again on a reload
        transformers.append(transform)

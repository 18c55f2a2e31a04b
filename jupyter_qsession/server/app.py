"""The jupyter-server extension: configuration, wiring, start and stop.

The lab's own settings are traitlets of :class:`QSessionApp` (``c.QSessionApp.…``, its
accounts among them: :mod:`.account_sources`); each kind of account's are its provider's
(``c.EmulatorProvider.…`` with the emulator's ``c.QSessionEmulator.…``, and
``c.RuntimeServiceProvider.…`` for every saved or configured account). The ``help`` texts
are the user documentation. The policies live in :mod:`.lifecycle`, the state in :mod:`.manager`.
"""

from __future__ import annotations

import getpass
import logging
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Enum, Float, Instance, List, Unicode, default

from ..emulator.settings import QSessionEmulator
from ..vocabulary import EMULATOR_ACCOUNT
from ..wire import ACCOUNT_FILE_ENV, API_PREFIX, BRIDGE_URL_ENV, PROVIDER_ENV
from .account_sources import AccountSources
from .events import EventHub, EventsSocket
from .handlers import (
    AccountsHandler,
    CloseIdleHandler,
    InfoHandler,
    JobCancelHandler,
    KernelAccountsHandler,
    KernelSessionsHandler,
    SessionActionHandler,
    SessionHandler,
    SessionsHandler,
)
from .lifecycle import POLICIES, KernelLifecycle
from .manager import SessionManager
from .providers import AccountsProvider, EmulatorProvider, RuntimeServiceProvider
from .registry import SessionRegistry
from .stopping import CleanStopping

ID = r"(?P<{}>[^/]+)"


class QSessionApp(CleanStopping, ExtensionApp):
    """Qiskit Runtime sessions per kernel: registry, kernel policies, REST + WebSocket API."""

    name = "jupyter_qsession"
    load_other_extensions = True
    classes = [EmulatorProvider, QSessionEmulator, RuntimeServiceProvider]

    emulator = Bool(
        True,
        config=True,
        help="""Serve the local Qiskit Runtime emulator as the account 'emulator': its own
        process beside this server, configured with c.EmulatorProvider.* and
        c.QSessionEmulator.*. False: only IBM Quantum accounts.""",
    )
    accounts = List(
        Dict(),
        config=True,
        help="""Accounts for a server that holds no account file, each a dict like the
        arguments of QiskitRuntimeService.save_account: name, channel, url, token, instance.
        Served beside the emulator and the accounts saved in account_file; their kernels get
        them in their environment (never a browser).""",
    )
    account_file = Unicode(
        config=True,
        help="""qiskit-ibm-runtime's account file, whose accounts this server serves (as the
        client finds it: ~/.qiskit/qiskit-ibm.json). Watched: an account saved or deleted
        while the server runs appears or goes within account_refresh_interval.""",
    )
    account_refresh_interval = Float(
        5.0,
        min=0.05,
        config=True,
        help="Seconds between two looks at account_file for accounts saved or deleted.",
    )
    account_retry_max = Float(
        300.0,
        min=0.1,
        config=True,
        help="""Seconds at most between two tries of an unreachable account (the wait
        doubles from its provider's refresh_interval up to this).""",
    )
    on_kernel_shutdown = Enum(
        POLICIES,
        default_value="close",
        config=True,
        help="""What happens to a kernel's open sessions when the kernel shuts down or dies:
        'close' (no new jobs; queued jobs still run), 'cancel' (queued jobs are cancelled) or
        'keep'. Also applied, at start, to open sessions whose kernel is gone.""",
    )
    on_kernel_restart = Enum(
        POLICIES,
        default_value="close",
        config=True,
        help="The same choice as on_kernel_shutdown, when a kernel restarts.",
    )
    registry_path = Unicode(
        config=True,
        help="""The SQLite file that keeps every session across server restarts. Default:
        <jupyter data dir>/qsession/sessions.sqlite. A file that cannot be used (damaged,
        emptied, in a folder this server cannot write) is left as is, and every qsession route
        but /info answers 503 saying so until it is moved away or this points elsewhere; rows
        that do not parse are moved to its table set_aside and shown as warnings.""",
    )
    default_owner = Unicode(
        config=True,
        help="""Owner of the sessions kernels register (default: the JupyterHub user this
        server runs for, else the server's OS user).
        jupyter-server does not record which user started a kernel, so on a shared server the
        authorizer's 'qsession:others' rights decide who else may see and act on them.""",
    )
    load_magic_in_kernels = Bool(
        False,
        config=True,
        help="""Load the %%qsession magic in every Python kernel this server starts (and
        restarts), so it works without `%load_ext jupyter_qsession` in each notebook. The
        kernel loads it itself at start-up, through $PYTHONSTARTUP (a start-up file of your
        own still runs first), before it runs any cell; the client is imported on the first
        %%qsession cell only.""",
    )

    ended_sessions_visible_for = Float(
        3600.0,
        min=0.0,
        config=True,
        help="""Seconds an ended session stays in the live view — GET /qsession/api/sessions,
        the WebSocket snapshot and the sidebar (which drops it at the same moment) — after it
        ended. It stays in the registry for good and GET /qsession/api/sessions?ended=all
        (or ?ended_within=SECONDS) lists it. 0: ended sessions leave at once; inf: never.""",
    )

    usage_refresh_interval = Float(
        60.0,
        min=0.0,
        config=True,
        help="""Seconds between two reads of each account's QPU usage for the period (the
        service's GET /instances/usage, the client's service.usage()). A change is pushed to
        the sidebars as an 'account' event; GET /qsession/api/accounts?refresh=1 reads it at
        once. 0: only on request.""",
    )

    manager = Instance(SessionManager, allow_none=True)

    @default("registry_path")
    def _default_registry_path(self) -> str:
        return str(Path(jupyter_data_dir()) / "qsession" / "sessions.sqlite")

    @default("account_file")
    def _default_account_file(self) -> str:
        # The client's own rule (qiskit_ibm_runtime.accounts.management), without importing it.
        return os.path.join(os.path.expanduser("~"), ".qiskit", "qiskit-ibm.json")

    @default("default_owner")
    def _default_owner(self) -> str:
        return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()

    # ----------------------------------------------------------------- wiring
    def initialize_settings(self) -> None:
        serverapp = self.serverapp
        into_server_log(serverapp.log)
        provider = AccountsProvider(
            parent=self, kernel_user=self.default_owner, usage_interval=self.usage_refresh_interval
        )
        self.account_sources = AccountSources(
            provider,
            make_provider=lambda spec: RuntimeServiceProvider(
                parent=self, kernel_user=self.default_owner, spec=spec
            ),
            account_file=self.account_file,
            config_entries=list(self.accounts),
            retry_max=self.account_retry_max,
            interval=self.account_refresh_interval,
        )
        if self.emulator:
            lab = EmulatorProvider(parent=self, kernel_user=self.default_owner)
            provider.accounts[EMULATOR_ACCOUNT] = self.account_sources.emulator_account(lab)
        self.manager = SessionManager(
            provider,
            SessionRegistry(self.registry_path),
            kernel_alive=lambda kernel_id: kernel_id in serverapp.kernel_manager,
            ended_visible_for=self.ended_sessions_visible_for,
        )
        self.lifecycle = KernelLifecycle(
            self.manager,
            serverapp.kernel_manager,
            serverapp.event_logger,
            on_shutdown=self.on_kernel_shutdown,
            on_restart=self.on_kernel_restart,
            load_magic=self.load_magic_in_kernels,
            kernel_env=self.kernel_env,
        )
        self.manager.listeners.append(lambda s, _json: provider.nudge(s.id, s.usage_seconds))
        self.settings.update(
            qsession_manager=self.manager,
            qsession_events=EventHub(self.manager, provider),
        )
        serverapp.io_loop.add_callback(self._start)

    def initialize_handlers(self) -> None:
        api = API_PREFIX
        self.handlers.extend(
            [
                (f"{api}/info", InfoHandler),
                (f"{api}/sessions", SessionsHandler),
                (f"{api}/sessions/close-idle", CloseIdleHandler),
                (f"{api}/accounts", AccountsHandler),
                (f"{api}/sessions/{ID.format('session_id')}", SessionHandler),
                (
                    f"{api}/sessions/{ID.format('session_id')}/(?P<action>close|cancel)",
                    SessionActionHandler,
                ),
                (f"{api}/jobs/{ID.format('job_id')}/cancel", JobCancelHandler),
                (f"{api}/kernels/{ID.format('kernel_id')}/sessions", KernelSessionsHandler),
                (f"{api}/kernels/{ID.format('kernel_id')}/accounts", KernelAccountsHandler),
                (f"{api}/events", EventsSocket),
            ]
        )

    # ----------------------------------------------------------------- start / stop
    async def _start(self) -> None:
        """Start the manager, then the kernel policies (on the sessions that outlived their
        kernel too); only then do requests get in (``manager.started``)."""
        provider = self.manager.provider
        # The saved accounts are read beside the start: a request for one waits for them.
        self.account_sources.start()
        try:
            await self.manager.start()
            await self.lifecycle.start()
        finally:
            self.lifecycle.kernel_starts.open()  # held kernels start, even if we failed
            self.manager.started.set()
        if self.manager.registry_error is None:
            self.log.info(
                "jupyter_qsession: accounts %s, %d sessions in %s",
                ", ".join(provider.accounts) or "none yet",
                len(self.manager.sessions),
                self.registry_path,
            )

    def kernel_env(self) -> dict[str, str]:
        """What this server's kernels get: the bridge and the provider, never a browser."""
        return {
            **self.manager.provider.kernel_env(),
            PROVIDER_ENV: "emulator" if self.emulator else "ibm",
            ACCOUNT_FILE_ENV: self.account_file,
            BRIDGE_URL_ENV: self.serverapp.connection_url,
        }

    async def stop_extension(self) -> None:
        if self.manager is None:
            return
        await self.manager.started.wait()
        await self.account_sources.stop()
        await self.lifecycle.stop()
        await self.manager.stop()


class _IntoServerLog(logging.Handler):
    def __init__(self, server_log: logging.Logger) -> None:
        super().__init__()
        self.server_log = server_log

    def emit(self, record: logging.LogRecord) -> None:
        # The server log's own handlers only: the record propagates to the root logger by itself.
        for handler in self.server_log.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


def into_server_log(server_log: logging.Logger) -> None:
    """The extension's modules log as ``jupyter_qsession.*``, which jupyter-server does not
    configure (INFO lines would go nowhere): hand their records to the server's log, its
    format and level, as the server does with tornado's. They still propagate to the root
    logger too (where pytest's caplog reads them); one handler, whichever server set it last."""
    logger = logging.getLogger("jupyter_qsession")
    logger.handlers = [h for h in logger.handlers if not isinstance(h, _IntoServerLog)]
    logger.addHandler(_IntoServerLog(server_log))
    logger.setLevel(server_log.level)

"""The jupyter-server extension: configuration, wiring, start and stop.

Everything configurable is a traitlet of :class:`QSessionApp` (``c.QSessionApp.…``) or of the
embedded emulator (``c.QSessionEmulator.…``); the ``help`` texts are the user documentation.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Enum, Float, Instance, Unicode, default

from ..emulator.settings import QSessionEmulator
from ..kernel.bridge import BRIDGE_URL_ENV
from .events import EventHub, EventsSocket
from .handlers import (
    InfoHandler,
    JobCancelHandler,
    KernelSessionsHandler,
    SessionActionHandler,
    SessionHandler,
    SessionsHandler,
)
from .lifecycle import KernelLifecycle
from .manager import POLICIES, SessionManager
from .providers import EmulatorProcess, EmulatorProvider, Provider
from .registry import SessionRegistry

PROVIDER_ENV = "QSESSION_PROVIDER"
ID = r"(?P<{}>[^/]+)"


class QSessionApp(ExtensionApp):
    """Qiskit Runtime sessions per kernel: registry, kernel policies, REST + WebSocket API."""

    name = "jupyter_qsession"
    load_other_extensions = True

    provider = Enum(
        ["emulator", "ibm"],
        default_value="emulator",
        config=True,
        help="""Where sessions run. 'emulator' (default): a Qiskit Runtime emulator started
        inside this server on a free loopback port, configured with c.QSessionEmulator.*.
        'ibm': IBM Quantum through qiskit-ibm-runtime — a saved account (ibm_account_name, or
        the default saved account), or ibm_token/ibm_instance, or $QISKIT_IBM_TOKEN.""",
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
    refresh_interval = Float(
        5.0,
        min=0.05,
        config=True,
        help="Seconds between re-reads of open sessions, for providers that cannot push (ibm).",
    )
    ibm_account_name = Unicode("", config=True, help="Name of a saved qiskit-ibm-runtime account.")
    ibm_channel = Unicode("ibm_quantum_platform", config=True, help="qiskit-ibm-runtime channel.")
    ibm_token = Unicode(
        "", config=True, help="IBM Cloud API key (default: $QISKIT_IBM_TOKEN or the saved account)."
    )
    ibm_instance = Unicode("", config=True, help="IBM Cloud instance CRN or name.")
    ibm_url = Unicode(
        "",
        config=True,
        help="""A Qiskit Runtime API URL instead of IBM's, e.g. a standalone
        `jupyter qsession emulator` (then ibm_token is its API key). Lets sessions outlive
        this server, as real IBM sessions do.""",
    )
    default_owner = Unicode(
        config=True,
        help="""Owner of the sessions kernels register (default: the server's OS user).
        jupyter-server does not record which user started a kernel, so on a shared server the
        authorizer's 'qsession:others' rights decide who else may see and act on them.""",
    )
    load_magic_in_kernels = Bool(
        False,
        config=True,
        help="""Run `%load_ext jupyter_qsession` in every Python kernel this server starts (and
        restarts), so `%%qsession` works without loading it in each notebook.""",
    )
    emulator_dir = Unicode(
        config=True,
        help="""Where the emulator process keeps its state (emulator.sqlite: sessions, jobs,
        results, users' keys), its URL while it runs (emulator.json) and this server's key
        (operator.key). Lab servers of one user share it, and with it one emulated service.
        Default: <jupyter data dir>/qsession.""",
    )
    emulator_clock = Enum(
        ["wall", "manual"],
        default_value="wall",
        config=True,
        help="The emulator's clock: 'manual' only moves when told to (tests).",
    )

    manager = Instance(SessionManager, allow_none=True)

    @default("registry_path")
    def _default_registry_path(self) -> str:
        return str(Path(jupyter_data_dir()) / "qsession" / "sessions.sqlite")

    @default("emulator_dir")
    def _default_emulator_dir(self) -> str:
        return str(Path(jupyter_data_dir()) / "qsession")

    @default("default_owner")
    def _default_owner(self) -> str:
        return getpass.getuser()

    # ----------------------------------------------------------------- wiring
    def initialize_settings(self) -> None:
        serverapp = self.serverapp
        self.manager = SessionManager(
            self.build_provider(),
            SessionRegistry(self.registry_path),
            refresh_interval=self.refresh_interval,
            kernel_alive=lambda kernel_id: kernel_id in serverapp.kernel_manager,
        )
        self.lifecycle = KernelLifecycle(
            self.manager,
            serverapp.kernel_manager,
            serverapp.event_logger,
            on_shutdown=self.on_kernel_shutdown,
            on_restart=self.on_kernel_restart,
            load_magic=self.load_magic_in_kernels,
        )
        self.settings.update(qsession_manager=self.manager, qsession_events=EventHub(self.manager))
        serverapp.io_loop.add_callback(self._start)

    def initialize_handlers(self) -> None:
        api = "/qsession/api"
        self.handlers.extend(
            [
                (f"{api}/info", InfoHandler),
                (f"{api}/sessions", SessionsHandler),
                (f"{api}/sessions/{ID.format('session_id')}", SessionHandler),
                (
                    f"{api}/sessions/{ID.format('session_id')}/(?P<action>close|cancel)",
                    SessionActionHandler,
                ),
                (f"{api}/jobs/{ID.format('job_id')}/cancel", JobCancelHandler),
                (f"{api}/kernels/{ID.format('kernel_id')}/sessions", KernelSessionsHandler),
                (f"{api}/events", EventsSocket),
            ]
        )

    def build_provider(self) -> Provider:
        if self.provider == "emulator":
            process = EmulatorProcess(self.emulator_dir, self._emulator_options())
            return EmulatorProvider(process, kernel_user=self.default_owner)
        from .providers.runtime import RuntimeServiceProvider

        return RuntimeServiceProvider(self._ibm_service, name="ibm", kernel_env=self._ibm_env())

    def _emulator_options(self) -> list[str]:
        """c.QSessionEmulator.* as the emulator process's command-line options."""
        settings = QSessionEmulator(config=self.serverapp.config)
        options = ["--clock", self.emulator_clock]
        for name in settings.trait_names(config=True):
            options += ["--" + name.replace("_", "-"), str(getattr(settings, name))]
        return options

    def _ibm_service(self):
        from qiskit_ibm_runtime import QiskitRuntimeService

        from ..emulator.client import runtime_service

        token = self.ibm_token or os.environ.get("QISKIT_IBM_TOKEN") or None
        if self.ibm_url:
            return runtime_service(self.ibm_url, token)
        if token:
            return QiskitRuntimeService(
                channel=self.ibm_channel, token=token, instance=self.ibm_instance or None
            )
        return QiskitRuntimeService(name=self.ibm_account_name or None)

    def _ibm_env(self) -> dict[str, str]:
        """What a kernel needs to reach the same service (never sent to a browser)."""
        from ..emulator.client import TOKEN_ENV, URL_ENV

        env = {}
        if self.ibm_url:
            env = {URL_ENV: self.ibm_url, TOKEN_ENV: self.ibm_token}
        elif self.ibm_token:
            env = {"QISKIT_IBM_TOKEN": self.ibm_token, "QISKIT_IBM_INSTANCE": self.ibm_instance}
        return env

    # ----------------------------------------------------------------- start / stop
    async def _start(self) -> None:
        await self.manager.start()
        # Kernels inherit the server's environment: the bridge and provider, never a browser.
        self._kernel_env = {
            **self.manager.provider.kernel_env(),
            PROVIDER_ENV: self.manager.provider.name,
            BRIDGE_URL_ENV: self.serverapp.connection_url,
        }
        os.environ.update(self._kernel_env)
        self.lifecycle.start()
        for session in self.manager.open_sessions(kernel_alive=False):
            await self.manager.end_kernel_sessions(
                session.kernel_id or "", self.on_kernel_shutdown, "kernel_died"
            )
        if self.manager.registry_error is None:
            self.log.info(
                "jupyter_qsession: provider %s, %d sessions in %s",
                self.manager.provider.name,
                len(self.manager.sessions),
                self.registry_path,
            )

    async def stop_extension(self) -> None:
        """The server is stopping and takes its kernels with it: apply the kernel policy."""
        if self.manager is None:
            return
        await self.manager.started.wait()
        self.lifecycle.stop()
        for kernel_id in {s.kernel_id for s in self.manager.open_sessions(kernel_alive=True)}:
            await self.manager.end_kernel_sessions(
                kernel_id or "", self.on_kernel_shutdown, "kernel_shutdown"
            )
        await self.manager.stop()
        for name in getattr(self, "_kernel_env", {}):
            os.environ.pop(name, None)

"""Straight against the Qiskit Runtime service, when no lab server is running: the emulator
(``$QSESSION_EMULATOR_URL``/``$QSESSION_EMULATOR_TOKEN``, or the one a lab left running in its
emulator dir) or the saved IBM Quantum account (``QiskitRuntimeService()``); or the account
named (:func:`jupyter_qsession.client.account_lookup.local_accounts`). Every session read says
which account it is on (``{name, channel, instance}``, never a token).

Only the unmodified client's public API: sessions are found by
:func:`jupyter_qsession.client.discovery.find_open_sessions`, their jobs listed with
``service.jobs(session_id=…)``, and they are ended with ``Session.from_id(…).close()`` /
``.cancel()`` (``Batch.from_id`` for a batch). Sessions come out in the lab's model's shape
(:func:`~jupyter_qsession.client.details.from_details`). The command line uses it when no lab
server runs, the kernel for ``%qsession list --all``.
"""

from __future__ import annotations

import getpass
import json
import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from ..emulator.labs import alive
from ..errors import Conflict, NotFound, ProviderUnavailable, QSessionError
from ..vocabulary import EMULATOR_ACCOUNT, LOCAL_CHANNEL, SessionState, is_idle, not_idle_reason
from ..wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from .calls import call, parallel
from .details import from_details
from .service import connect

JOBS_SHOWN = 100  # a session's newest jobs counted in its row (as %qsession list does)
GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def default_emulator_dir() -> Path:
    """Where a lab server's emulator keeps its files (c.EmulatorProvider.emulator_dir's default)."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "qsession"


class DirectService:
    """The account's sessions on one service, read and ended through the client."""

    def __init__(self, service: Any, where: str, account: dict[str, Any] | None = None) -> None:
        self.service = service
        self.where = where  # what messages call it
        self.account = account  # the AccountRef each session read carries (None: not said)

    @classmethod
    def connect(cls, emulator_dir: Path | None = None, account: str | None = None) -> DirectService:
        """The account called ``account`` (:class:`NotFound` naming the ones there are);
        without it the emulator named by the environment, else the live emulator of
        ``emulator_dir`` (as the OS user, a lab server's default owner), else the saved IBM
        Quantum account."""
        url, token = os.environ.get(EMULATOR_URL_ENV), os.environ.get(EMULATOR_TOKEN_ENV)
        if not (url and token) and account in (None, EMULATOR_ACCOUNT):
            url, token = _running_emulator(emulator_dir or default_emulator_dir())
            if url and token:  # what a lab's kernel is given, so the kernel's connect() fits
                os.environ.update({EMULATOR_URL_ENV: url, EMULATOR_TOKEN_ENV: token})
        if account is not None:
            return cls.for_account(account)
        try:
            service = connect()
        except ProviderUnavailable:
            raise
        except QSessionError:
            raise ProviderUnavailable(
                "No lab server with jupyter-qsession is running, no emulator was found and "
                "no usable IBM Quantum account is saved. Start `jupyter lab`, "
                f"set ${EMULATOR_URL_ENV}/${EMULATOR_TOKEN_ENV}, or save an account with "
                "QiskitRuntimeService.save_account()."
            ) from None
        if url and token:
            ref = {"name": EMULATOR_ACCOUNT, "channel": LOCAL_CHANNEL, "instance": None}
            return cls(service, f"the emulator at {url}", ref)
        return cls(service, "IBM Quantum", _default_ref(service))

    @classmethod
    def for_account(cls, name: str) -> DirectService:
        """The account called ``name`` among those reachable from here (the account file,
        ``$QISKIT_IBM_TOKEN``, the lab emulator's variables, exported config accounts)."""
        from .account_lookup import connect_account, local_accounts, spec_named

        spec = spec_named(name, local_accounts())
        service = call(connect_account, spec)
        return cls(service, f"account {name} ({spec.url or spec.channel})", spec.ref())

    # ----------------------------------------------------------------- reading
    def sessions(self) -> list[dict[str, Any]]:
        """The account's open sessions, each with its newest jobs."""
        from .discovery import find_open_sessions

        return [self._with_jobs(details) for details in call(find_open_sessions, self.service)]

    def idle(self) -> list[dict[str, Any]]:
        """The open sessions that hold the QPU for nothing (``vocabulary.is_idle``)."""
        return [session for session in self.sessions() if _idle(session)]

    def read(self, session_id: str) -> dict[str, Any]:
        from .discovery import session_details

        details = call(session_details, self.service, session_id)
        if details is None:
            raise NotFound(f"No session {session_id} on {self.where}.")
        return self._with_jobs(details)

    def _with_jobs(self, details: dict[str, Any]) -> dict[str, Any]:
        jobs = call(self.service.jobs, session_id=details["id"], limit=JOBS_SHOWN)
        statuses = parallel(*[job.status for job in jobs])
        listed = [
            {"id": job.job_id(), "status": str(status), "primitive": job.primitive_id}
            for job, status in zip(jobs, statuses, strict=True)
        ]
        session = from_details({**details, "jobs": listed})
        return session if self.account is None else {**session, "account": self.account}

    # ----------------------------------------------------------------- ending
    def end(self, session_id: str, how: str) -> dict[str, Any]:
        """``close`` (queued jobs still run) or ``cancel`` (queued jobs cancelled) a session;
        :class:`~jupyter_qsession.errors.Conflict` if it has already ended or is closing."""
        session = self.read(session_id)
        if session["state"] == SessionState.CLOSED:
            raise Conflict(f"Session {session_id} has already ended.")
        if how == "close" and not session["accepting_jobs"]:
            raise Conflict(f"Session {session_id} is already closing: its queued jobs will finish.")
        handle = self._handle(session_id, session["mode"])
        call(handle.close if how == "close" else handle.cancel)
        return self.read(session_id)

    def close_idle(self, session_ids: list[str]) -> dict[str, Any]:
        """Close those of ``session_ids`` still idle when read again: ``{"closed", "skipped"}``
        as the lab's ``POST sessions/close-idle`` answers."""
        closed, skipped = [], []
        for session_id in session_ids:
            try:
                session = self.read(session_id)
                if not _idle(session):
                    skipped.append(
                        {
                            "id": session_id,
                            "reason": not_idle_reason(session["state"], session["accepting_jobs"]),
                        }
                    )
                    continue
                closed.append(self.end(session_id, "close"))
            except QSessionError as error:
                skipped.append({"id": session_id, "reason": error.message})
        return {"closed": closed, "skipped": skipped}

    def _handle(self, session_id: str, mode: str) -> Any:
        from qiskit_ibm_runtime import Batch, Session

        kind = Batch if mode == "batch" else Session
        return call(kind.from_id, session_id, self.service)


def _default_ref(service: Any) -> dict[str, Any]:
    """The account ``QiskitRuntimeService()`` chose, named as the lab names it: the client's
    default among the local accounts, with the channel and instance the service uses."""
    from .account_lookup import local_accounts

    active = call(service.active_account) or {}
    chosen = next((spec for spec in local_accounts() if spec.is_default), None)
    return {
        "name": chosen.name if chosen is not None else "default",
        "channel": active.get("channel") or (chosen.channel if chosen else None),
        "instance": active.get("instance") or (chosen.instance if chosen else None),
    }


def _idle(session: dict[str, Any]) -> bool:
    statuses = [job["status"] for job in session["jobs"]]
    return is_idle(session["state"], session["accepting_jobs"], statuses)


def _running_emulator(emulator_dir: Path) -> tuple[str | None, str | None]:
    """The URL of the live emulator a lab server started in ``emulator_dir`` and the OS user's
    key on it (asked with the lab's operator key); (None, None) when there is none."""
    try:
        info = json.loads((emulator_dir / "emulator.json").read_text(encoding="utf-8"))
        url, pid = str(info["url"]), int(info["pid"])
        operator = (emulator_dir / "operator.key").read_text(encoding="ascii").strip()
    except (OSError, ValueError, KeyError, TypeError):
        return None, None
    if not alive(pid):
        return None, None
    form = urllib.parse.urlencode({"grant_type": GRANT, "apikey": operator}).encode()
    bearer = _post(f"{url}/identity/token", form, {})["access_token"]
    user = urllib.parse.quote(getpass.getuser())
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    key = _post(f"{url}/api/v1/qsession/users/{user}/key", b"{}", headers)["api_key"]
    return url, key


def _post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ProviderUnavailable(f"The emulator at {url} did not answer: {exc}") from None

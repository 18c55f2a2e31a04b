"""``%qsession list --all``: this kernel's sessions and every other open session of the
account, in the table ``jupyter qsession list --all`` prints.

The kernel's own sessions come from its lab server (the bridge lists those registered under
this kernel, ended ones included) or, outside a lab, are its current one; the account's are
found with the kernel's own service (:func:`jupyter_qsession.client.discovery.find_open_sessions`,
which sees what the kernel's credentials see), so it works in and outside a lab. The account
is the kernel's session's (else the default one); each row names it, so the table gets an
account column once it shows sessions of several accounts. Only sessions with at least one
job can be found on the account (the discovery's limit).
"""

from __future__ import annotations

from typing import Any

from ..client.calls import where
from ..client.direct import DirectService
from ..errors import QSessionError
from ..session_table import render
from .bridge import BridgeClient
from .kernel_sessions import KernelSessions


def account_table(sessions: KernelSessions, now: float) -> str:
    """The table, this kernel's sessions first (their origin reads ``this kernel``)."""
    account = _account(sessions)
    own = _own(sessions, account)
    ours = {session["id"] for session in own}
    others = [session for session in account.sessions() if session["id"] not in ours]
    if not own and not others:
        return f"No open session on {account.where}."
    return render(own + others, now, ours=ours)


def _account(sessions: KernelSessions) -> DirectService:
    """The kernel's session's account (else the default one), read with its service."""
    accounts = sessions.accounts.listing()
    live = sessions.current or sessions.last
    chosen = next((a for a in accounts if live is not None and a.name == live.account), None)
    chosen = chosen or sessions.accounts.default(accounts)
    service = sessions.accounts.service(chosen.name, chosen.provider)
    ref = {"name": chosen.name, "channel": chosen.channel, "instance": chosen.instance}
    named = f"account {chosen.name}" if len(accounts) > 1 else where()
    return DirectService(service, named, ref)


def _own(sessions: KernelSessions, account: DirectService) -> list[dict[str, Any]]:
    bridge = BridgeClient.from_kernel()
    if bridge is not None:
        try:
            return bridge.sessions()
        except QSessionError as error:
            raise type(error)(f"The lab server did not answer: {error.message}") from None
    live = sessions.current
    return [] if live is None else [account.read(live.id)]

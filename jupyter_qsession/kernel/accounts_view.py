"""``%qsession accounts``: the accounts this kernel can run cells on, one row each.

In a lab the rows are what the lab serves (state, why and since when, backends); outside a
lab they are the local accounts (:func:`~jupyter_qsession.client.account_lookup.local_accounts`),
whose state nobody asked: ``unknown``. Never a token.
"""

from __future__ import annotations

from ..timing import epoch
from ..vocabulary import AccountState, short_instance
from .accounts import Account

COLUMNS = ("account", "channel", "instance", "backends", "state")  # state last: it runs long
DEFAULT_MARK = " *"


def state_words(account: Account) -> str:
    """``reachable``; ``unreachable since 14:02:07: why``; ``connecting`` (the lab has not
    asked yet); ``unknown`` outside a lab."""
    if account.state == AccountState.UNREACHABLE:
        since = _clock_time(account.last_try)
        why = " ".join((account.problem or "no answer").split())
        return f"unreachable since {since}: {why}" if since else f"unreachable: {why}"
    if account.state == AccountState.UNKNOWN and account.backends is not None:
        return "connecting"  # the lab serves it and has not reached it yet
    return str(account.state)


def accounts_table(accounts: list[Account]) -> str:
    """The header, one aligned row per account (the state last, unpadded), and what the
    default marker means."""
    if not accounts:
        return "No Qiskit Runtime account: save one, or run this kernel from a JupyterLab."
    rows = [list(COLUMNS)]
    for account in accounts:
        rows.append(
            [
                account.name + (DEFAULT_MARK if account.is_default else ""),
                account.channel or "",
                short_instance(account.instance) if account.instance else "",
                "?" if account.backends is None else str(len(account.backends)),
                state_words(account),
            ]
        )
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[4]]) for r in rows
    ]
    lines.append(f"{DEFAULT_MARK.strip()} the default account")
    return "\n".join(line.rstrip() for line in lines)


def _clock_time(iso: str | None) -> str:
    """``HH:MM:SS`` in the kernel's local time, of an ISO timestamp."""
    if not iso:
        return ""
    import time

    seconds = epoch(iso)
    return "" if seconds is None else time.strftime("%H:%M:%S", time.localtime(seconds))

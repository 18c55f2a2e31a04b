"""The kernel side of jupyter-qsession: the ``%%qsession`` / ``%qsession`` magics (``magics``),
the kernel's session (``kernel_sessions``, which reaches the Qiskit Runtime service through
:mod:`jupyter_qsession.client`), which account a cell runs on and one service per account
(``accounts``; ``%qsession accounts`` is ``accounts_view``), the cell's status line
(``status``), the bridge — the
kernel's client of its lab server's kernel endpoints (``bridge``) — and the start-up file that
loads the magic in a lab's kernels (``autoload``, ``startup``).

Importing any of it imports none of qiskit, its Runtime client, tornado, the emulator or the lab
server: the first cell that needs the service imports the client.
"""

"""``jupyter qsession list|close|cancel``: the account's sessions from a terminal.

Through the running lab server's REST API when one is running (``lab``), else straight against
the Qiskit Runtime service (:mod:`jupyter_qsession.client.direct`); both give sessions in the
lab's model, which :mod:`jupyter_qsession.session_table` prints (``%qsession list --all``
prints them with it too). ``sessions`` is the command line. It imports ``client/`` and the
shared modules, never ``kernel/``.
"""

"""``jupyter qsession list|close|cancel``: the account's sessions from a terminal.

Through the running lab server's REST API when one is running (``lab``), else straight against
the Qiskit Runtime service (``direct``); both give sessions in the lab's model, which ``table``
prints (``%qsession list --all`` prints them with it too). ``sessions`` is the command line.
"""

"""The kernel side of jupyter-qsession: the bridge client (and, later, the magics)."""

"""The one place that speaks to a Qiskit Runtime service through qiskit-ibm-runtime: building
the client's service for an account (``emulator_service`` for an emulator's URL and key,
``service`` for the kernel's or the command line's), the calls through the client with one
map from the client's failures to :mod:`jupyter_qsession.errors` (``calls``), discovery of an
account's open sessions (``discovery``), the service's words put in the lab's model
(``details``) and the sessions read and ended straight on a service (``direct``).

The lab server, the kernel and the command line import it; it imports none of them. Importing
the package or ``discovery`` imports no qiskit: the client is imported inside the calls that
need it.
"""

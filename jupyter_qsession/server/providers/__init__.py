"""Where sessions live: the emulator process (default) or a Qiskit Runtime service.

``c.QSessionApp.provider_class`` picks one; each takes its settings from its own section
(``c.EmulatorProvider.*``, ``c.RuntimeServiceProvider.*``). ``RuntimeServiceProvider`` imports
qiskit-ibm-runtime on first use only, so a lab on the emulator never loads the client.
"""

from .accounts import AccountsProvider
from .base import ChangeListener, Provider
from .emulator import EmulatorProvider
from .process import EmulatorProcess
from .runtime import RuntimeServiceProvider

__all__ = [
    "AccountsProvider",
    "ChangeListener",
    "EmulatorProcess",
    "EmulatorProvider",
    "Provider",
    "RuntimeServiceProvider",
]

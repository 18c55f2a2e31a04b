"""Where sessions live: the emulator process (default) or a Qiskit Runtime service.

``RuntimeServiceProvider`` (``.runtime``) needs qiskit-ibm-runtime: import it from there, when
it is the provider, so that a lab on the emulator never loads the client.
"""

from .base import ChangeListener, Provider
from .emulator import EmulatorProvider
from .process import EmulatorProcess

__all__ = ["ChangeListener", "EmulatorProcess", "EmulatorProvider", "Provider"]

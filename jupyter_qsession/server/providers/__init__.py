"""Where sessions live: the embedded emulator (default) or a Qiskit Runtime service."""

from .base import ChangeListener, Provider
from .emulator import EmbeddedEmulatorProvider
from .runtime import RuntimeServiceProvider

__all__ = ["ChangeListener", "EmbeddedEmulatorProvider", "Provider", "RuntimeServiceProvider"]

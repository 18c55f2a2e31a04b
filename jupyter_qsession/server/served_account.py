"""One account the lab serves: its provider (the connection to its service) and what the lab
knows of it — whether it answers, its backends, its usage — as the model the API sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..vocabulary import AccountSource, short_instance
from .account_health import AccountHealth
from .models import AccountModel, AccountRef, AccountUsage

if TYPE_CHECKING:
    from .providers.base import Provider


@dataclass
class ServedAccount:
    ref: AccountRef
    source: AccountSource
    is_default: bool
    provider: Provider
    health: AccountHealth
    backends: list[str] = field(default_factory=list)
    usage: AccountUsage | None = None
    # Set once the service answered (an account's URL may turn out to be an emulator).
    kind: str = "ibm"

    @property
    def name(self) -> str:
        return self.ref.name

    def model(self) -> AccountModel:
        return AccountModel(
            **self.ref.model_dump(),
            provider=self.kind,
            instance_hint=short_instance(self.ref.instance) if self.ref.instance else None,
            source=self.source,
            is_default=self.is_default,
            backends=self.backends,
            usage=self.usage,
            **self.health.facts(),
        )

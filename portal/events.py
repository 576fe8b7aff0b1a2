"""Domain events: how an app tells the others that something happened to its records.

The app that owns a change declares its events (``incidents/events.py``,
``compliance/events.py``, ...) and publishes them from its services, inside
the transaction of the change and after its own writes. Other apps subscribe
in their ``AppConfig.ready`` and react by calling *their own* services, so no
app listens to another app's model signals or sets another app's status.

Subscribers run synchronously in the publisher's transaction: a subscriber
that raises rolls the whole change back, so (say) obligations can never
disagree with the incident they were computed from. Anything that leaves the
database (mail, webhooks, tasks) still goes through ``transaction.on_commit``
or an outbox written in that transaction.

Django's ``Signal`` does the dispatching; this wrapper adds what a signal
lacks: a name, a declared payload that publishers must fill exactly, a check
that publishing happens inside a transaction, and one subscription per
``uid`` (a change published once reaches each subscriber once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.dispatch import Signal

Subscriber = Callable[..., None]

_REGISTRY: dict[str, DomainEvent] = {}


class DomainEvent:
    """A named event with a fixed set of keyword arguments."""

    def __init__(self, name: str, *, payload: tuple[str, ...], description: str = "") -> None:
        if name in _REGISTRY:
            raise ValueError(f"The domain event {name!r} is declared twice.")
        self.name = name
        self.payload = frozenset(payload)
        self.description = description
        self._signal = Signal()
        self._uids: list[str] = []
        _REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"<DomainEvent {self.name}>"

    @property
    def subscribers(self) -> tuple[str, ...]:
        """The uids of the subscribers, in the order they run."""
        return tuple(self._uids)

    def subscribe(self, subscriber: Subscriber, *, uid: str) -> None:
        """Call ``subscriber(**payload)`` on every publication; a second call with the same uid is a no-op."""

        def receive(sender: object, signal: Signal, **payload: Any) -> None:
            subscriber(**payload)

        if uid in self._uids:
            return
        self._signal.connect(receive, dispatch_uid=uid, weak=False)
        self._uids.append(uid)

    def unsubscribe(self, *, uid: str) -> None:
        self._signal.disconnect(dispatch_uid=uid)
        if uid in self._uids:
            self._uids.remove(uid)

    @contextmanager
    def subscribed(self, subscriber: Subscriber, *, uid: str) -> Iterator[None]:
        """Subscribe for the duration of a ``with`` block (tests, one-off listeners)."""
        self.subscribe(subscriber, uid=uid)
        try:
            yield
        finally:
            self.unsubscribe(uid=uid)

    def publish(self, **payload: Any) -> None:
        """Tell every subscriber, inside the caller's transaction; their errors propagate."""
        given = frozenset(payload)
        if given != self.payload:
            missing = ", ".join(sorted(self.payload - given)) or "-"
            unexpected = ", ".join(sorted(given - self.payload)) or "-"
            raise TypeError(f"{self.name}: missing {missing}; unexpected {unexpected}")
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{self.name} must be published inside the transaction of the change.")
        self._signal.send(sender=self, **payload)


def declared_events() -> dict[str, DomainEvent]:
    """Every declared event by name (for documentation and tests)."""
    return dict(_REGISTRY)


# --- The portal's own events ---------------------------------------------------------------------------

audit_checkpoint = DomainEvent(
    "audit.checkpoint",
    payload=("checkpoint",),
    description="The head of the audit trail was signed (an AuditCheckpoint was written).",
)

"""Receiving a vendor webhook: verify, store, apply once, keep the vendor's times.

Every request is stored as an ``InboundDelivery`` whatever becomes of it.
A verified, well-formed event is applied in one transaction together with its
delivery record (which claims the event id); if applying fails, everything
rolls back and the failure is recorded in a transaction of its own, so there
is never a half-created incident and never a lost record.

Status rule (out-of-order events). Each vendor event says where the vendor's
incident stood at the event's time ``T``. The link remembers the time of the
newest status event applied (``ExternalIncident.status_at``):

* an event older than that is stale and changes nothing (a late
  acknowledgement older than the portal's acknowledgement stamp is noted on the
  timeline with its real time, so the record keeps it);
* otherwise the incident is moved, through the normal transition services,
  to the state the event implies, at ``T``. Steps the vendor skipped take the
  event's time: a resolve that arrives for an incident nobody acknowledged
  acknowledges and contains it at the resolve time (or, when the payload tells
  the real acknowledgement time, as Squadcast's does, at that time);
* stamps never go back: a step is never stamped before the incident's latest
  stamp (or detection), and a reopen older than the latest stamp is stale;
* a declined incident is the portal's decision and is not revived; a vendor
  resolve on an incident closed in the portal changes nothing.

Priority changes follow the severity mapping, only when the vendor's priority
differs from the one last seen (so a severity changed by hand in the portal is
not undone by the next acknowledgement), and only if not older than the last
priority change applied.
"""

from __future__ import annotations

from integrations.inbound.applying import Applied, apply_event, severity_for
from integrations.inbound.receiving import (
    DEFAULT_MAX_BODY_BYTES,
    UNVERIFIED_BODY_KEPT,
    Received,
    max_body_bytes,
    webhook_receive,
)

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "UNVERIFIED_BODY_KEPT",
    "Applied",
    "Received",
    "apply_event",
    "max_body_bytes",
    "severity_for",
    "webhook_receive",
]

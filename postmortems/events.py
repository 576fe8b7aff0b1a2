"""The domain events of the post-mortems app (see ``portal.events``)."""

from portal.events import DomainEvent

postmortem_published = DomainEvent(
    "postmortem.published",
    payload=("postmortem", "actor"),
    description="A post-mortem (or a new revision of it) was published.",
)

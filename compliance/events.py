"""The domain events of the compliance app (see ``portal.events``)."""

from portal.events import DomainEvent

report_submitted = DomainEvent(
    "report.submitted",
    payload=("report", "actor"),
    description="A regulator report was submitted; its PDF is frozen and its obligation fulfilled.",
)

"""A submitted regulator report is kept exactly as sent: the database refuses changes."""

from portal.dbtriggers import Guard, register

SUBMITTED_REPORT_GUARD = register(
    Guard(
        table="compliance_regulatorreport",
        name="compliance_submitted_report",
        message="a submitted regulator report is frozen",
        when="OLD.status = 'submitted'",
        refuse_truncate=False,
    )
)

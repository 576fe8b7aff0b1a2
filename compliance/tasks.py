"""Background work of the compliance app (Django tasks, database backend: ``manage.py db_worker``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_deadline_reminder(subject: str, body: str, recipients: list[str]) -> int:
    """Send one reminder mail; returns the number of messages the backend accepted."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)

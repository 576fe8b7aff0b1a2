"""Cross-cutting records: the tamper-evident audit trail and personal API tokens."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone

from portal.alarms import DEFAULT_ALARM_MINUTES, validate_alarm_minutes
from portal.choices import OutboxState


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    ``hash`` covers the previous entry's hash and a canonical JSON form of
    this entry, so changing, removing or reordering any row breaks the chain
    from that row on (``manage.py verify_audit``). Database triggers refuse
    UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the table itself.
    The actor is kept as a plain id plus username, without a foreign-key
    constraint, so that deleting a user never has to touch the trail.
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_repr}"


class AuditCheckpoint(models.Model):
    """A signed statement "the chain had ``sequence`` events ending in ``head_hash`` at ``created_at``".

    The Ed25519 key that signs it lives in ``AUDIT_SIGNING_KEY_FILE``, outside
    the database, and every checkpoint is also appended to
    ``AUDIT_CHECKPOINT_LOG`` and sent as an ``audit.checkpoint`` webhook. So
    someone who can write to the database can neither delete the newest audit
    events (the head a checkpoint names disappears) nor rewrite and re-chain
    history (the hash at that sequence changes) without ``verify_audit``
    noticing, and cannot forge a new checkpoint without the key. Append-only
    like the trail (database triggers).
    """

    sequence = models.PositiveBigIntegerField(editable=False, help_text="Events in the chain (0: empty).")
    head_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(editable=False, db_index=True)
    signature = models.CharField(max_length=100, editable=False, help_text="Ed25519, base64.")
    key_id = models.CharField(max_length=32, editable=False)
    reason = models.CharField(max_length=40, editable=False, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["sequence"], name="audit_checkpoint_seq_idx")]

    def __str__(self) -> str:
        return f"Checkpoint {self.pk} at event #{self.sequence}"


class AuditVerification(models.Model):
    """The outcome of one verification of the trail, so the audit page goes on from the last one.

    ``through_sequence``/``through_hash`` and ``last_checkpoint_id`` say how far
    the trail and its checkpoints were found intact; the next incremental check
    starts there instead of walking the whole trail again.
    """

    class Kind(models.TextChoices):
        FULL = "full", "Full (verify_audit)"
        INCREMENTAL = "incremental", "Incremental (audit page)"

    verified_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    ok = models.BooleanField()
    problem = models.TextField(blank=True)
    events_checked = models.PositiveBigIntegerField(default=0)
    checkpoints_checked = models.PositiveIntegerField(default=0)
    through_sequence = models.PositiveBigIntegerField(default=0)
    through_hash = models.CharField(max_length=64, blank=True)
    last_checkpoint_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-verified_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} verification at {self.verified_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored: the key
    itself is shown once, when the token is created, and cannot be recovered."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8, help_text="First characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


def default_deadline_alarms() -> list[int]:
    """24 hours and 4 hours before, as the reminder mails."""
    return list(DEFAULT_ALARM_MINUTES)


class UserProfile(models.Model):
    """Per-user preferences of the web UI."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_profile"
    )
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="Times in the web UI are shown in this IANA time zone."
    )
    deadline_alarms = models.JSONField(
        default=default_deadline_alarms,
        blank=True,
        validators=[validate_alarm_minutes],
        help_text="Minutes before each deadline at which the calendar feed's alarms go off.",
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"


# --- the sign-in layer (portal/identity/) ---


class ExternalIdentity(models.Model):
    """Links a portal user to one identity at an OIDC provider.

    Users are matched by the provider's stable subject (``sub``) within its
    issuer, never by e-mail or username, which the provider's users may be
    able to change and which could otherwise take over a local account.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "external identity"
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="external_identity_issuer_subject_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class UserSession(AbstractBaseSession):
    """A database session that also records whose it is.

    Django's own session table cannot be searched by user; with the user id
    beside each row, "end this user's other sessions" (after a password
    change or a removed second factor) is one indexed DELETE, and it stays
    right however often the key rotates, because every save writes the id.
    """

    user_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls) -> type:
        # By name, as Django itself does: the store lives in the sign-in layer above the models.
        return import_module(settings.SESSION_ENGINE).SessionStore


class OutboxMessage(models.Model):
    """A side effect that a committed change owes (a mail, a webhook hand-off, a task).

    Written in the same transaction as the change, so a rolled-back change
    owes nothing and a committed one can never lose it; ``portal.outbox``
    hands it to the task queue after commit and ``manage.py process_outbox``
    picks up whatever the queue never got (backend down, table locked).
    A worker claims a message under a row lock and moves it out of
    ``pending`` before running it, so two workers never run it both.
    """

    kind = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

"""Records of the sign-in layer (app label ``portal``, imported by ``portal.models``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone


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
        from portal.identity.sessions import SessionStore

        return SessionStore

"""A submitted regulator report and a published post-mortem are each anchored by a checkpoint of their own."""

from __future__ import annotations

import json

from integrations import services as integration_services
from integrations.models import OutboundEvent
from portal.models import AuditCheckpoint, AuditEvent, OutboxMessage
from portal.outbox import outbox_process_due


def test_submission_and_publication_each_ask_for_a_checkpoint_after_commit(world, settings):
    asked = list(OutboxMessage.objects.filter(kind="audit.checkpoint").values_list("payload", flat=True))
    assert {"reason": "report.submitted"} in asked
    assert {"reason": "postmortem.published"} in asked
    assert not AuditCheckpoint.objects.exists()  # nothing is signed inside the change's transaction
    outbox_process_due()
    reasons = set(AuditCheckpoint.objects.values_list("reason", flat=True))
    assert {"report.submitted", "postmortem.published"} <= reasons
    newest = AuditCheckpoint.objects.order_by("-id").first()
    assert newest.sequence == AuditEvent.objects.order_by("-sequence").first().sequence


def test_a_checkpoint_that_cannot_be_signed_never_undoes_the_submission(world, settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "no-such-folder" / "key.pem"
    (tmp_path / "no-such-folder").write_text("a file where the key's folder should be")
    outbox_process_due()
    world.report.refresh_from_db()
    assert world.report.status == "submitted"
    assert not AuditCheckpoint.objects.exists()
    assert OutboxMessage.objects.filter(kind="audit.checkpoint").exclude(state="done").exists()


def test_each_checkpoint_goes_out_as_the_audit_checkpoint_webhook_event(
    world, admin_user, settings, django_capture_on_commit_callbacks
):
    integration_services.subscription_create(
        actor=admin_user,
        name="Log archive",
        target_url="https://93.184.216.34/hook",
        events=["audit.checkpoint"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbox_process_due()
    sent = OutboundEvent.objects.filter(event_type="audit.checkpoint")
    assert sent.count() == AuditCheckpoint.objects.count() >= 2
    # One event per checkpoint, carrying its signature and head (the order they go out in is the
    # outbox's, not necessarily the order the checkpoints were signed in).
    assert sorted((e.payload["data"]["signature"], e.payload["data"]["head_hash"]) for e in sent) == sorted(
        AuditCheckpoint.objects.values_list("signature", "head_hash")
    )
    lines = [json.loads(line) for line in settings.AUDIT_CHECKPOINT_LOG.read_text().splitlines()]
    assert [line["id"] for line in lines] == list(
        AuditCheckpoint.objects.order_by("id").values_list("id", flat=True)
    )

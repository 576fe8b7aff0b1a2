from __future__ import annotations

from typing import Any

from django.db import models, transaction
from rest_framework import serializers
from rest_framework.request import Request

from portal.audit import audit_record, model_changes


class AuditedModelMixin:
    """For plain configuration CRUD: save and audit in one transaction."""

    request: Request

    def _fields(self, instance: models.Model | None) -> dict[str, Any]:
        if instance is None:
            return {}
        return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            instance = serializer.save()
            audit_record(
                action=f"{instance._meta.model_name}.created",
                actor=self.request.user,
                obj=instance,
                changes=model_changes({}, self._fields(instance)),
            )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        with transaction.atomic():
            before = self._fields(serializer.instance)
            instance = serializer.save()
            audit_record(
                action=f"{instance._meta.model_name}.updated",
                actor=self.request.user,
                obj=instance,
                changes=model_changes(before, self._fields(instance)),
            )

    def perform_destroy(self, instance: models.Model) -> None:
        with transaction.atomic():
            audit_record(
                action=f"{instance._meta.model_name}.deleted",
                actor=self.request.user,
                obj=instance,
                changes={"deleted": self._fields(instance)},
            )
            instance.delete()

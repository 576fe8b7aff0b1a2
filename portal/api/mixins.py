from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.concurrency import with_etag
from portal.audit import audit_record, model_changes

if TYPE_CHECKING:
    # The mixins are only ever mixed into DRF's generic views: typed against GenericAPIView, they
    # see its request, get_queryset() and get_object() with DRF's own types, and a viewset that
    # combines them with ModelViewSet has no conflicting definitions to reconcile.
    from rest_framework.generics import GenericAPIView

    _GenericView = GenericAPIView
else:
    _GenericView = object


class AuditedModelMixin(_GenericView):
    """For plain configuration CRUD: save and audit in one transaction."""

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


class ServiceWriteMixin(_GenericView):
    """For viewsets whose create and update go through a service, not ``serializer.save()``.

    ``write_serializer_class`` validates the input (its schema is published
    as the request body, see ``portal.schema.PortalAutoSchema``); the
    viewset's ``perform_service_create(data)`` and
    ``perform_service_update(instance, data)`` call the service; the answer is
    the object read back (``read_back``: through ``get_queryset()`` by default,
    so the user's scoping and prefetches apply) with ``serializer_class``, and
    an ETag when the object carries a version.
    """

    write_serializer_class: type[serializers.BaseSerializer]

    def perform_service_create(self, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError(
            f"{type(self).__name__} creates through a service: define perform_service_create"
        )

    def perform_service_update(self, instance: Any, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError(
            f"{type(self).__name__} updates through a service: define perform_service_update"
        )

    def get_write_serializer_class(self) -> type[serializers.BaseSerializer]:
        """The input serializer of the current action (override when create and update differ)."""
        return self.write_serializer_class

    def get_write_serializer_kwargs(self) -> dict[str, Any]:
        """Extra arguments for the input serializer (e.g. the querysets it may pick from)."""
        return {}

    def write_input(self, *, partial: bool = False) -> dict[str, Any]:
        serializer = self.get_write_serializer_class()(
            data=self.request.data, partial=partial, **self.get_write_serializer_kwargs()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def read_back(self, instance: models.Model) -> models.Model:
        """The object the answer shows. Override to answer with the service's own result when reading
        it again would change what is shown (e.g. the key order of a JSON field the database keeps)."""
        return self.get_queryset().get(pk=instance.pk)

    def respond(self, instance: models.Model, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.read_back(instance)
        response = Response(self.get_serializer(fresh).data, status=status_code)
        version = getattr(fresh, "version", None)
        return with_etag(response, version) if isinstance(version, int) else response

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.perform_service_create(self.write_input()), status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        data = self.write_input(partial=kwargs.pop("partial", False))
        return self.respond(self.perform_service_update(instance, data))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

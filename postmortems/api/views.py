from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.concurrency import expected_version, with_etag
from portal.api.csv import CsvColumn, CsvExportMixin
from portal.api.mixins import ServiceWriteMixin
from portal.downloads import attachment
from portal.filters import StrictOrderingFilter
from portal.users import acting_user
from postmortems import permissions as rules
from postmortems import services
from postmortems.api.serializers import (
    ActionItemSerializer,
    ActionItemWriteSerializer,
    CompleteInputSerializer,
    ContributingFactorCategorySerializer,
    PostmortemCreateSerializer,
    PostmortemKpiQuerySerializer,
    PostmortemKpiResponseSerializer,
    PostmortemSerializer,
    PostmortemTemplateSerializer,
    PostmortemUpdateSerializer,
    QualityFindingSerializer,
    RequestChangesInputSerializer,
    RevisionSerializer,
    TimelineEntryCreateSerializer,
    TimelineEntrySerializer,
    TimelineEntryUpdateSerializer,
    TransitionInputSerializer,
    WontDoInputSerializer,
)
from postmortems.choices import ActionItemAction, PostmortemAction
from postmortems.exports import postmortem_export
from postmortems.filtersets import ActionItemFilterSet, PostmortemFilterSet
from postmortems.kpis import postmortem_kpis
from postmortems.models import (
    ActionItem,
    ContributingFactorCategory,
    Postmortem,
    PostmortemTemplate,
    PostmortemTimelineEntry,
)
from postmortems.selectors import (
    action_item_get,
    action_item_list,
    postmortem_get,
    postmortem_list,
    revisions_for,
    templates_available,
    timeline_for,
)

ID = r"[0-9]{1,18}"
_WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


class PostmortemTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    """Post-mortem templates (managed in the admin); each section says whether it is required."""

    queryset = PostmortemTemplate.objects.all()
    serializer_class = PostmortemTemplateSerializer
    lookup_value_regex = ID
    filter_backends = [filters.SearchFilter]
    search_fields = ["name", "slug"]
    required_permissions = rules.TEMPLATES

    def get_queryset(self) -> Any:
        return templates_available()


class ContributingFactorCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The categories a contributing factor can have (managed in the admin)."""

    queryset = ContributingFactorCategory.objects.all()
    serializer_class = ContributingFactorCategorySerializer
    lookup_value_regex = ID
    filter_backends: list[Any] = []
    required_permissions = rules.FACTOR_CATEGORIES


def _transition_action(name: str) -> Any:
    @extend_schema(
        request=TransitionInputSerializer,
        responses={
            200: PostmortemSerializer,
            403: OpenApiResponse(description="The four-eyes rule refuses this user."),
            409: OpenApiResponse(description="Not possible in this status, or quality errors (listed)."),
            412: OpenApiResponse(description="If-Match names an older version."),
        },
    )
    def transition(self: PostmortemViewSet, request: Request, pk: str | None = None) -> Response:
        postmortem = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handler = {
            PostmortemAction.SUBMIT_FOR_REVIEW: services.postmortem_submit_for_review,
            PostmortemAction.PUBLISH: services.postmortem_publish,
            PostmortemAction.REVISE: services.postmortem_revise,
        }[PostmortemAction(name)]
        try:
            handler(
                postmortem=postmortem,
                actor=acting_user(request),
                note=data.validated_data["note"],
                expected_version=expected_version(request, required=False),
            )
        except services.QualityGateFailed as failure:
            body = {
                "detail": str(failure),
                "errors": QualityFindingSerializer(failure.findings, many=True).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return self._respond(postmortem.pk)

    transition.__name__ = name
    transition.__doc__ = {
        PostmortemAction.SUBMIT_FOR_REVIEW: "Ask for review (from draft).",
        PostmortemAction.PUBLISH: "Publish after review: not by its owner (403); quality errors block it (409).",
        PostmortemAction.REVISE: "Start a new draft of a published post-mortem; the published revision is kept.",
    }[PostmortemAction(name)]
    return action(detail=True, methods=["post"], filter_backends=[])(transition)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("status", str, many=True, description="One or more statuses.")]
    ),
    partial_update=extend_schema(
        request=PostmortemUpdateSerializer,
        responses={200: PostmortemSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description='The version you read, e.g. "3" (412 when stale, 428 when missing).',
            )
        ],
    ),
    create=extend_schema(request=PostmortemCreateSerializer, responses={201: PostmortemSerializer}),
)
class PostmortemViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Post-mortems: the document, its lifecycle, its own timeline and its exports.

    A post-mortem covering an incident the caller may not see answers 404.
    """

    queryset = Postmortem.objects.all()
    serializer_class = PostmortemSerializer
    write_serializer_class = PostmortemCreateSerializer
    filterset_class = PostmortemFilterSet
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["title", "incidents__reference", "incidents__title"]
    ordering_fields = ["created_at", "updated_at", "published_at", "title", "status"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = ID
    http_method_names = _WRITE_METHODS
    required_permissions = rules.POSTMORTEM_VIEWSET

    def get_queryset(self) -> Any:
        return postmortem_list(self.request.user)

    def _respond(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        postmortem = postmortem_get(self.request.user, pk)
        response = Response(self.get_serializer(postmortem).data, status=status_code)
        return with_etag(response, postmortem.version)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        postmortem = self.get_object()
        return with_etag(Response(self.get_serializer(postmortem).data), postmortem.version)

    def get_write_serializer_class(self) -> type[serializers.BaseSerializer]:
        return PostmortemCreateSerializer if self.action == "create" else PostmortemUpdateSerializer

    def get_write_serializer_kwargs(self) -> dict[str, Any]:
        return {"context": {"request": self.request}}

    def perform_service_create(self, data: dict[str, Any]) -> Postmortem:
        return services.postmortem_create(actor=acting_user(self.request), **data)

    def perform_service_update(self, instance: Postmortem, data: dict[str, Any]) -> Postmortem:
        # PATCH needs If-Match: a post-mortem is edited by several people at once.
        return services.postmortem_update(
            postmortem=instance,
            actor=acting_user(self.request),
            data=data,
            expected_version=expected_version(self.request, required=True),
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.postmortem_delete(postmortem=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    submit_for_review = _transition_action(PostmortemAction.SUBMIT_FOR_REVIEW)
    publish = _transition_action(PostmortemAction.PUBLISH)
    revise = _transition_action(PostmortemAction.REVISE)

    @extend_schema(
        request=RequestChangesInputSerializer,
        responses={
            200: PostmortemSerializer,
            400: OpenApiResponse(description="No comment: say what needs to change."),
            403: OpenApiResponse(description="Only those who may publish it may send it back."),
            409: OpenApiResponse(description="Not in review."),
            412: OpenApiResponse(description="If-Match names an older version."),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def request_changes(self, request: Request, pk: str | None = None) -> Response:
        """Send it back to its author as a draft with a comment (in review only; the four-eyes rule)."""
        postmortem = self.get_object()
        data = RequestChangesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.postmortem_request_changes(
            postmortem=postmortem,
            actor=acting_user(request),
            comment=data.validated_data["comment"],
            expected_version=expected_version(request, required=False),
        )
        return self._respond(postmortem.pk)

    def _export(self, export: str) -> HttpResponse:
        # PdfTooLarge (413) and PdfRenderError (503 + Retry-After) are answered by portal.api.exceptions.
        file = postmortem_export(self.get_object(), export, actor=acting_user(self.request))
        return attachment(file.content, content_type=file.content_type, filename=file.filename)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The post-mortem as PDF (current version), as an attachment."""
        return self._export("pdf")

    @extend_schema(responses={(200, "text/markdown"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], filter_backends=[])
    def markdown(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The post-mortem as a Markdown document (for Confluence or a Git repository)."""
        return self._export("markdown")

    @extend_schema(responses={200: RevisionSerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        """The published revisions, newest first, each as it was published."""
        postmortem = self.get_object()
        page = self.paginate_queryset(revisions_for(postmortem))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses={200: TimelineEntrySerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=TimelineEntryCreateSerializer, responses={201: TimelineEntrySerializer}
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """The post-mortem's own timeline (imported from the incidents, then edited); POST adds an entry."""
        postmortem = self.get_object()
        if request.method == "POST":
            data = TimelineEntryCreateSerializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            values = data.validated_data
            entry = services.timeline_entry_add(
                postmortem=postmortem,
                actor=acting_user(request),
                occurred_at=values["occurred_at"],
                text=values["text"],
                incident=values["incident"],
                is_starred=values["starred"],
                assessment=values["assessment"],
                annotation=values["annotation"],
                expected_version=expected_version(request, required=False),
            )
            return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(timeline_for(postmortem))
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(
        methods=["PATCH"], request=TimelineEntryUpdateSerializer, responses={200: TimelineEntrySerializer}
    )
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=rf"timeline/(?P<entry_id>{ID})",
        filter_backends=[],
    )
    def timeline_entry(self, request: Request, pk: str | None = None, entry_id: str = "") -> Response:
        """Edit, star, mark as fact or hypothesis, annotate or remove one timeline entry.

        The incident's own timeline does not change.
        """
        postmortem = self.get_object()
        try:
            entry = timeline_for(postmortem).get(pk=int(entry_id))
        except PostmortemTimelineEntry.DoesNotExist:
            raise Http404 from None
        version = expected_version(request, required=False)
        if request.method == "DELETE":
            services.timeline_entry_delete(entry=entry, actor=acting_user(request), expected_version=version)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = TimelineEntryUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "starred" in values:
            values["is_starred"] = values.pop("starred")
        entry = services.timeline_entry_update(
            entry=entry, actor=acting_user(request), data=values, expected_version=version
        )
        return Response(TimelineEntrySerializer(timeline_for(postmortem).get(pk=entry.pk)).data)


def _item_transition(name: str, input_serializer: Any) -> Any:
    @extend_schema(request=input_serializer, responses={200: ActionItemSerializer})
    def transition(self: ActionItemViewSet, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        extra: dict[str, Any] = {}
        if input_serializer is not None:
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            extra = dict(data.validated_data)
        services.action_item_transition(
            item=item,
            action=name,
            actor=acting_user(request),
            expected_version=expected_version(request, required=False),
            **extra,
        )
        return self._respond(item.pk)

    transition.__name__ = name
    transition.__doc__ = {
        ActionItemAction.START: "Start work on the item (open -> in progress).",
        ActionItemAction.COMPLETE: "Mark it done; prevent and mitigate items need `verification`.",
        ActionItemAction.WONT_DO: "Close it without doing it; needs a `reason`.",
    }[ActionItemAction(name)]
    return action(detail=True, methods=["post"], filter_backends=[])(transition)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, many=True, description="One or more statuses."),
            OpenApiParameter("kind", str, many=True, description="One or more kinds."),
            OpenApiParameter("priority", str, many=True, description="One or more priorities."),
        ]
    ),
    create=extend_schema(request=ActionItemWriteSerializer, responses={201: ActionItemSerializer}),
    partial_update=extend_schema(request=ActionItemWriteSerializer, responses={200: ActionItemSerializer}),
)
class ActionItemViewSet(
    CsvExportMixin,
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Action items of the post-mortems you can see. Overdue is derived: due before today and
    still open or in progress."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    write_serializer_class = ActionItemWriteSerializer
    filterset_class = ActionItemFilterSet
    csv_filename = "action-items.csv"
    csv_audit_action = "action_items.exported"
    csv_columns = [
        CsvColumn("id"),
        CsvColumn("postmortem", "postmortem.title"),
        CsvColumn("incident", lambda item: item.incident.reference if item.incident_id else ""),
        CsvColumn("title"),
        CsvColumn("owner", lambda item: item.owner.get_username() if item.owner_id else ""),
        CsvColumn("due_date"),
        CsvColumn("priority"),
        CsvColumn("kind"),
        CsvColumn("status"),
        CsvColumn("overdue", "is_overdue"),
        CsvColumn("external_url"),
        CsvColumn("verification"),
        CsvColumn("closed_at"),
    ]
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StrictOrderingFilter]
    search_fields = ["title", "description"]
    ordering_fields = ["due_date", "priority_rank", "created_at", "updated_at", "status", "title"]
    ordering = ["due_date", "id"]
    lookup_value_regex = ID
    http_method_names = _WRITE_METHODS
    required_permissions = rules.ACTION_ITEM_VIEWSET

    def get_queryset(self) -> Any:
        return action_item_list(self.request.user)

    def _respond(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        item = action_item_get(self.request.user, pk)
        return with_etag(Response(ActionItemSerializer(item).data, status=status_code), item.version)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        return with_etag(Response(self.get_serializer(item).data), item.version)

    def get_write_serializer_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"context": {"request": self.request}}
        if self.action in ("update", "partial_update"):
            kwargs["instance"] = self.get_object()  # an item stays with its post-mortem
        return kwargs

    def perform_service_create(self, data: dict[str, Any]) -> ActionItem:
        return services.action_item_create(actor=acting_user(self.request), **data)

    def perform_service_update(self, instance: ActionItem, data: dict[str, Any]) -> ActionItem:
        return services.action_item_update(
            item=instance,
            actor=acting_user(self.request),
            data=data,
            expected_version=expected_version(self.request, required=False),
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.action_item_delete(item=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    start = _item_transition(ActionItemAction.START, None)
    complete = _item_transition(ActionItemAction.COMPLETE, CompleteInputSerializer)
    wont_do = _item_transition(ActionItemAction.WONT_DO, WontDoInputSerializer)


class PostmortemKpiView(APIView):
    """Action-item closure and overdue counts, and the median time from an incident's resolution
    to its published post-mortem, over what you can see."""

    required_permissions = rules.KPIS

    @extend_schema(
        parameters=[OpenApiParameter("include_exercises", bool)],
        responses={200: PostmortemKpiResponseSerializer},
    )
    def get(self, request: Request) -> Response:
        query = PostmortemKpiQuerySerializer(
            data={"include_exercises": request.query_params.get("include_exercises", "false")}
        )
        query.is_valid(raise_exception=True)
        figures = postmortem_kpis(request.user, include_exercises=query.validated_data["include_exercises"])
        return Response(PostmortemKpiResponseSerializer(figures).data)

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="list"),
    path("new/", views.IncidentCreateView.as_view(), name="create"),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.IncidentEditView.as_view(), name="edit"),
    path("<int:pk>/transition/<slug:action>/", views.TransitionView.as_view(), name="transition"),
    path("<int:pk>/notes/", views.NoteView.as_view(), name="note"),
    path(
        "<int:pk>/timeline/<int:event_id>/for-regulators/",
        views.TimelineMarkView.as_view(),
        name="timeline_mark",
    ),
    path("<int:pk>/roles/", views.RoleAssignView.as_view(), name="roles"),
    path("<int:pk>/evidence/", views.EvidenceUploadView.as_view(), name="evidence"),
    path(
        "<int:pk>/evidence/<int:evidence_id>/", views.EvidenceDownloadView.as_view(), name="evidence-download"
    ),
    path("<int:pk>/tasks/<int:task_id>/<slug:action>/", views.TaskActionView.as_view(), name="task"),
    path("<int:pk>/communications/", views.CommunicationView.as_view(), name="communications"),
]

from django.urls import path

from postmortems import views

app_name = "postmortems"

urlpatterns = [
    path("", views.PostmortemListView.as_view(), name="list"),
    path("new/", views.PostmortemCreateView.as_view(), name="create"),
    path("<int:pk>/", views.PostmortemDetailView.as_view(), name="detail"),
    path("<int:pk>/export/<slug:export>/", views.PostmortemExportView.as_view(), name="export"),
    path("<int:pk>/transition/<slug:action>/", views.PostmortemTransitionView.as_view(), name="transition"),
    path("<int:pk>/timeline/<int:entry_id>/", views.TimelineEntryView.as_view(), name="timeline-entry"),
    path("<int:pk>/action-items/", views.ActionItemCreateView.as_view(), name="add-action-item"),
]

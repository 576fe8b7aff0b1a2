from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("obligations/<int:pk>/", views.ObligationView.as_view(), name="obligation"),
    path("incidents/<int:pk>/assessment/", views.AssessmentView.as_view(), name="assessment"),
    path("reports/<int:pk>/", views.ReportView.as_view(), name="report"),
    path("reports/<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report-pdf"),
    path("calendar-feed/rotate/", views.FeedRotateView.as_view(), name="feed-rotate"),
]

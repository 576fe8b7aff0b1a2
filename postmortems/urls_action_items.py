from django.urls import path

from postmortems import views

app_name = "action_items"

urlpatterns = [
    path("", views.ActionItemBoardView.as_view(), name="board"),
    path("<int:pk>/", views.ActionItemDetailView.as_view(), name="detail"),
]

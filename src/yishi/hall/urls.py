"""Staff pages of the service hall (under /workbench/hall/)."""

from django.urls import path

from yishi.hall import views

app_name = "hall"

urlpatterns = [
    path("", views.index, name="index"),
    path("windows/<int:window_id>/", views.window_page, name="window"),
    path("windows/<int:window_id>/waiting/", views.window_waiting, name="window_waiting"),
    path("windows/<int:window_id>/<slug:action>/", views.window_action, name="window_action"),
    path("<slug:code>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:code>/green/", views.green, name="green"),
]

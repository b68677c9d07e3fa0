"""The resident's side of the remote virtual window (/remote/)."""

from django.urls import path

from yishi.remote import views

app_name = "remote"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:session_id>/", views.session_page, name="session"),
    path("<int:session_id>/status/", views.session_status, name="status"),
]

"""The clerk's console of the remote virtual window (/workbench/remote/)."""

from django.urls import path

from yishi.remote import staff_views

app_name = "remote_staff"

urlpatterns = [
    path("", staff_views.console, name="console"),
    path("<int:session_id>/", staff_views.session_page, name="session"),
    path("<int:session_id>/recording/", staff_views.recording_upload, name="recording_upload"),
    path("recordings/", staff_views.recordings, name="recordings"),
    path("recordings/<int:recording_id>/", staff_views.recording_page, name="recording"),
    path(
        "recordings/<int:recording_id>/media/", staff_views.recording_media, name="recording_media"
    ),
]

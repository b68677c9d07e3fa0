from django.urls import path

from yishi.assist import staff_views

app_name = "assist_staff"

urlpatterns = [
    path("", staff_views.console, name="console"),
    path("<int:request_id>/", staff_views.detail, name="request"),
    path("stats/", staff_views.stats, name="stats"),
    path("authorisations/", staff_views.authorisations, name="authorisations"),
    path(
        "authorisations/<int:authorisation_id>/",
        staff_views.authorisation,
        name="authorisation",
    ),
]

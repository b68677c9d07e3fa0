"""The lobby screen for a hall TV, without sign-in: mount with
`path("stats/", include("yishi.stats.public_urls"))` (namespace "stats_public")."""

from django.urls import path

from yishi.stats import views

app_name = "stats_public"

urlpatterns = [path("screen/", views.public_screen, name="screen")]

"""Public open-data pages (mounted at /open-data/)."""

from django.urls import path

from yishi.governance import views

app_name = "open_data"

urlpatterns = [
    path("", views.open_index, name="index"),
    path("<slug:code>/rows.csv", views.open_csv, name="csv"),
    path("<slug:code>/rows.json", views.open_json, name="json"),
]

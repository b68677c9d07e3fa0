from django.urls import path  # noqa: F401

app_name = "assist_staff"

urlpatterns: list = []

"""The digital service map (政务服务数字地图), public, at /map/."""

from django.urls import path

from yishi.hall import views

app_name = "service_map"

urlpatterns = [
    path("", views.service_map, name="index"),
]

"""Company-side pages of 企业一类事与增值服务 (mounted at /enterprise/)."""

from django.urls import path

from yishi.enterprise import views

app_name = "enterprise"

urlpatterns = [
    path("", views.package_list, name="packages"),
    path("p/<slug:code>/", views.package_page, name="package"),
    path("runs/<int:run_id>/", views.run_page, name="run"),
    path("zone/", views.zone, name="zone"),
    path("zone/o/<slug:code>/", views.offer_page, name="offer"),
    path("requests/<int:request_id>/", views.request_page, name="request"),
]

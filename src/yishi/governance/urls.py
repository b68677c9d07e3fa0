"""Staff pages of 数据治理 (mounted at /workbench/governance/)."""

from django.urls import path

from yishi.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("run/", views.run_checks, name="run"),
    path("catalog/", views.catalog, name="catalog"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/<str:action>/", views.finding_action, name="finding_action"),
    path("report/<str:number>/", views.report, name="report"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/file/", views.request_file, name="request_file"),
]

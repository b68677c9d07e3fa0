from django.urls import path

from yishi.reports import views

app_name = "reports_staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_new, name="new"),
    path("<int:report_id>/", views.staff_report, name="report"),
    path("<int:report_id>/answer/", views.staff_answer, name="answer"),
    path("<int:report_id>/resolve/", views.staff_resolve, name="resolve"),
    path("<int:report_id>/improve/", views.staff_improve, name="improve"),
    path("improvements/", views.improvements, name="improvements"),
    path(
        "improvements/<int:improvement_id>/progress/",
        views.improvement_progress,
        name="improvement_progress",
    ),
    path("walks/", views.staff_walks, name="walks"),
    path("walks/new/", views.staff_walk_new, name="walk_new"),
    path("walks/<int:walk_id>/", views.staff_walk, name="walk"),
    path("officers/", views.officers, name="officers"),
]

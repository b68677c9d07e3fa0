from django.urls import path

from yishi.reports import views

app_name = "reports"

urlpatterns = [
    path("new/", views.report_new, name="new"),
    path("poster/", views.poster, name="poster"),
    path("mine/", views.mine, name="mine"),
    path("r/<str:token>/", views.link, name="link"),
    path("r/<str:token>/rate/", views.link_rate, name="link_rate"),
    path("walks/", views.officer_walks, name="walks"),
    path("walks/new/", views.officer_walk_new, name="walk_new"),
]

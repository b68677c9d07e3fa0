from django.urls import path

from yishi.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.index, name="index"),
    path("departments/<str:code>/", views.department, name="department"),
    path("matters/<str:code>/", views.matter, name="matter"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("screen/", views.screen, name="screen"),
]

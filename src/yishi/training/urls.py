from django.urls import path

from yishi.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("exams/<int:exam_id>/", views.exam_detail, name="exam"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("certificates/", views.certificates, name="certificates"),
    path("assessment/", views.assessment, name="assessment"),
    path("team/", views.team, name="team"),
    path("guides/", views.guide_list, name="guides"),
    path("guides/generate/", views.guides_generate, name="guides_generate"),
    path("guides/<int:guide_id>/", views.guide_detail, name="guide"),
    path("guides/<int:guide_id>/edit/", views.guide_edit, name="guide_edit"),
]
